import type { IdempotencyRecord } from '../core/record';

/**
 * What a caller asks of {@link IdempotencyStore.claim}.
 *
 * @example
 * ```ts
 * const request: ClaimRequest = { token: 'a1', leaseMs: 30_000, ttlMs: 3_600_000 };
 * ```
 */
export interface ClaimRequest {
  /** Owner token for the new claim; unique per invocation. */
  readonly token: string;
  /** How long the claim stays exclusive, in milliseconds (the lease). */
  readonly leaseMs: number;
  /** How long the in-progress record lives at most, in milliseconds (never shorter than `leaseMs`). */
  readonly ttlMs: number;
  /** Hash of the validated part of the event, stored with the claim. */
  readonly validationHash?: string;
  /** Also report when an existing completed record expires (`expiresAtMs`), for a local cache. */
  readonly withExpiry?: boolean;
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

/** Union of the values of {@link ClaimOutcome}. */
export type ClaimOutcome = (typeof ClaimOutcome)[keyof typeof ClaimOutcome];

/**
 * What {@link IdempotencyStore.claim} answers.
 *
 * @example
 * ```ts
 * const result = await store.claim(key, request);
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
 * TTLs and error handling live in the engine, so one store instance serves every decorator.
 * Every method must be atomic per key.
 *
 * @example
 * ```ts
 * class MyStore implements IdempotencyStore {
 *   async claim(key: string, request: ClaimRequest): Promise<ClaimResult> { ... }
 *   async complete(key: string, token: string, payload: string | undefined, validationHash: string | undefined, ttlMs: number) { ... }
 *   async release(key: string, token: string) { ... }
 *   async get(key: string) { ... }
 *   async delete(key: string) { ... }
 * }
 * ```
 */
export interface IdempotencyStore {
  /**
   * In one atomic step: create an in-progress record owned by `request.token`, or take over one
   * whose lease has ended, or return the existing record untouched.
   */
  claim(key: string, request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Replaces the in-progress record owned by `token` with a completed one living `ttlMs`, which
   * keeps `token`. Every store also writes it when no live record is there (the owner's lease
   * ended, its record expired or was deleted, and nobody claimed since): the method did run.
   * Returns `true` without writing when the key already holds this very completion (same token,
   * payload and validation hash): a resend whose first attempt landed. Returns `false`, writing
   * nothing, when another caller's claim or result is there.
   */
  complete(key: string, token: string, payload: string | undefined, validationHash: string | undefined, ttlMs: number): Promise<boolean>;
  /** Deletes the in-progress record owned by `token`; `false` when `token` no longer owns it. */
  release(key: string, token: string): Promise<boolean>;
  /**
   * Extends the lease of the in-progress record owned by `token` to `leaseMs` from now.
   * `false` when `token` no longer owns it.
   */
  renewLease(key: string, token: string, leaseMs: number): Promise<boolean>;
  /** Reads a record without changing it. */
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /** Deletes a record whatever its state (operators' reset); `true` when one existed. */
  delete(key: string): Promise<boolean>;
}
