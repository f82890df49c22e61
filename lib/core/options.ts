import type { KeySelector } from './key/key';
import type { EncryptionOptions } from './encryption';
import type { DecisionLog } from './log';
import type { LoggerOption } from './loggerShape';
import type { Serializer } from './serializer';
import type { IdempotencyStore } from '../stores/IdempotencyStore';

// Each option's default and check: optionTable.ts (optionDocs.spec.ts keeps each @default equal).

/**
 * A store, or a function returning the store from the instance the method is called on, so a
 * store injected into a class (NestJS, tsyringe) is used. Its parameter is checked bivariantly, so
 * `(self: PaymentsHandler) => self.store` is accepted.
 *
 * @example
 * ```ts
 * const store: StoreOption = (self: PaymentsHandler) => self.idempotencyStore;
 * ```
 */
export type StoreOption = IdempotencyStore | { bivarianceHack(self: unknown): IdempotencyStore }['bivarianceHack'];

/**
 * What to do when the store fails (outage, timeout) before the method ran.
 *
 * @example
 * ```ts
 * configureIdempotency({ onStoreError: OnStoreError.Continue });
 * ```
 */
export const OnStoreError = {
  /** Throw `IdempotencyStoreError`; the method does not run (fail closed). */
  Fail: 'fail',
  /** Run the method without protection and log a warning-level alarm line (fail open). */
  Continue: 'continue',
} as const;

/**
 * Union of the values of {@link OnStoreError}.
 * @example
 * ```ts
 * const policy: OnStoreError = OnStoreError.Fail;
 * ```
 */
export type OnStoreError = (typeof OnStoreError)[keyof typeof OnStoreError];

/**
 * Options that may be set process-wide (`configureIdempotency`), per class (`@IdempotentClass`) or
 * per method (`@Idempotent` / `makeIdempotent`). The most specific wins: method > class > process.
 *
 * @example
 * ```ts
 * configureIdempotency({ store: new RedisStore(process.env.REDIS_URL!), ttlSeconds: 86_400 });
 * ```
 */
export interface IdempotencyDefaults<TEvent = unknown> {
  /**
   * Where records live.
   * @default none: configure one, or calls fail with `IdempotencyConfigError`
   */
  readonly store?: StoreOption | undefined;
  /**
   * Logger for the decision lines: Powertools `Logger` or anything with `info`, `warn` and `error`
   * (pino, console), or a NestJS `Logger` / `LoggerService` (`log`, `warn`, `error`: each line as
   * one string). A logger that throws never changes a call's result (the failure is reported once
   * per process as a warning).
   * @default a Powertools `Logger` with service `POWERTOOLS_SERVICE_NAME` or `lambda-idempotency`
   */
  readonly logger?: LoggerOption | undefined;
  /**
   * Which part of the event is the idempotency key: a path (`'body.orderId'`,
   * `'Records[0].messageId'`, `'headers["idempotency-key"]'`), several paths, or a synchronous
   * function. Paths in other syntaxes (JSONPath, JMESPath) are refused here with a hint.
   * @default the whole event
   */
  readonly key?: KeySelector<TEvent> | undefined;
  /**
   * Which part of the event must match on a repeat (e.g. `'body'`); a repeat with the same key and
   * a different part throws `IdempotencyPayloadMismatchError`. A JSON body is compared as parsed
   * JSON (key order and spacing do not matter); an absent `body` reads as `null`; a path that finds
   * nothing throws `IdempotencyKeyError` (a typo must not switch validation off).
   * @default no validation
   */
  readonly validate?: KeySelector<TEvent> | undefined;
  /**
   * How long a completed record is replayed, in seconds.
   * @default 3600
   */
  readonly ttlSeconds?: number | undefined;
  /**
   * How long a claim stays exclusive while the method runs, in seconds; after it ends a retry may
   * take the claim over. In Lambda it never outlives the invocation (`getRemainingTimeInMillis()`).
   * @default the Lambda context's remaining time when one is passed, else 60
   */
  readonly leaseSeconds?: number | undefined;
  /**
   * When the key is missing from the event (a path finds nothing, `null` or `''`; a key function
   * returns none), throw `IdempotencyKeyError` before running anything; its message names the path
   * and where it stopped. `false` runs the method without idempotency instead, with a warn-level
   * `key_missing` line naming the path (Powertools' default): a typo in a path then switches
   * protection off.
   * @default true
   */
  readonly requireKey?: boolean | undefined;
  /**
   * First segment of every record key: `<prefix>:<namespace>:<hash>`.
   * @default 'idempotency'
   */
  readonly prefix?: string | undefined;
  /**
   * What to do when the store fails before the method ran.
   * @default 'fail'
   */
  readonly onStoreError?: OnStoreError | undefined;
  /**
   * Largest serialized result stored, in bytes; a larger one throws `IdempotencyResultError`.
   * @default 6291456 (6 MiB, the Lambda synchronous response limit)
   */
  readonly maxResultBytes?: number | undefined;
  /**
   * Position of the event among the method's arguments.
   * @default 0
   */
  readonly eventArgIndex?: number | undefined;
  /**
   * Transforms a replayed result before it is returned (only on a hit), e.g. to mark an HTTP
   * response `Idempotent-Replayed: true` (see `markReplayed` in `lambda-idempotency/http`).
   * @default none: the stored result is returned as is
   */
  readonly onReplay?: ReplayHook | undefined;
  /**
   * Keep completed results in process too (LRU): a repeat served from the same container costs no
   * store round trip. Never holds in-progress records; honours each record's expiry. Kept per
   * wrapped function and per store (a store chosen per instance never sees another's results),
   * across `configureIdempotency` calls. `store.delete` and the CLI's `invalidate` do not reach
   * it, in this container or any other: a cached result replays until its record expires.
   * @default off
   */
  readonly localCache?: LocalCacheOptions | undefined;
  /**
   * What a call does when another invocation holds a live claim: `'fail'` throws
   * `IdempotencyInProgressError`; `'wait'` polls (jittered backoff, 25 ms to 500 ms) for the first
   * call's result, at most `waitSeconds` and never past the invocation's end.
   * @default 'fail'
   */
  readonly onInProgress?: 'fail' | 'wait' | undefined;
  /**
   * Longest wait with `onInProgress: 'wait'`, in seconds.
   * @default 10
   */
  readonly waitSeconds?: number | undefined;
  /**
   * Extend the lease in the background (every third of it) while the method runs, so a long
   * method keeps its claim with a short lease, and a crashed one frees it within one lease. Each
   * renewal is capped at the Lambda invocation's time left then, so the claim never outlives it.
   * @default false
   */
  readonly renewLease?: boolean | undefined;
  /**
   * Decide whether a result is stored; `false` releases the claim so a retry runs again (e.g. for
   * HTTP 5xx responses).
   * @default every result is stored
   */
  readonly cacheResult?: ValuePredicate | undefined;
  /**
   * Decide whether a failure is stored (e.g. a declined card is final); a stored failure replays
   * as a `ReplayedError` with the same `name`, `message` and `code`.
   * @default no failure is stored: the claim is released and a retry runs again
   */
  readonly cacheError?: ValuePredicate | undefined;
  /**
   * Called with every decision line (hit, miss, in_progress, ...), for metrics. It is not awaited;
   * a throw or a rejected promise is ignored (reported once per process as a warning), so it never
   * changes a call's result nor crashes the process.
   * @default none
   */
  readonly onDecision?: DecisionHook | undefined;
  /**
   * How results are stored and replayed; `richSerializer` round-trips Date, Map, Set, BigInt,
   * Buffer and undefined.
   * @default jsonSerializer
   */
  readonly serializer?: Serializer | undefined;
  /**
   * Encrypt stored results and stored failures (AES-256-GCM, key rotation by key id), so personal
   * data in results is unreadable in the store; a tampered record fails with
   * `IdempotencyCorruptRecordError` and the method does not run.
   * @default off
   */
  readonly encryption?: EncryptionOptions | undefined;
}

/**
 * Options of the in-process cache of completed results (see `localCache`).
 *
 * @example
 * ```ts
 * @Idempotent({ key: 'detail.id', localCache: { maxEntries: 10_000 } })
 * ```
 */
export interface LocalCacheOptions {
  /** Most completed results kept per wrapped function (over all its stores); the least recently used go first. */
  readonly maxEntries: number;
}

/**
 * A predicate on a result or an error; checked bivariantly, so a predicate typed for your
 * values fits.
 *
 * @example
 * ```ts
 * const cacheResult: ValuePredicate = (r: { statusCode: number }) => r.statusCode < 500;
 * ```
 */
export type ValuePredicate = { bivarianceHack(value: unknown): boolean }['bivarianceHack'];

/**
 * A decision callback for metrics.
 *
 * @example
 * ```ts
 * const onDecision: DecisionHook = (d) => metrics.addMetric(`idempotency_${d.decision}`, 'Count', 1);
 * ```
 */
export type DecisionHook = (decision: DecisionLog) => void;

/**
 * A hook that transforms a replayed result; its parameter is checked bivariantly, so a hook typed
 * for your result type fits.
 *
 * @example
 * ```ts
 * const onReplay: ReplayHook = (result: { headers?: Record<string, string> }) => ({ ...result, replayed: true });
 * ```
 */
export type ReplayHook = { bivarianceHack(result: unknown): unknown }['bivarianceHack'];

/**
 * Options of one idempotent method or function: every default, plus its record namespace.
 *
 * @example
 * ```ts
 * @Idempotent({ key: 'headers.idempotency-key', validate: 'body', ttlSeconds: 86_400 })
 * ```
 */
export interface IdempotencyOptions<TEvent = unknown> extends IdempotencyDefaults<TEvent> {
  /**
   * The record namespace: two methods given the same event never share a record.
   * @default `ClassName.methodName` for decorated methods, the function's name for `makeIdempotent`
   */
  readonly name?: string | undefined;
}
