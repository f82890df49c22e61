import { hasMethods } from '../core/check';
import type { IdempotencyRecord } from '../core/record';

/**
 * What a caller asks of {@link IdempotencyStore.claim}.
 *
 * @example
 * ```ts
 * const request: ClaimRequest = { key: 'idempotency:Orders.create:9f86d0', token: 'a1', leaseMs: 30_000, ttlMs: 3_600_000 };
 * ```
 */
export interface ClaimRequest {
  /** The record key, `<prefix>:<namespace>:<sha256>`. */
  readonly key: string;
  /** Owner token for the new claim; unique per invocation. */
  readonly token: string;
  /** How long the claim stays exclusive, in milliseconds (the lease). */
  readonly leaseMs: number;
  /** How long the in-progress record lives at most, in milliseconds (never shorter than `leaseMs`). */
  readonly ttlMs: number;
  /** Hash of the validated part of the event, stored with the claim. */
  readonly validationHash?: string | undefined;
  /** Also report when an existing completed record expires (`expiresAtMs`), for a local cache. */
  readonly withExpiry?: boolean;
}

/**
 * What a caller asks of {@link IdempotencyStore.complete}: the owner's result, to keep `ttlMs`.
 *
 * @example
 * ```ts
 * const request: CompleteRequest = { key, token: 'a1', payload: '{"ok":true}', ttlMs: 3_600_000 };
 * ```
 */
export interface CompleteRequest {
  /** The record key. */
  readonly key: string;
  /** The owner token the claim was made with. */
  readonly token: string;
  /** The encoded result; `undefined` stores none (the method returned `undefined`). */
  readonly payload?: string | undefined;
  /** Hash of the validated part of the event, kept with the result. */
  readonly validationHash?: string | undefined;
  /** How long the completed record is replayed, in milliseconds. */
  readonly ttlMs: number;
}

/**
 * What a caller asks of {@link IdempotencyStore.release}: give up its own claim.
 *
 * @example
 * ```ts
 * const request: ReleaseRequest = { key, token: 'a1' };
 * ```
 */
export interface ReleaseRequest {
  /** The record key. */
  readonly key: string;
  /** The owner token the claim was made with. */
  readonly token: string;
}

/**
 * What a caller asks of {@link IdempotencyStore.renewLease}: keep its claim `leaseMs` longer.
 *
 * @example
 * ```ts
 * const request: RenewRequest = { key, token: 'a1', leaseMs: 30_000 };
 * ```
 */
export interface RenewRequest {
  /** The record key. */
  readonly key: string;
  /** The owner token the claim was made with. */
  readonly token: string;
  /** The new lease, in milliseconds from now. */
  readonly leaseMs: number;
}

/**
 * Outcome kinds of a claim.
 *
 * @example
 * ```ts
 * if (result.outcome === ClaimOutcome.Existing) replay(result.record);
 * ```
 */
export const ClaimOutcome = {
  /** No record existed; the caller now owns a fresh claim. */
  Claimed: 'claimed',
  /**
   * An in-progress record's lease had ended; the caller took the claim over. Only stores that
   * keep ended claims can tell (memory, DynamoDB); on Redis an ended claim has expired away and
   * the next caller gets `Claimed`.
   */
  TakenOver: 'taken_over',
  /** A completed record, or a live claim of someone else. */
  Existing: 'existing',
} as const;

/**
 * Union of the values of {@link ClaimOutcome}.
 * @example
 * ```ts
 * const outcome: ClaimOutcome = ClaimOutcome.Claimed;
 * ```
 */
export type ClaimOutcome = (typeof ClaimOutcome)[keyof typeof ClaimOutcome];

/**
 * What {@link IdempotencyStore.claim} answers.
 *
 * @example
 * ```ts
 * const result = await store.claim({ key, token: 'a1', leaseMs: 30_000, ttlMs: 3_600_000 });
 * if (result.outcome !== 'existing') await runAndComplete();
 * ```
 */
export type ClaimResult =
  | { readonly outcome: typeof ClaimOutcome.Claimed | typeof ClaimOutcome.TakenOver; readonly leaseExpiresAtMs: number }
  | {
      readonly outcome: typeof ClaimOutcome.Existing;
      readonly record: IdempotencyRecord;
      /** The clock `record.leaseExpiresAtMs` is on, read when the store answered, epoch ms. */
      readonly nowMs: number;
      /** When a completed record expires (caller's clock, epoch ms), if `withExpiry` was asked. */
      readonly expiresAtMs?: number;
    };

/**
 * Where idempotency records live. Deliberately small and policy-free: hashing, key derivation,
 * TTLs, payload size and error handling live in the engine, so one store instance serves every
 * decorator. Every method must be atomic per key.
 *
 * Methods that act for an owner take one object (`claim`, `complete`, `release`, `renewLease`):
 * named fields cannot be swapped the way positional strings can (a token for a validation hash).
 * `get(key)` and `delete(key)` keep a single string: operators call them, and one argument has no
 * order to get wrong.
 *
 * Errors: a method rejects only with an `IdempotencyError` subclass, the backend's error as its
 * `cause`: `IdempotencyStoreError` for an outage or a timeout (the only one `onStoreError:
 * 'continue'` runs through), `IdempotencyConfigError` for a misconfiguration,
 * `IdempotencyCorruptRecordError` for a record it cannot read, `IdempotencyResultError` for a
 * record too large. Messages name the store and the operation and say how to fix; they never hold
 * the key, a command's arguments, a payload or a credential. The library's stores build them in
 * one place (`stores/storeFailure.ts`); any other error a custom store throws reaches callers as
 * an `IdempotencyStoreError` (an outage) wrapping it.
 *
 * Check yours with the contract suite (`spec/helpers/storeContract.ts`); `MemoryStore` is a whole
 * backend in 150 lines. The example wraps another store, as a store adding metrics or tracing does:
 *
 * @example
 * ```ts
 * class CountingStore implements IdempotencyStore {
 *   readonly maxPayloadBytes: number;
 *   claims = 0;
 *
 *   constructor(private readonly inner: IdempotencyStore) {
 *     this.maxPayloadBytes = inner.maxPayloadBytes;
 *   }
 *
 *   claim(request: ClaimRequest): Promise<ClaimResult> {
 *     this.claims++;
 *     return this.inner.claim(request);
 *   }
 *   complete(request: CompleteRequest): Promise<boolean> {
 *     return this.inner.complete(request);
 *   }
 *   release(request: ReleaseRequest): Promise<boolean> {
 *     return this.inner.release(request);
 *   }
 *   renewLease(request: RenewRequest): Promise<boolean> {
 *     return this.inner.renewLease(request);
 *   }
 *   get(key: string): Promise<IdempotencyRecord | undefined> {
 *     return this.inner.get(key);
 *   }
 *   delete(key: string): Promise<boolean> {
 *     return this.inner.delete(key);
 *   }
 * }
 *
 * configureIdempotency({ store: new CountingStore(new MemoryStore()) });
 * ```
 */
export interface IdempotencyStore {
  /**
   * The largest encoded payload, in UTF-8 bytes, that a completed record can hold here. The
   * engine refuses a larger result with `IdempotencyResultError` before writing (against the
   * smaller of this and `maxResultBytes`). `Number.POSITIVE_INFINITY` when the store has no limit
   * of its own (MemoryStore).
   */
  readonly maxPayloadBytes: number;
  /**
   * In one atomic step: create an in-progress record owned by `request.token`, or take over one
   * whose lease has ended, or return the existing record untouched.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Replaces the in-progress record owned by `token` with a completed one living `ttlMs`, which
   * keeps `token`. Every store also writes it when no live record is there (the owner's lease
   * ended, its record expired or was deleted, and nobody claimed since): the method did run.
   * Returns `true` without writing when the key already holds this very completion (same token,
   * payload and validation hash): a resend whose first attempt landed. Returns `false`, writing
   * nothing, when another caller's claim or result is there.
   */
  complete(request: CompleteRequest): Promise<boolean>;
  /** Deletes the in-progress record owned by `token`; `false` when `token` no longer owns it. */
  release(request: ReleaseRequest): Promise<boolean>;
  /**
   * Extends the lease of the in-progress record owned by `token` to `leaseMs` from now.
   * `false` when `token` no longer owns it.
   */
  renewLease(request: RenewRequest): Promise<boolean>;
  /** Reads a record without changing it. */
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /** Deletes a record whatever its state (operators' reset); `true` when one existed. */
  delete(key: string): Promise<boolean>;
}

const STORE_METHODS = ['claim', 'complete', 'release', 'renewLease', 'get', 'delete'] as const;

/**
 * Is this value a whole {@link IdempotencyStore}: every method, and a positive `maxPayloadBytes`?
 * Options and a `store` function's result are checked with it, so a store missing a method fails
 * at start-up rather than on the first call that needs it.
 *
 * @example
 * ```ts
 * isStore(new MemoryStore()); // true
 * isStore({ claim() {}, complete() {}, release() {}, get() {}, delete() {} }); // false: no renewLease
 * ```
 */
export function isStore(value: unknown): value is IdempotencyStore {
  return storeProblem(value) === undefined;
}

/**
 * Why `value` is not an {@link IdempotencyStore}, as words for an error message; `undefined` when
 * it is one. A store written for the positional contract has every method but no
 * `maxPayloadBytes`: the answer then says the contract changed, not only that it is not a store.
 *
 * @example
 * ```ts
 * storeProblem(new MemoryStore()); // undefined
 * storeProblem({ claim() {} }); // 'has no complete, release, renewLease, get, delete method'
 * ```
 */
export function storeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'is not an object';
  const missing = STORE_METHODS.filter((name) => !hasMethods(value, [name]));
  if (missing.length > 0) return `has no ${missing.join(', ')} method`;
  const limit = (value as { maxPayloadBytes?: unknown }).maxPayloadBytes;
  if (typeof limit === 'number' && limit > 0) return undefined;
  return (
    'has no positive `maxPayloadBytes`: the store contract changed (0.x), a store now declares the largest payload it holds ' +
    'and its owner methods take one object (claim({ key, token, ... }), not claim(key, { ... })); see "Stores" in the README'
  );
}
