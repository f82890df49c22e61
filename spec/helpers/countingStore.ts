import type { ClaimRequest, ClaimResult, CompleteRequest, IdempotencyRecord, IdempotencyStore, ReleaseRequest, RenewRequest } from '../../lib';

/**
 * A store that counts the calls it forwards to a real store, so a test can say how many round
 * trips a scenario cost (e.g. how many claims reached Redis) without MONITOR.
 */
export class CountingStore implements IdempotencyStore {
  readonly calls = { claim: 0, complete: 0, release: 0, renewLease: 0, get: 0, delete: 0 };
  readonly maxPayloadBytes: number;

  constructor(private readonly inner: IdempotencyStore) {
    this.maxPayloadBytes = inner.maxPayloadBytes;
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    this.calls.claim++;
    return this.inner.claim(request);
  }

  complete(request: CompleteRequest): Promise<boolean> {
    this.calls.complete++;
    return this.inner.complete(request);
  }

  release(request: ReleaseRequest): Promise<boolean> {
    this.calls.release++;
    return this.inner.release(request);
  }

  renewLease(request: RenewRequest): Promise<boolean> {
    this.calls.renewLease++;
    return this.inner.renewLease(request);
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
