import { performance } from 'node:perf_hooks';
import { IdempotencyCompletionError, IdempotencyInProgressError, IdempotencyPayloadMismatchError, IdempotencyResultError } from '../core/errors';
import { Decision, logDecision } from '../core/log';
import { RecordStatus, type InProgressRecord } from '../core/record';
import { ClaimOutcome, type ClaimRequest, type ClaimResult, type IdempotencyStore } from '../stores/IdempotencyStore';
import { backoffDelayMs, nextToken, pause, releaseFailedClaim, waitDeadlineMs } from './claim';
import { EventKey } from './eventKey';
import { UNPROTECTED, type ClaimedInvocation, type Invocation, type ReplayedInvocation } from './invocation';
import { LeaseRenewal, leaseFor, remainingMs } from './lease';
import type { LocalCacheSlot, LocalResultCache } from './localCache';
import { checkPayloadSize, decodePayload, encodeFailure, encodeResult } from './payload';
import { storeFor, type ResolvedOptions } from './resolve';
import { asStoreError, attachReleaseError, isOutage } from './storeErrors';

/** How a completion write ended: stored; lost (the token no longer owns the record); unrecorded (store failed, fail-open). */
type WriteOutcome = 'stored' | 'lost' | 'unrecorded';

/** What {@link checkPayloadSize} reads: the namespace, and the limit besides the store's. */
type SizeLimits = Parameters<typeof checkPayloadSize>[0];

/**
 * One call, from its key to its outcome, each step a named method. It is also the run handed to
 * the caller after a claim (`complete`, `fail`, `abandon`): one object per call, and no closures,
 * so that a hit allocates little.
 */
export class IdempotentCall implements ClaimedInvocation {
  readonly replay = false;
  readonly #config: ResolvedOptions;
  readonly #args: readonly unknown[];
  readonly #startedAt: number;
  /** Unset only on a call whose event has no key (logged `key_missing`, without a key hash). */
  #key!: EventKey;
  #store!: IdempotencyStore;
  #cache: LocalResultCache | undefined;
  #token = '';
  /** The invocation's time left at the first claim: whether it bounded the claim, for the renewal. */
  #remainingAtClaim: number | undefined;
  /** The lease of the latest claim attempt. */
  #leaseMs = 0;
  #renewal: LeaseRenewal | undefined;
  #finished = false;

  constructor(config: ResolvedOptions, args: readonly unknown[], startedAt: number) {
    this.#config = config;
    this.#args = args;
    this.#startedAt = startedAt;
  }

  /** Derives the key, then replays or claims: a local cache replay as it is (no promise, no async frame), else a promise, throws included. */
  begin(self: unknown, localCache: LocalCacheSlot): ReplayedInvocation | Promise<Invocation> {
    try {
      const config = this.#config;
      const key = EventKey.derive(config, this.#args[config.eventArgIndex]);
      // Not `key instanceof IdempotencyKeyError`: that runs the cross-copy check (errors.ts) on every call.
      if (!(key instanceof EventKey)) {
        if (config.requireKey) throw key;
        this.#log(Decision.KeyMissing, key);
        return Promise.resolve(UNPROTECTED);
      }
      this.#key = key;
      // The store first: with `store: (self) => self.store` (a store per tenant), the same record
      // key in another store is another record.
      this.#store = storeFor(config, self);
      this.#cache = localCache.for(config.localCache);
      const cached = this.#cache?.get(this.#store, key.recordKey);
      if (cached !== undefined) return this.#replay(cached.payload, cached.validationHash);
      return this.#claimOrReplay();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Claims the key; replays a completed record; waits out (or reports) another invocation's claim. */
  async #claimOrReplay(): Promise<Invocation> {
    // Read once for the first claim: the renewal needs to know whether this time bounded it.
    this.#remainingAtClaim = remainingMs(this.#args);
    this.#leaseMs = leaseFor(this.#config, this.#remainingAtClaim);
    this.#token = nextToken();
    const waitUntil = waitDeadlineMs(this.#config.waitMs, this.#startedAt, this.#remainingAtClaim);
    for (let attempt = 0; ; attempt++) {
      let claim: ClaimResult;
      try {
        claim = await this.#store.claim(this.#claimRequest());
      } catch (err) {
        await this.#claimFailed(err);
        return UNPROTECTED;
      }
      if (claim.outcome !== ClaimOutcome.Existing) return this.#run(claim.outcome);
      const { record } = claim;
      if (record.status === RecordStatus.Completed) return this.#replay(record.payload, record.validationHash, claim.expiresAtMs);
      // Timeline: our claim lands → the connection drops before the reply → the client resends
      // it → the resend finds our own claim. It is ours: run, do not report it as in progress.
      // (A client of the caller's own, with ioredis' default; a store built from a URL never resends.)
      if (record.token === this.#token) return this.#run(claim.outcome);
      this.#checkPayload(record.validationHash);
      const pauseMs = backoffDelayMs(attempt);
      if (performance.now() + pauseMs >= waitUntil) this.#inProgress(record, claim.nowMs);
      await pause(pauseMs);
      // Each re-claim's lease is the time left now, not when the call began.
      this.#leaseMs = leaseFor(this.#config, remainingMs(this.#args));
    }
  }

  #claimRequest(): ClaimRequest {
    return { key: this.#key.recordKey, token: this.#token, leaseMs: this.#leaseMs, ttlMs: Math.max(this.#config.ttlMs, this.#leaseMs), validationHash: this.#key.validationHash, withExpiry: this.#cache !== undefined };
  }

  /** The claim failed or timed out: release our token if it may land yet, then throw, or fail open. */
  async #claimFailed(err: unknown): Promise<void> {
    const error = asStoreError(this.#config.namespace, 'the claim', err);
    this.#log(Decision.StoreError, error);
    if (isOutage(error)) await releaseFailedClaim(this.#store, this.#key.recordKey, this.#token);
    // Only an outage fails open. A corrupt record could repeat a finished side effect; a
    // misconfiguration (no such table, no permission) would run unprotected forever.
    if (!this.#config.failOpen || !isOutage(error)) throw error;
    this.#log(Decision.FailOpen);
  }

  /** Another invocation holds the claim, and this call waits no longer. */
  #inProgress(record: InProgressRecord, nowMs: number): never {
    this.#log(Decision.InProgress);
    const waitedMs = this.#config.waitMs === undefined ? undefined : performance.now() - this.#startedAt;
    throw new IdempotencyInProgressError(this.#config.namespace, this.#key.keyHash, Math.max(0, record.leaseExpiresAtMs - nowMs), waitedMs);
  }

  /** A repeat with a different validated part: refused, whether the record is completed or in progress. */
  #checkPayload(storedHash: string | undefined): void {
    if (!this.#key.matches(storedHash)) {
      this.#log(Decision.PayloadMismatch);
      throw new IdempotencyPayloadMismatchError(this.#config.namespace, this.#key.keyHash);
    }
  }

  /**
   * Replays a completed record: from the store (then kept in the local cache, if on, until
   * `expiresAtMs`), or from the local cache.
   */
  #replay(payload: string | undefined, storedHash: string | undefined, expiresAtMs?: number): ReplayedInvocation {
    this.#checkPayload(storedHash);
    const config = this.#config;
    // Decoded on every replay, so a caller that mutates its result cannot change the next one.
    const decoded = decodePayload(config, payload, this.#key.recordKey, storedHash);
    this.#log(Decision.Hit);
    // A failure stored by cacheError replays as a thrown error.
    if ('error' in decoded) throw decoded.error;
    const result = config.onReplay === undefined ? decoded.value : config.onReplay(decoded.value);
    if (this.#cache !== undefined && expiresAtMs !== undefined) this.#cache.set(this.#store, this.#key.recordKey, { payload, validationHash: storedHash, expiresAtMs });
    return { replay: true, result };
  }

  /** The claim is ours: the caller runs the method and finishes with `complete` or `fail`. */
  #run(outcome: ClaimOutcome): ClaimedInvocation {
    if (outcome === ClaimOutcome.TakenOver) this.#log(Decision.LeaseTakeover);
    if (this.#config.renewLease) {
      const { recordKey } = this.#key;
      const report = (decision: Decision, error?: unknown): void => this.#log(decision, error);
      const target = { store: this.#store, recordKey, token: this.#token, options: this.#config, args: this.#args, boundedAtClaim: this.#remainingAtClaim !== undefined, report };
      this.#renewal = LeaseRenewal.start(target, this.#leaseMs);
    }
    return this;
  }

  async complete(result: unknown): Promise<unknown> {
    if (!this.#finish()) return result;
    const config = this.#config;
    if (config.cacheResult !== undefined && !config.cacheResult(result)) {
      // e.g. an HTTP 5xx: not stored, so a retry runs again.
      await this.#release(undefined, Decision.NotStored);
      return result;
    }
    const payload = this.#encodeResult(result);
    const outcome = await this.#record(payload, result);
    // Timeline: our lease ended → another caller took the claim over → we finish. The token
    // CAS refused our write, so the new owner's record stands; the result is still ours.
    if (outcome === 'stored') {
      this.#log(Decision.Miss);
      this.#cache?.set(this.#store, this.#key.recordKey, { payload, validationHash: this.#key.validationHash, expiresAtMs: Date.now() + config.ttlMs });
    } else if (outcome === 'lost') {
      this.#log(Decision.LeaseLost);
    }
    return result;
  }

  async fail(error: unknown, policy?: { readonly store?: boolean }): Promise<void> {
    if (!this.#finish()) return;
    const cacheError = this.#config.cacheError;
    if (policy?.store ?? (cacheError !== undefined && cacheError(error))) {
      // A final failure (a declined card): stored, and replayed as the same error.
      const payload = encodeFailure(this.#config, error, this.#key.recordKey, this.#key.validationHash);
      // maxResultBytes is Lambda's response limit, for results: a failure is held to the store's limit only.
      const limits = { namespace: this.#config.namespace, maxResultBytes: Number.POSITIVE_INFINITY };
      if ((await this.#record(payload, error, limits).catch(() => 'unrecorded')) === 'stored') this.#log(Decision.ErrorStored);
      return;
    }
    await this.#release(error, Decision.Released);
  }

  abandon(): void {
    this.#finish();
  }

  /** Marks the run finished and stops renewing; `false` when it already was (a second finish is ignored). */
  #finish(): boolean {
    this.#renewal?.stop();
    if (this.#finished) return false;
    return (this.#finished = true);
  }

  /** The stored payload of the result; a result the codec refuses is logged, then thrown. */
  #encodeResult(result: unknown): string | undefined {
    try {
      return encodeResult(this.#config, result, this.#key.recordKey, this.#key.validationHash);
    } catch (err) {
      this.#log(Decision.StoreError, err);
      throw err;
    }
  }

  /** Writes the completed record (compare-and-set on our token), once its size passed `limits` (maxResultBytes) and the store's limit. */
  async #record(payload: string | undefined, result: unknown, limits: SizeLimits = this.#config): Promise<WriteOutcome> {
    const { recordKey: key, validationHash } = this.#key;
    try {
      checkPayloadSize(limits, payload, this.#store.maxPayloadBytes);
      return (await this.#store.complete({ key, token: this.#token, payload, validationHash, ttlMs: this.#config.ttlMs })) ? 'stored' : 'lost';
    } catch (err) {
      const cause = asStoreError(this.#config.namespace, 'the completion write', err);
      this.#log(Decision.StoreError, cause);
      // Too large (for maxResultBytes or the store): the caller is told, as for a serializer refusal.
      if (err instanceof IdempotencyResultError) throw err;
      // Fail-open tolerates an outage only: a misconfiguration (an ACL, a missing table) would
      // leave every result unrecorded, forever, without a word to the caller.
      if (this.#config.failOpen && isOutage(cause)) return 'unrecorded';
      // Timeline: method ran (side effect done) → completion write failed. Releasing now
      // would let a retry repeat the side effect, so the claim is kept until its lease ends.
      const message = `${this.#config.namespace}: the method ran but its result could not be recorded (key hash ${this.#key.keyHash}); the claim is kept until its lease ends. Do not retry blindly: the side effect has happened.`;
      throw new IdempotencyCompletionError(message, result, { cause });
    }
  }

  /** Deletes our claim so a retry runs again; logs `decision`. Never throws. */
  async #release(original: unknown, decision: Decision): Promise<void> {
    try {
      await this.#store.release({ key: this.#key.recordKey, token: this.#token });
      this.#log(decision);
    } catch (err) {
      // The method's own error stays the one thrown; the release failure rides along on it and the
      // claim simply ends with its lease.
      const error = asStoreError(this.#config.namespace, 'the release after a failure', err);
      this.#log(Decision.StoreError, error);
      attachReleaseError(original, error);
    }
  }

  /** The one logging path: a decision line for this call, with its duration and key hash. */
  #log(decision: Decision, error?: unknown): void {
    const { logger, onDecision, namespace } = this.#config;
    logDecision(logger, onDecision, decision, namespace, Math.round((performance.now() - this.#startedAt) * 1000) / 1000, this.#key?.keyHash, error);
  }
}
