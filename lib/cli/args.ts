import { suggestName } from '../core/suggest';

/**
 * The CLI's command line: each command declares its flags once (value or switch), and anything
 * else is a usage error (exit 2), so a typo such as `--prefx billing` can never fall back to a
 * default and act on another record.
 */

/** A usage mistake: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A flag that takes a value (`--prefix billing` or `--prefix=billing`), or a switch (`--json`). */
type FlagKind = 'value' | 'switch';

const COMMON: Record<string, FlagKind> = { 'redis-url': 'value', prefix: 'value', 'timeout-seconds': 'value', json: 'switch', help: 'switch' };

/** Is `name` one of the object's own keys (not `constructor`, `toString` or another inherited one)? */
function has<T extends object>(table: T, name: string): name is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(table, name);
}
const RECORD: Record<string, FlagKind> = { 'record-key': 'value', namespace: 'value', key: 'value', 'key-json': 'value' };

/** The flags each command accepts. */
export const COMMANDS: Record<string, Record<string, FlagKind>> = {
  inspect: { ...COMMON, ...RECORD, 'show-result': 'switch' },
  invalidate: { ...COMMON, ...RECORD },
  'list-in-progress': { ...COMMON, namespace: 'value', limit: 'value' },
};

/**
 * Is `command` one of the CLI's commands?
 *
 * @example
 * ```ts
 * isCommand('inspect'); // true; isCommand('constructor'); // false
 * ```
 */
export function isCommand(command: string): boolean {
  return has(COMMANDS, command);
}

/** A parsed command line. */
export interface ParsedArgs {
  readonly command: string | undefined;
  /** Value flags by name; switches map to `true`. */
  readonly flags: ReadonlyMap<string, string | true>;
}

/**
 * Parses `argv` strictly: one command, then only the flags that command declares, each at most once.
 *
 * @example
 * ```ts
 * parseArgs(['invalidate', '--namespace=charge', '--key', 'order-42']).flags.get('namespace'); // 'charge'
 * ```
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h') {
      flags.set('help', true);
      continue;
    }
    if (!arg.startsWith('--')) {
      if (command !== undefined) throw new UsageError(`Unexpected argument ${JSON.stringify(arg)}: give one command, and values after their flags.`);
      command = arg;
      continue;
    }
    const { name, inline } = splitFlag(arg);
    const kind = kindOf(command, name);
    if (flags.has(name)) throw new UsageError(`--${name} is given twice.`);
    if (kind === 'switch') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (got --${name}=${inline}).`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value.`);
    flags.set(name, value);
  }
  return { command, flags };
}

function splitFlag(arg: string): { name: string; inline: string | undefined } {
  const eq = arg.indexOf('=');
  return eq === -1 ? { name: arg.slice(2), inline: undefined } : { name: arg.slice(2, eq), inline: arg.slice(eq + 1) };
}

/** The kind of `--name` for `command`; refuses flags the command does not take, with a suggestion. */
function kindOf(command: string | undefined, name: string): FlagKind {
  if (name === 'help') return 'switch';
  if (command === undefined) throw new UsageError(`Give a command before --${name}.`);
  if (!isCommand(command)) throw new UsageError(`Unknown command ${JSON.stringify(command)}.`);
  const known = COMMANDS[command];
  if (has(known, name)) return known[name] as FlagKind;
  const near = suggestName(name, Object.keys(known));
  throw new UsageError(`Unknown option --${name} for ${command}${near === undefined ? '' : `; did you mean --${near}?`}`);
}
