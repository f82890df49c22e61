import {
  expectBoolean,
  expectFunction,
  expectNonEmptyString,
  expectNonNegativeInteger,
  expectOneOf,
  expectPositiveInteger,
  expectValue,
  hasMethods,
} from './check';
import { createSealer, type EncryptionOptions } from './encryption';
import { compileSelector, type KeySelector } from './key/key';
import { getDefaultLogger } from './log';
import { isLoggerOption } from './loggerShape';
import { OnStoreError, type IdempotencyOptions } from './options';
import { storeProblem } from '../stores/IdempotencyStore';
import { isSerializer, jsonSerializer } from './serializer';

/**
 * One row of the option table: how a value is checked and, when the option has one, its default.
 *
 * @example
 * ```ts
 * const row: OptionRow<number> = { default: 3600, check: expectPositiveInteger };
 * ```
 */
export interface OptionRow<T> {
  /** Throws `IdempotencyConfigError` naming the option and the fix; called only for a value that is set. */
  readonly check: (name: string, value: unknown) => unknown;
  /** The value when no level sets the option. */
  readonly default?: T;
  /** For a default that is built when first needed (the logger), not at load time. */
  readonly defaultFrom?: () => T;
  /** `leaseSeconds` only: the lease when no Lambda context gives the invocation's time left. */
  readonly withoutContext?: T;
  /** Set only per method or function: refused by `configureIdempotency` and `@IdempotentClass`. */
  readonly perMethod?: true;
}

/**
 * A row for every option of {@link IdempotencyOptions}, and for nothing else: checked by the
 * compiler (`satisfies`), like a schema with `additionalProperties: false`.
 *
 * @example
 * ```ts
 * const table = { ...OPTION_TABLE } satisfies OptionTable;
 * ```
 */
export type OptionTable = { readonly [K in keyof IdempotencyOptions]-?: OptionRow<NonNullable<IdempotencyOptions[K]>> };

function checkSelector(name: string, value: unknown): void {
  compileSelector(value as KeySelector, name);
}

function checkLocalCache(name: string, value: unknown): void {
  expectValue(name, value, value !== null && typeof value === 'object' && !Array.isArray(value), 'be { maxEntries: <positive integer> }');
  expectPositiveInteger(`${name}.maxEntries`, (value as { maxEntries?: unknown }).maxEntries);
}

/**
 * Every option, declared once: its check, and its default where it has one. The rest of the
 * library derives from it: the known option names ({@link OPTION_NAMES}), `validateOptions`, and
 * the values the engine runs with ({@link withDefaults}). In the order of the interface.
 *
 * @example
 * ```ts
 * OPTION_TABLE.ttlSeconds.default; // 3600
 * ```
 */
export const OPTION_TABLE = {
  store: {
    check: (name: string, value: unknown) => {
      const problem = typeof value === 'function' ? undefined : storeProblem(value);
      // An object that looks like a store (a custom store of the old contract) is told what it lacks.
      const detail = problem !== undefined && hasMethods(value, ['claim']) ? ` (this one ${problem})` : '';
      expectValue(name, value, problem === undefined, `be an IdempotencyStore (RedisStore, MemoryStore) or a function (self) => store${detail}`);
    },
  },
  // Built on first use: a Powertools Logger reads its settings from the environment then.
  logger: {
    defaultFrom: getDefaultLogger,
    check: (name: string, value: unknown) =>
      expectValue(name, value, isLoggerOption(value), 'have info, warn and error methods (a Powertools Logger), or log, warn and error (a NestJS Logger)'),
  },
  key: { check: checkSelector },
  validate: { check: checkSelector },
  ttlSeconds: { default: 3600, check: expectPositiveInteger },
  // Unset, a claim is bounded by the invocation's time left, read at each claim and renewal.
  leaseSeconds: { withoutContext: 60, check: expectPositiveInteger },
  requireKey: { default: true, check: expectBoolean },
  prefix: { default: 'idempotency', check: expectNonEmptyString },
  onStoreError: { default: OnStoreError.Fail, check: (name: string, value: unknown) => expectOneOf(name, value, Object.values(OnStoreError)) },
  // The Lambda synchronous response limit: a larger result could not be returned anyway.
  maxResultBytes: { default: 6 * 1024 * 1024, check: expectPositiveInteger },
  eventArgIndex: { default: 0, check: expectNonNegativeInteger },
  onReplay: { check: expectFunction },
  localCache: { check: checkLocalCache },
  onInProgress: { default: 'fail', check: (name: string, value: unknown) => expectOneOf(name, value, ['fail', 'wait'] as const) },
  waitSeconds: { default: 10, check: expectPositiveInteger },
  renewLease: { default: false, check: expectBoolean },
  cacheResult: { check: expectFunction },
  cacheError: { check: expectFunction },
  onDecision: { check: expectFunction },
  serializer: { default: jsonSerializer, check: (name: string, value: unknown) => expectValue(name, value, isSerializer(value), 'have serialize and deserialize methods') },
  encryption: { check: (_name: string, value: unknown) => createSealer(value as EncryptionOptions) },
  name: { perMethod: true, check: expectNonEmptyString },
} as const satisfies OptionTable;

/** The name of an option. */
export type OptionName = keyof typeof OPTION_TABLE;

/**
 * Every option name, in the table's order.
 *
 * @example
 * ```ts
 * OPTION_NAMES.includes('ttlSeconds'); // true
 * ```
 */
export const OPTION_NAMES = Object.keys(OPTION_TABLE) as readonly OptionName[];

type Row<K extends OptionName> = (typeof OPTION_TABLE)[K];
type Defaulted = { [K in OptionName]: Row<K> extends { readonly default: unknown } | { readonly defaultFrom: unknown } ? K : never }[OptionName];

/**
 * Options with every default filled in: an option the table gives a default is never `undefined`.
 *
 * @example
 * ```ts
 * const ttlMs = withDefaults(options).ttlSeconds * 1000;
 * ```
 */
export type DefaultedOptions = Omit<IdempotencyOptions, Defaulted> & { readonly [K in Defaulted]-?: NonNullable<IdempotencyOptions[K]> };

/**
 * The options with every unset one (absent or `undefined`) at its table default: what the engine
 * runs with. Takes the layered options (`layerOptions`), which it does not change.
 *
 * @example
 * ```ts
 * withDefaults({ ttlSeconds: 60 }); // { ttlSeconds: 60, prefix: 'idempotency', requireKey: true, ... }
 * ```
 */
export function withDefaults(options: IdempotencyOptions): DefaultedOptions {
  const filled: Record<string, unknown> = { ...options };
  for (const name of OPTION_NAMES) {
    if (filled[name] !== undefined) continue;
    const row: OptionRow<unknown> = OPTION_TABLE[name];
    if ('default' in row) filled[name] = row.default;
    else if (row.defaultFrom !== undefined) filled[name] = row.defaultFrom();
  }
  return filled as DefaultedOptions;
}
