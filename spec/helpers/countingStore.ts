import type { ClaimRequest, ClaimResult, IdempotencyRecord, IdempotencyStore } from '../../lib';

/**
 * A store that counts the calls it forwards to a real store, so a test can say how many round
 * trips a scenario cost (e.g. how many claims reached Redis) without MONITOR.
 */
export class CountingStore implements IdempotencyStore {
  readonly calls = { claim: 0, complete: 0, release: 0, renewLease: 0, get: 0, delete: 0 };

  constructor(private readonly inner: IdempotencyStore) {}

  claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    this.calls.claim++;
    return this.inner.claim(key, request);
  }

  complete(key: string, token: string, payload: string | undefined, validationHash: string | undefined, ttlMs: number): Promise<boolean> {
    this.calls.complete++;
    return this.inner.complete(key, token, payload, validationHash, ttlMs);
  }

  release(key: string, token: string): Promise<boolean> {
    this.calls.release++;
    return this.inner.release(key, token);
  }

  renewLease(key: string, token: string, leaseMs: number): Promise<boolean> {
    this.calls.renewLease++;
    return this.inner.renewLease(key, token, leaseMs);
  }

  get(key: string): Promise<IdempotencyRecord | undefined> {
    this.calls.get++;
    return this.inner.get(key);
  }

  delete(key: string): Promise<boolean> {
    this.calls.delete++;
    return this.inner.delete(key);
  }
}
