import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { ClaimOutcome, IdempotencyErrorCode, IdempotencyStoreError, isStore, RecordStatus, type CompletedRecord, type IdempotencyStore } from '../../lib';
import { sleep } from './lambda';

/** A store of the kind under test whose backend is down, and the secret its configuration holds. */
export interface UnreachableStore {
  readonly store: IdempotencyStore;
  /** A password or key in the store's configuration, which no error may show. */
  readonly secret: string;
  /** Frees what the store holds (its client). */
  close(): Promise<void>;
}

/** How a contract run gets its store and key namespace. */
export interface StoreUnderTest {
  readonly store: IdempotencyStore;
  /** Unique key prefix for this run, so a shared server (REDIS_URL) is never flushed. */
  readonly prefix: string;
}

/** What a backend adds to the contract run. */
export interface ContractOptions {
  /**
   * Makes a store whose backend is down (a killed redis-server, a stopped dynalite), for the
   * error rules. None for a store without a backend (MemoryStore): the rule is then not defined.
   */
  readonly unreachable?: () => Promise<UnreachableStore>;
}

/** The largest payload the round-trip rule writes: the store's limit, capped to keep the run fast. */
const LARGE_PAYLOAD_CAP_BYTES = 1024 * 1024;

/**
 * The behaviour every {@link IdempotencyStore} must have. Each store's spec calls this once per
 * backend; times are short leases (ms), never asserted as durations.
 */
export function describeStoreContract(name: string, setup: () => Promise<StoreUnderTest>, teardown: () => Promise<void>, options: ContractOptions = {}): void {
  const { unreachable } = options;
  describe(`${name} (store contract)`, () => {
    let store: IdempotencyStore;
    let prefix: string;
    const key = (): string => `${prefix}:${randomUUID()}`;
    const claim = (k: string, token: string, leaseMs = 5_000, validationHash?: string) =>
      store.claim({ key: k, token, leaseMs, ttlMs: 60_000, validationHash });

    beforeAll(async () => {
      ({ store, prefix } = await setup());
    });
    afterAll(teardown);

    it('is a whole IdempotencyStore (isStore) that declares the largest payload it holds', () => {
      expect(isStore(store)).toBe(true);
      expect(store.maxPayloadBytes).toBeGreaterThan(64 * 1024);
    });

    it('claims an absent key with a lease that ends leaseMs from now', async () => {
      const before = Date.now();
      const result = await claim(key(), 'tok-a', 5_000);
      expect(result.outcome).toBe(ClaimOutcome.Claimed);
      if (result.outcome === ClaimOutcome.Existing) return;
      // Redis uses its own clock; loopback servers share ours to well within a second.
      expect(result.leaseExpiresAtMs).toBeGreaterThanOrEqual(before + 5_000 - 1_000);
      expect(result.leaseExpiresAtMs).toBeLessThanOrEqual(Date.now() + 5_000 + 1_000);
    });

    it('returns the live claim, with its owner and validation hash, to a second caller', async () => {
      const k = key();
      await claim(k, 'tok-a', 5_000, 'vh-1');
      const second = await claim(k, 'tok-b', 5_000, 'vh-2');
      expect(second).toMatchObject({
        outcome: ClaimOutcome.Existing,
        record: { status: RecordStatus.InProgress, token: 'tok-a', validationHash: 'vh-1' },
      });
      if (second.outcome !== ClaimOutcome.Existing || second.record.status !== RecordStatus.InProgress) return;
      expect(second.record.leaseExpiresAtMs - second.nowMs).toBeGreaterThan(3_000);
    });

    it('completes only for the owner token and then replays the payload', async () => {
      const k = key();
      await claim(k, 'tok-a');
      await expect(store.complete({ key: k, token: 'tok-intruder', payload: '{"x":1}', ttlMs: 60_000 })).resolves.toBe(false);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.InProgress, token: 'tok-a' });
      await expect(store.complete({ key: k, token: 'tok-a', payload: '{"ok":true}', validationHash: 'vh', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(claim(k, 'tok-c')).resolves.toMatchObject({
        outcome: ClaimOutcome.Existing,
        record: { status: RecordStatus.Completed, payload: '{"ok":true}', validationHash: 'vh' },
      });
      await expect(store.complete({ key: k, token: 'tok-a', payload: '{"again":1}', ttlMs: 60_000 })).resolves.toBe(false);
    });

    it('reports when a completed record expires, when asked', async () => {
      const k = key();
      await claim(k, 'a');
      await store.complete({ key: k, token: 'a', payload: '1', ttlMs: 30_000 });
      const asked = await store.claim({ key: k, token: 'b', leaseMs: 1_000, ttlMs: 60_000, withExpiry: true });
      expect(asked).toMatchObject({ outcome: ClaimOutcome.Existing, record: { status: RecordStatus.Completed } });
      if (asked.outcome !== ClaimOutcome.Existing) return;
      expect(asked.expiresAtMs).toBeGreaterThan(Date.now() + 25_000);
      expect(asked.expiresAtMs).toBeLessThanOrEqual(Date.now() + 30_000 + 1_000);
    });

    it('stores an undefined payload as undefined, distinct from an empty string', async () => {
      const k1 = key();
      const k2 = key();
      await claim(k1, 't');
      await claim(k2, 't');
      await store.complete({ key: k1, token: 't', ttlMs: 60_000 });
      await store.complete({ key: k2, token: 't', payload: '', ttlMs: 60_000 });
      const r1 = await store.get(k1);
      const r2 = await store.get(k2);
      expect(r1).toMatchObject({ status: RecordStatus.Completed });
      expect((r1 as CompletedRecord).payload).toBeUndefined();
      expect(r2).toMatchObject({ status: RecordStatus.Completed, payload: '' });
    });

    it('round-trips large, unicode and separator-laden payloads byte for byte', async () => {
      const payloads = ['x'.repeat(Math.min(store.maxPayloadBytes, LARGE_PAYLOAD_CAP_BYTES)), '{"name":"Zoë 🚀 ☃","pipe":"a|b||c"}', '|||', 'P|fake|1|x'];
      for (const payload of payloads) {
        const k = key();
        await claim(k, 'owner');
        await store.complete({ key: k, token: 'owner', payload, validationHash: 'h', ttlMs: 60_000 });
        await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.Completed, payload });
      }
    });

    it('releases only for the owner token', async () => {
      const k = key();
      await claim(k, 'tok-a');
      await expect(store.release({ key: k, token: 'tok-b' })).resolves.toBe(false);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.InProgress });
      await expect(store.release({ key: k, token: 'tok-a' })).resolves.toBe(true);
      await expect(store.get(k)).resolves.toBeUndefined();
      await expect(claim(k, 'tok-b')).resolves.toMatchObject({ outcome: ClaimOutcome.Claimed });
    });

    it('never releases or overwrites a completed record', async () => {
      const k = key();
      await claim(k, 'tok-a');
      await store.complete({ key: k, token: 'tok-a', payload: '1', ttlMs: 60_000 });
      await expect(store.release({ key: k, token: 'tok-a' })).resolves.toBe(false);
      await expect(store.renewLease({ key: k, token: 'tok-a', leaseMs: 1_000 })).resolves.toBe(false);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.Completed, payload: '1' });
    });

    it('lets exactly one of many concurrent callers take over an expired lease', async () => {
      const k = key();
      await claim(k, 'crashed', 50);
      await sleep(120);
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => claim(k, `t${i}`, 5_000)));
      // Claimed or TakenOver: Redis drops an expired claim (the lease is the key's expiry), other
      // stores keep it and can tell a takeover.
      expect(results.filter((r) => r.outcome !== ClaimOutcome.Existing)).toHaveLength(1);
      expect(results.filter((r) => r.outcome === ClaimOutcome.Existing)).toHaveLength(39);
    });

    it('fences a stale owner: after a takeover its completion and release are refused', async () => {
      const k = key();
      await claim(k, 'stale', 50);
      await sleep(120);
      await expect(claim(k, 'fresh')).resolves.toMatchObject({ outcome: expect.stringMatching(/^(claimed|taken_over)$/) });
      await expect(store.complete({ key: k, token: 'stale', payload: '"stale"', ttlMs: 60_000 })).resolves.toBe(false);
      await expect(store.release({ key: k, token: 'stale' })).resolves.toBe(false);
      await expect(store.complete({ key: k, token: 'fresh', payload: '"fresh"', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(store.get(k)).resolves.toMatchObject({ payload: '"fresh"' });
    });

    it('lets an owner whose lease ran out complete while nobody took over, and then replays its result', async () => {
      const k = key();
      await claim(k, 'slow', 50);
      await sleep(120);
      await expect(store.complete({ key: k, token: 'slow', payload: '"late"', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(claim(k, 'next')).resolves.toMatchObject({ outcome: ClaimOutcome.Existing, record: { status: RecordStatus.Completed, payload: '"late"' } });
    });

    it('refuses a late owner once a new claim was completed after its lease ended', async () => {
      const k = key();
      await claim(k, 'slow', 50);
      await sleep(120);
      await expect(claim(k, 'fresh')).resolves.not.toMatchObject({ outcome: ClaimOutcome.Existing });
      await expect(store.complete({ key: k, token: 'fresh', payload: '"fresh"', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(store.complete({ key: k, token: 'slow', payload: '"late"', ttlMs: 60_000 })).resolves.toBe(false);
      await expect(store.get(k)).resolves.toMatchObject({ payload: '"fresh"' });
    });

    it('treats a resent completion by the same token as stored, and still refuses any other token', async () => {
      const k = key();
      await claim(k, 'tok-a', 5_000, 'vh');
      // Timeline: the completion lands → its reply is lost → the client resends it. The resend
      // finds the record its own first attempt wrote: stored, not a lost lease.
      await expect(store.complete({ key: k, token: 'tok-a', payload: '{"ok":1}', validationHash: 'vh', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(store.complete({ key: k, token: 'tok-a', payload: '{"ok":1}', validationHash: 'vh', ttlMs: 60_000 })).resolves.toBe(true);
      // The same payload from another token is not a resend: refused.
      await expect(store.complete({ key: k, token: 'tok-b', payload: '{"ok":1}', validationHash: 'vh', ttlMs: 60_000 })).resolves.toBe(false);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.Completed, payload: '{"ok":1}', validationHash: 'vh' });
    });

    it('records a late completion by the owner whose record is gone (deleted, as TTL deletion does)', async () => {
      const k = key();
      await claim(k, 'slow', 5_000);
      await store.delete(k);
      await expect(store.complete({ key: k, token: 'slow', payload: '"late"', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(claim(k, 'next')).resolves.toMatchObject({ outcome: ClaimOutcome.Existing, record: { status: RecordStatus.Completed, payload: '"late"' } });
    });

    it('records a late completion by the owner whose record expired and was not claimed again', async () => {
      const k = key();
      await store.claim({ key: k, token: 'slow', leaseMs: 50, ttlMs: 50 });
      await sleep(120);
      await expect(store.complete({ key: k, token: 'slow', payload: '"late"', ttlMs: 60_000 })).resolves.toBe(true);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.Completed, payload: '"late"' });
    });

    it('refuses a late owner while another caller holds the claim again, and keeps that claim', async () => {
      const k = key();
      await store.claim({ key: k, token: 'slow', leaseMs: 50, ttlMs: 50 });
      await sleep(120);
      await expect(claim(k, 'fresh')).resolves.not.toMatchObject({ outcome: ClaimOutcome.Existing });
      await expect(store.complete({ key: k, token: 'slow', payload: '"late"', ttlMs: 60_000 })).resolves.toBe(false);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.InProgress, token: 'fresh' });
    });

    it('gives exactly one claim to 50 concurrent callers of one key', async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => claim(k, `c${i}`)));
      expect(results.filter((r) => r.outcome === ClaimOutcome.Claimed)).toHaveLength(1);
    });

    it('renews the lease of the owner only', async () => {
      const k = key();
      await claim(k, 'owner', 100);
      await expect(store.renewLease({ key: k, token: 'other', leaseMs: 5_000 })).resolves.toBe(false);
      await expect(store.renewLease({ key: k, token: 'owner', leaseMs: 5_000 })).resolves.toBe(true);
      await sleep(200);
      await expect(claim(k, 'late')).resolves.toMatchObject({ outcome: ClaimOutcome.Existing, record: { token: 'owner' } });
      await expect(store.complete({ key: k, token: 'owner', payload: '1', ttlMs: 60_000 })).resolves.toBe(true);
    });

    it('keeps a renewed claim alive past the record TTL it was created with', async () => {
      const k = key();
      await store.claim({ key: k, token: 'owner', leaseMs: 100, ttlMs: 100 });
      await store.renewLease({ key: k, token: 'owner', leaseMs: 2_000 });
      await sleep(300);
      await expect(store.get(k)).resolves.toMatchObject({ status: RecordStatus.InProgress, token: 'owner' });
    });

    it('expires a completed record after its TTL', async () => {
      const k = key();
      await claim(k, 'a');
      // 800 ms: the read right after must land within it on a loaded machine (dynalite took >150 ms).
      await store.complete({ key: k, token: 'a', payload: '1', ttlMs: 800 });
      await expect(store.get(k)).resolves.toBeDefined();
      await sleep(1_000);
      await expect(store.get(k)).resolves.toBeUndefined();
      await expect(claim(k, 'b')).resolves.toMatchObject({ outcome: ClaimOutcome.Claimed });
    });

    it('deletes a record whatever its state and says whether one existed', async () => {
      const k = key();
      await claim(k, 'a');
      await expect(store.delete(k)).resolves.toBe(true);
      await expect(store.delete(k)).resolves.toBe(false);
      await expect(store.get(k)).resolves.toBeUndefined();
    });

    // A store without a backend (memory) cannot be cut off from it.
    if (unreachable === undefined) return;
    it('rejects every method with IdempotencyStoreError when its backend is down: the cause kept, the store and operation named, no key, token, payload or secret shown', async () => {
      const down = await unreachable();
      const k = `${prefix}:key-${randomUUID()}`;
      const token = `token-${randomUUID()}`;
      const payload = `payload-${randomUUID()}`;
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['claim', () => down.store.claim({ key: k, token, leaseMs: 1_000, ttlMs: 1_000, validationHash: 'vh' })],
        ['complete', () => down.store.complete({ key: k, token, payload, validationHash: 'vh', ttlMs: 1_000 })],
        ['release', () => down.store.release({ key: k, token })],
        ['renewLease', () => down.store.renewLease({ key: k, token, leaseMs: 1_000 })],
        ['get', () => down.store.get(k)],
        ['delete', () => down.store.delete(k)],
      ];
      try {
        // At once: each waits for its own connection attempt to fail.
        const errors = await Promise.all(calls.map(async ([, call]) => call().then(() => undefined, (e: unknown) => e)));
        calls.forEach(([operation], i) => {
          const error = errors[i] as IdempotencyStoreError;
          expect(error).toBeInstanceOf(IdempotencyStoreError);
          expect(error.code).toBe(IdempotencyErrorCode.Store);
          expect(error.cause).toBeInstanceOf(Error);
          expect(error.message).toContain(`${down.store.constructor.name} ${operation} failed`);
          for (const hidden of [k, token, payload, down.secret]) expect(inspect(error, { depth: 5 })).not.toContain(hidden);
        });
      } finally {
        await down.close();
      }
    });
  });
}
