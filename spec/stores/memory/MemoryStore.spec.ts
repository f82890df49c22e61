import { ClaimOutcome, IdempotencyConfigError, MemoryStore, RecordStatus } from '../../../lib';
import { describeStoreContract } from '../../helpers/storeContract';

describeStoreContract('MemoryStore', async () => ({ store: new MemoryStore(), prefix: 'contract' }), async () => undefined);

describe('MemoryStore', () => {
  it('uses the injected clock for leases and expiry', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    await store.claim({ key: 'k', token: 'a', leaseMs: 1_000, ttlMs: 10_000 });
    now += 999;
    await expect(store.claim({ key: 'k', token: 'b', leaseMs: 1_000, ttlMs: 10_000 })).resolves.toMatchObject({ outcome: ClaimOutcome.Existing });
    now += 2;
    await expect(store.claim({ key: 'k', token: 'b', leaseMs: 1_000, ttlMs: 10_000 })).resolves.toMatchObject({ outcome: ClaimOutcome.TakenOver });
    await store.complete({ key: 'k', token: 'b', payload: '1', ttlMs: 5_000 });
    now += 5_001;
    await expect(store.get('k')).resolves.toBeUndefined();
  });

  it('evicts completed records before live claims when full', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.claim({ key: 'claim', token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    await store.claim({ key: 'done', token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    await store.complete({ key: 'done', token: 't', payload: '1', ttlMs: 60_000 });
    await store.claim({ key: 'newer', token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    expect(store.size).toBe(2);
    await expect(store.get('claim')).resolves.toMatchObject({ status: RecordStatus.InProgress });
    await expect(store.get('done')).resolves.toBeUndefined();
  });

  it('rejects a non-positive maxEntries with the fix in the message', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(new IdempotencyConfigError('Expected `maxEntries` to be a positive integer, got 0'));
  });
});
