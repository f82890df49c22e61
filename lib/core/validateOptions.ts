import { describeValue } from './check';
import { IdempotencyConfigError } from './errors';
import { OPTION_NAMES, OPTION_TABLE, type OptionName, type OptionRow } from './optionTable';
import { suggestName } from './suggest';

/** Where options are given: per method or function, or as defaults for many (process, class). */
export type OptionScope = 'method' | 'defaults';

// The names each scope accepts, as the table declares them: `name` is per method only.
const KNOWN: Record<OptionScope, readonly OptionName[]> = {
  method: OPTION_NAMES,
  defaults: OPTION_NAMES.filter((name) => (OPTION_TABLE[name] as OptionRow<unknown>).perMethod !== true),
};

function isOptionName(name: string): name is OptionName {
  return Object.prototype.hasOwnProperty.call(OPTION_TABLE, name);
}

/**
 * Checks options up front, so a typo fails at start-up with the fix in the message rather than on
 * the first request: every entry point calls it, and key paths are compiled here too. Each set
 * option goes through its check in the option table; an unknown one is refused with the closest
 * known name; `name` is refused in `'defaults'` scope (process and class defaults).
 *
 * @example
 * ```ts
 * validateOptions({ ttlSeconds: -1 }, 'configureIdempotency'); // throws: Expected `ttlSeconds` to be a positive integer, got -1
 * validateOptions({ ttl: 60 }, 'makeIdempotent'); // throws: Unknown option `ttl` in makeIdempotent; did you mean `ttlSeconds`? ...
 * ```
 */
export function validateOptions(options: unknown, where: string, scope: OptionScope = 'method'): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new IdempotencyConfigError(`Expected the options of ${where} to be an object, got ${describeValue(options)}`);
  }
  const given = options as Record<string, unknown>;
  const names = Object.keys(given);
  for (const name of names) {
    if (!isOptionName(name)) throw unknownOption(name, where, scope);
  }
  for (const name of names) {
    if (!KNOWN[scope].includes(name as OptionName)) throw new IdempotencyConfigError(`\`${name}\` is per method; it cannot be a default (${where}).`);
  }
  for (const name of OPTION_NAMES) {
    // `undefined` is "not set at this level" (layerOptions): nothing to check.
    if (given[name] !== undefined) OPTION_TABLE[name].check(name, given[name]);
  }
}

function unknownOption(name: string, where: string, scope: OptionScope): IdempotencyConfigError {
  const known = KNOWN[scope];
  const near = suggestName(name, known);
  const hint = near === undefined ? '; known' : `; did you mean \`${near}\`? Known`;
  return new IdempotencyConfigError(`Unknown option \`${name}\` in ${where}${hint} options: ${known.join(', ')}.`);
}
