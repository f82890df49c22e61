import { IdempotencyConfigError, IdempotencyPayloadMismatchError, makeIdempotent, MemoryStore } from '../lib';
import { LocalResultCache } from '../lib/localCache';
import { CaptureLogger } from './helpers/logger';
import { sleep } from './helpers/lambda';

describe('LocalResultCache', () => {
  it('stays bounded by maxEntries, evicting the least recently used', () => {
    const cache = new LocalResultCache(1_000);
    for (let i = 0; i < 200_000; i++) {
      cache.set(`k${i}`, { payload: String(i), validationHash: undefined, expiresAtMs: Date.now() + 60_000 });
      if (i === 500) cache.get('k0'); // keep k0 warm
    }
    expect(cache.size).toBe(1_000);
    expect(cache.get('k199999')?.payload).toBe('199999');
    expect(cache.get('k1')).toBeUndefined();
  });

  it('drops an entry at its expiry', () => {
    let now = 1_000;
    const cache = new LocalResultCache(10, () => now);
    cache.set('k', { payload: '1', validationHash: undefined, expiresAtMs: 2_000 });
    now = 1_999;
    expect(cache.get('k')).toBeDefined();
    now = 2_000;
    expect(cache.get('k')).toBeUndefined();
    cache.set('old', { payload: '1', validationHash: undefined, expiresAtMs: 1_000 });
    expect(cache.size).toBe(0);
  });
});

describe('localCache option', () => {
  it('replays from process memory without asking the store, and still checks the payload', async () => {
    const store = new MemoryStore();
    const claim = jest.spyOn(store, 'claim');
    const logger = new CaptureLogger();
    let runs = 0;
    const fn = makeIdempotent(async function cachedFn(e: { id: string; amount: number }) {
      runs++;
      return { id: e.id, at: runs };
    }, { key: 'id', validate: 'amount', store, logger, localCache: { maxEntries: 10 } });
    const first = await fn({ id: 'a', amount: 1 });
    const replays = await Promise.all([fn({ id: 'a', amount: 1 }), fn({ id: 'a', amount: 1 })]);
    expect(replays).toEqual([first, first]);
    expect(replays[0]).not.toBe(replays[1]); // a fresh copy each time
    expect(claim).toHaveBeenCalledTimes(1);
    await expect(fn({ id: 'a', amount: 2 })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(runs).toBe(1);
    expect(logger.decisions()).toEqual(['miss', 'hit', 'hit', 'payload_mismatch']);
  });

  it('never caches a claim in progress', async () => {
    const store = new MemoryStore();
    const fn = makeIdempotent(async function slowFn(_e: { id: string }) {
      await sleep(100);
      return 'done';
    }, { key: 'id', store, logger: new CaptureLogger(), localCache: { maxEntries: 10 } });
    const running = fn({ id: 'x' });
    await sleep(10);
    await expect(fn({ id: 'x' })).rejects.toThrow(/in progress/);
    await running;
    await expect(fn({ id: 'x' })).resolves.toBe('done');
  });

  it('honours the record expiry', async () => {
    let runs = 0;
    const fn = makeIdempotent(async function shortLived(_e: { id: string }) {
      return ++runs;
    }, { key: 'id', store: new MemoryStore(), logger: new CaptureLogger(), ttlSeconds: 1, localCache: { maxEntries: 10 } });
    await fn({ id: 'x' });
    await fn({ id: 'x' });
    await sleep(1_100);
    await expect(fn({ id: 'x' })).resolves.toBe(2);
  });

  it('rejects a malformed localCache option', () => {
    expect(() => makeIdempotent(async function f() { return 1; }, { localCache: { maxEntries: 0 } })).toThrow(IdempotencyConfigError);
    expect(() => makeIdempotent(async function f() { return 1; }, { localCache: { maxEntries: 0 } })).toThrow('Expected `localCache` to be { maxEntries: <positive integer> }, got maxEntries 0');
  });
});
