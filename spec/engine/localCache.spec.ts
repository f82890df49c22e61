import { configureIdempotency, IdempotencyConfigError, IdempotencyPayloadMismatchError, makeIdempotent, MemoryStore, RedisStore, resetIdempotencyConfig, type IdempotencyStore } from '../../lib';
import { LocalResultCache, type CachedResult } from '../../lib/engine/localCache';
import { CaptureLogger } from '../helpers/logger';
import { sleep } from '../helpers/lambda';
import { CountingStore } from '../helpers/countingStore';
import { useRedis } from '../helpers/redisFixture';

describe('LocalResultCache', () => {
  const store = new MemoryStore();
  const entry = (payload: string, expiresAtMs = Date.now() + 60_000): CachedResult => ({ payload, validationHash: undefined, expiresAtMs });

  it('stays bounded by maxEntries, evicting the least recently used', () => {
    const cache = new LocalResultCache(1_000);
    for (let i = 0; i < 200_000; i++) {
      cache.set(store, `k${i}`, entry(String(i)));
      if (i === 500) cache.get(store, 'k0'); // keep k0 warm
    }
    expect(cache.size).toBe(1_000);
    expect(cache.get(store, 'k199999')?.payload).toBe('199999');
    expect(cache.get(store, 'k1')).toBeUndefined();
  });

  it('evicts the entry least recently used, not the oldest one that a hit used since', () => {
    const cache = new LocalResultCache(3);
    for (const k of ['a', 'b', 'c']) cache.set(store, k, entry(k));
    cache.get(store, 'a');
    cache.set(store, 'd', entry('d'));
    expect(['a', 'b', 'c', 'd'].map((k) => cache.get(store, k)?.payload)).toEqual(['a', undefined, 'c', 'd']);
    // Every entry used since: the oldest of them goes, and the one just stored stays.
    cache.set(store, 'e', entry('e'));
    expect(cache.size).toBe(3);
    expect(['a', 'c', 'd', 'e'].map((k) => cache.get(store, k)?.payload)).toEqual([undefined, 'c', 'd', 'e']);
  });

  it('answers as a reference LRU over random sets, hits, overwrites and expiries', () => {
    let now = 0;
    const cache = new LocalResultCache(5, () => now);
    const reference = new Map<string, CachedResult>(); // delete + set on every use: the textbook LRU
    let seed = 7;
    const random = (n: number): number => Math.floor((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 65_536) % n;
    for (let step = 0; step < 20_000; step++) {
      const key = `k${random(9)}`;
      now += random(3);
      const live = reference.get(key);
      if (random(2) === 0) {
        const stored = entry(String(step), now + 1 + random(step % 1_000 < 500 ? 40 : 4_000));
        cache.set(store, key, stored);
        reference.delete(key);
        reference.set(key, stored);
        if (reference.size > 5) reference.delete(reference.keys().next().value as string);
      } else {
        const expected = live !== undefined && live.expiresAtMs > now ? live : undefined;
        reference.delete(key);
        if (expected !== undefined) reference.set(key, expected);
        expect(cache.get(store, key)).toBe(expected);
      }
    }
  });

  it('keeps the same record key of two stores apart, within one bound', () => {
    const other = new MemoryStore();
    const cache = new LocalResultCache(2);
    cache.set(store, 'k', entry('acme'));
    cache.set(other, 'k', entry('globex'));
    expect([cache.get(store, 'k')?.payload, cache.get(other, 'k')?.payload]).toEqual(['acme', 'globex']);
    cache.set(new MemoryStore(), 'k', entry('initech'));
    expect(cache.size).toBe(2);
    expect(cache.get(store, 'k')).toBeUndefined(); // the least recently used went first
  });

  it('drops an entry at its expiry', () => {
    let now = 1_000;
    const cache = new LocalResultCache(10, () => now);
    cache.set(store, 'k', entry('1', 2_000));
    now = 1_999;
    expect(cache.get(store, 'k')).toBeDefined();
    now = 2_000;
    expect(cache.get(store, 'k')).toBeUndefined();
    cache.set(store, 'old', entry('1', 1_000));
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

  it('answers a replay from process memory with a promise: its result, or a rejection, never a throw at the call', async () => {
    const store = new MemoryStore();
    const claim = jest.spyOn(store, 'claim');
    let refuseReplays = false;
    const onReplay = (result: unknown): unknown => {
      if (refuseReplays) throw new Error('onReplay refused');
      return result;
    };
    const fn = makeIdempotent(async function replayed(e: { id: string; amount: number }) {
      return { id: e.id };
    }, { key: 'id', validate: 'amount', store, logger: new CaptureLogger(), localCache: { maxEntries: 10 }, onReplay });
    await fn({ id: 'a', amount: 1 });
    // Each of these is served from memory; a throw at the call would escape a caller's `.catch`.
    const calls = [(): Promise<unknown> => fn({ id: 'a', amount: 1 }), (): Promise<unknown> => fn({ id: 'a', amount: 2 }), (): Promise<unknown> => ((refuseReplays = true), fn({ id: 'a', amount: 1 }))];
    const answers = calls.map((call) => {
      try {
        return call();
      } catch (err) {
        return err;
      }
    });
    expect(answers.map((a) => a instanceof Promise)).toEqual([true, true, true]);
    await expect(answers[0]).resolves.toEqual({ id: 'a' });
    await expect(answers[1]).rejects.toThrow(IdempotencyPayloadMismatchError);
    await expect(answers[2]).rejects.toThrow('onReplay refused');
    expect(claim).toHaveBeenCalledTimes(1);
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
    expect(() => makeIdempotent(async function f() { return 1; }, { localCache: { maxEntries: 0 } })).toThrow('Expected `localCache.maxEntries` to be a positive integer, got 0');
  });
});

describe('localCache on a real Redis', () => {
  const redis = useRedis();
  afterEach(() => resetIdempotencyConfig());

  /** A tenant whose store is its own Redis database, as a handler built per tenant holds it. */
  class Tenant {
    constructor(readonly name: string, readonly store: IdempotencyStore) {}
  }

  function quoteFor(localCache: { maxEntries: number }) {
    let runs = 0;
    const quote = makeIdempotent(async function quote(this: Tenant, e: { orderId: string }) {
      runs++;
      return { tenant: this.name, orderId: e.orderId };
    }, { key: 'orderId', store: (self: Tenant) => self.store, logger: new CaptureLogger(), localCache });
    return { quote, runs: () => runs };
  }

  const opened: RedisStore[] = [];
  /** A store on database `db` of the spawned server, counting its calls. */
  function tenantStore(db: number): CountingStore {
    const store = new RedisStore(`${redis.server.url}/${db}`);
    opened.push(store);
    return new CountingStore(store);
  }
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });

  it("never replays one store's cached result for another store's call", async () => {
    const acme = new Tenant('acme', tenantStore(1));
    const globex = new Tenant('globex', tenantStore(2));
    const { quote, runs } = quoteFor({ maxEntries: 100 });
    await expect(quote.call(acme, { orderId: 'o-1' })).resolves.toEqual({ tenant: 'acme', orderId: 'o-1' });
    await expect(quote.call(globex, { orderId: 'o-1' })).resolves.toEqual({ tenant: 'globex', orderId: 'o-1' });
    await expect(quote.call(acme, { orderId: 'o-1' })).resolves.toEqual({ tenant: 'acme', orderId: 'o-1' });
    await expect(quote.call(globex, { orderId: 'o-1' })).resolves.toEqual({ tenant: 'globex', orderId: 'o-1' });
    expect(runs()).toBe(2);
    // Each tenant's repeat was served from process memory: one claim each, for its first call.
    expect([(acme.store as CountingStore).calls.claim, (globex.store as CountingStore).calls.claim]).toEqual([1, 1]);
  });

  it('bounds the cache of one function by maxEntries across all its stores', async () => {
    const tenants = [1, 2, 3].map((db) => new Tenant(`t${db}`, tenantStore(db + 3)));
    const { quote } = quoteFor({ maxEntries: 2 });
    for (const t of tenants) await quote.call(t, { orderId: 'o-2' });
    // The cache holds t2 and t3 only: t3 and t2 replay from memory, t1 (evicted) asks its store.
    for (const t of [tenants[2], tenants[1], tenants[0]]) await quote.call(t, { orderId: 'o-2' });
    expect(tenants.map((t) => (t.store as CountingStore).calls.claim)).toEqual([2, 1, 1]);
  });

  it('starts a new cache only when maxEntries changes', async () => {
    const store = new CountingStore(redis.store);
    const settle = makeIdempotent(async function resized(e: { id: string }) {
      return e.id;
    }, { key: 'id', store, logger: new CaptureLogger() });
    const claimsFor = async (maxEntries: number): Promise<number> => {
      configureIdempotency({ localCache: { maxEntries } });
      const before = store.calls.claim;
      await settle({ id: 'r-1' });
      await settle({ id: 'r-1' });
      return store.calls.claim - before;
    };
    expect(await claimsFor(10)).toBe(1); // miss, then served from memory
    expect(await claimsFor(10)).toBe(0); // same setting: same cache
    expect(await claimsFor(20)).toBe(1); // new setting: a new, empty cache (one hit from Redis)
  });

  it('survives configureIdempotency being called again: 1,000 calls on 10 keys make 10 claims', async () => {
    const store = new CountingStore(redis.store);
    configureIdempotency({ store, localCache: { maxEntries: 100 } });
    let runs = 0;
    const settle = makeIdempotent(async function settle(e: { id: string }) {
      runs++;
      return { settled: e.id };
    }, { key: 'id' });
    for (let i = 0; i < 1_000; i++) {
      // A logger reconfigured per call, and the same localCache setting given again as a new object.
      configureIdempotency({ logger: new CaptureLogger(), localCache: { maxEntries: 100 } });
      await expect(settle({ id: `k${i % 10}` })).resolves.toEqual({ settled: `k${i % 10}` });
    }
    expect(runs).toBe(10);
    expect(store.calls.claim).toBe(10);
  });
});
