import {
  IdempotencyConfigError,
  IdempotencyCorruptRecordError,
  IdempotencyError,
  IdempotencyNotDurableError,
  IdempotencyResultError,
  IdempotencyStoreError,
} from '../core/errors';

/**
 * How every store turns a backend failure into a library error, so the three read alike: each
 * store only classifies its driver's errors (`redisErrors.ts`, `dynamoDBErrors.ts`); the class,
 * the message's shape and the `cause` are decided here, once.
 */

/**
 * The store methods, as error messages name them.
 *
 * @example
 * ```ts
 * storeFailure({ store: 'RedisStore', operation: StoreOperation.Claim, kind: StoreFailureKind.Outage, reason: 'Command timed out' });
 * ```
 */
export const StoreOperation = {
  Claim: 'claim',
  Complete: 'complete',
  Release: 'release',
  RenewLease: 'renewLease',
  Get: 'get',
  Delete: 'delete',
} as const;

/** Union of the values of {@link StoreOperation}. */
export type StoreOperation = (typeof StoreOperation)[keyof typeof StoreOperation];

/**
 * What kind of failure it is, which decides the error class: only an outage may fail open.
 *
 * @example
 * ```ts
 * const kind = isRedisOutage(err) ? StoreFailureKind.Outage : StoreFailureKind.Misconfiguration;
 * ```
 */
export const StoreFailureKind = {
  /** The backend did not answer, or cannot now (timeout, closed connection, failover, throttling): `IdempotencyStoreError`. */
  Outage: 'outage',
  /** Every call would get the same answer (permissions, no such table, wrong password or database, full memory): `IdempotencyConfigError`. */
  Misconfiguration: 'misconfiguration',
  /** A record this library cannot read: `IdempotencyCorruptRecordError`. */
  CorruptRecord: 'corrupt_record',
  /** The record is larger than the backend holds: `IdempotencyResultError`. */
  TooLarge: 'too_large',
  /** The write was not confirmed as durable as asked (RedisStore `durability`): `IdempotencyNotDurableError`. */
  NotDurable: 'not_durable',
} as const;

/** Union of the values of {@link StoreFailureKind}. */
export type StoreFailureKind = (typeof StoreFailureKind)[keyof typeof StoreFailureKind];

/**
 * One failed store operation, as {@link storeFailure} turns it into an error.
 *
 * @example
 * ```ts
 * const failure: StoreFailure = { store: 'DynamoDBStore', operation: 'get', kind: 'outage', reason: 'ThrottlingException: slow down', cause: err };
 * ```
 */
export interface StoreFailure {
  /** The store's class name, e.g. `RedisStore`. */
  readonly store: string;
  readonly operation: StoreOperation;
  readonly kind: StoreFailureKind;
  /**
   * What went wrong, in words safe to log: the backend's error name and message at most, never
   * the key, a command's arguments, a payload or a credential.
   */
  readonly reason: string;
  /** How to fix it; each kind has a default. */
  readonly fix?: string;
  /** The driver's error (without the command's arguments). */
  readonly cause?: unknown;
}

/**
 * The default fix per kind. Deleting is the recovery from an unreadable record; the key is not in
 * the message, but the `store_error` log line of the call names its namespace and key hash.
 */
const DEFAULT_FIX: Record<StoreFailureKind, string> = {
  outage: 'the store is unreachable or overloaded: check that it is up and reachable from the function; calls succeed again once it answers',
  misconfiguration: "check the store's configuration",
  corrupt_record:
    'delete the record to recover: its key is <prefix>:<namespace>:<keyHash> from the store_error log line (store.delete(key), or on Redis npx lambda-idempotency invalidate --record-key <key>)',
  too_large: 'return less data, or lower maxResultBytes so the size is checked before the method runs again',
  not_durable: 'check the replicas, or raise durability.timeoutMs',
};

const NEVER_FAILS_OPEN = " Not an outage: no call runs unprotected on it, even with onStoreError 'continue'.";

/**
 * The error a store rejects with: its class by `kind`, a message naming the store and the
 * operation and saying how to fix, and the driver's error as `cause`.
 *
 * @example
 * ```ts
 * throw storeFailure({ store: 'RedisStore', operation: 'get', kind: 'outage', reason: 'Command timed out', cause: err });
 * // IdempotencyStoreError: RedisStore get failed: Command timed out; the store is unreachable ...
 * ```
 */
export function storeFailure(failure: StoreFailure): IdempotencyError {
  const { kind, cause } = failure;
  const message = `${failure.store} ${failure.operation} failed: ${redact(failure.reason)}; ${failure.fix ?? DEFAULT_FIX[kind]}.`;
  const options = cause === undefined ? undefined : { cause };
  switch (kind) {
    case StoreFailureKind.Misconfiguration:
      return new IdempotencyConfigError(message + NEVER_FAILS_OPEN, options);
    case StoreFailureKind.CorruptRecord:
      return new IdempotencyCorruptRecordError(message, options);
    case StoreFailureKind.TooLarge:
      return new IdempotencyResultError(message, options);
    case StoreFailureKind.NotDurable:
      return new IdempotencyNotDurableError(message + NEVER_FAILS_OPEN, options);
    default:
      return new IdempotencyStoreError(message, options);
  }
}

/**
 * Defence in depth: a driver's message holds no credential today, but a URL's password or an AWS
 * access key id, should one ever appear in it, is masked before it reaches a message (and a log).
 */
function redact(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, '$1***@').replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1***');
}

/**
 * An error already wrapped (thrown by the store itself, or by `storeFailure`) passes unchanged;
 * anything else becomes the `StoreFailure` that `classify` makes of it.
 *
 * @example
 * ```ts
 * catch (err) { throw wrapStoreError(err, (e) => classifyRedisError('RedisStore', 'get', e)); }
 * ```
 */
export function wrapStoreError(err: unknown, classify: (err: unknown) => StoreFailure): IdempotencyError {
  return err instanceof IdempotencyError ? err : storeFailure(classify(err));
}
