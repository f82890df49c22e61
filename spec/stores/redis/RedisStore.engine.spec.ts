import { Redis } from 'ioredis';
import { refuseSetNxGet } from '../../helpers/redisBefore7';
import { hashValue, IdempotencyCorruptRecordError, makeIdempotent, RedisStore, resetIdempotencyConfig } from '../../../lib';
import { useRedisServer } from '../../helpers/redisFixture';
import { recordKey } from '../../helpers/records';
import { lambdaContext, sleep } from '../../helpers/lambda';
import { CaptureLogger } from '../../helpers/logger';

/**
 * What the engine's calls become on a real redis-server: the commands sent (MONITOR), the claim
 * script when Redis refuses SET NX GET, the record and its expiry as stored, and corrupt records.
 * The engine's own decisions are tested over a scripted store (spec/engine/engine.spec.ts).
 */

const redis = useRedisServer();

/** The commands clients send while `action` runs (MONITOR; commands a script runs inside Redis are left out). */
async function commandsOf(action: () => Promise<unknown>): Promise<string[]> {
  const owner = new Redis(redis.server.url);
  // Ready first: another client's command landing in the same TCP chunk as MONITOR's +OK is read
  // by ioredis as a reply.
  await owner.ping();
  const monitor = await owner.monitor();
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(String(args[0]).toLowerCase());
  });
  try {
    await sleep(50);
    await action();
    await sleep(100); // MONITOR lines arrive asynchronously
    return seen;
  } finally {
    monitor.disconnect();
    owner.disconnect();
  }
}

describe('the engine on RedisStore', () => {
  // A default namespace belongs to one function per process: each test wraps its own.
  afterEach(() => resetIdempotencyConfig());

  it('sends a script with EVAL the first time, with EVALSHA once Redis has it, and with EVAL again after NOSCRIPT', async () => {
    const store = new RedisStore(redis.server.url);
    const charge = makeIdempotent(async function evalCharge(event: { id: string }) { return { ok: event.id }; }, { key: 'id', store, logger: new CaptureLogger() });
    try {
      await redis.admin.script('FLUSH');
      // A new store's first call also connects (HELLO, ready-check INFO) and checks the eviction
      // policy (INFO, tested in RedisStore.spec.ts): left out here.
      const first = await commandsOf(() => charge({ id: 'a' }));
      expect(first.filter((command) => command !== 'hello' && command !== 'info')).toEqual(['set', 'eval']);
      expect(await commandsOf(() => charge({ id: 'b' }))).toEqual(['set', 'evalsha']);
      await redis.admin.script('FLUSH'); // as after a restart: the store still thinks Redis has it
      expect(await commandsOf(() => charge({ id: 'c' }))).toEqual(['set', 'evalsha', 'eval']);
    } finally {
      await store.close();
    }
  });

  it('claims with one SET NX GET, and with the claim script from then on when Redis refuses it (before 7)', async () => {
    const client = new Redis(redis.server.url);
    // Redis 6.2 answers SET with both NX and GET with "ERR syntax error"; everything else is real.
    const refused = refuseSetNxGet(client);
    const logger = new CaptureLogger();
    let ran = 0;
    const charge = makeIdempotent(async function oldRedisCharge(_event: { id: string }) { return { charged: ++ran }; }, { key: 'id', store: new RedisStore(client), logger });
    try {
      await expect(charge({ id: 'order-1' })).resolves.toEqual({ charged: 1 });
      const replay = await commandsOf(() => expect(charge({ id: 'order-1' })).resolves.toEqual({ charged: 1 }));
      expect(replay).toEqual(['evalsha']); // the claim script, never SET again
      expect(refused()).toBe(1);
      expect(ran).toBe(1);
      expect(logger.decisions()).toEqual(['miss', 'hit']);
    } finally {
      client.disconnect();
    }
  });

  it('stores the completed record with the claim\'s owner token and the TTL, an undefined result as `u`', async () => {
    const store = new RedisStore(redis.server.url);
    let claimed: string | null = null;
    const charge = makeIdempotent(
      async function recordCharge(event: { id: string; nothing?: boolean }) {
        claimed = await redis.admin.get(recordKey('recordCharge', event.id));
        return event.nothing ? undefined : { charged: true };
      },
      { key: 'id', store, logger: new CaptureLogger() },
    );
    try {
      await charge({ id: 'order-1' });
      const token = /^P\|([^|]+)\|\d+\|$/.exec(claimed ?? '')?.[1];
      expect(token).toBeDefined();
      expect(await redis.admin.get(recordKey('recordCharge', 'order-1'))).toBe(`C||t${token}|v{"charged":true}`);
      expect(await redis.admin.pttl(recordKey('recordCharge', 'order-1'))).toBeGreaterThan(3_590_000);

      await expect(charge({ id: 'order-2', nothing: true })).resolves.toBeUndefined();
      const undefinedToken = /^P\|([^|]+)\|/.exec(claimed ?? '')?.[1];
      expect(await redis.admin.get(recordKey('recordCharge', 'order-2'))).toBe(`C||t${undefinedToken}|u`);
      await expect(charge({ id: 'order-2', nothing: true })).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('makes the lease the claim key\'s own expiry (PX), bounded by the Lambda remaining time and leaseSeconds', async () => {
    const store = new RedisStore(redis.server.url);
    const pttls: number[] = [];
    const options = { store, logger: new CaptureLogger() };
    async function observe(this: void, event: string): Promise<number> {
      pttls.push(await redis.admin.pttl(`idempotency:${event.split('/')[0]}:${hashValue(event)}`));
      return 1;
    }
    const bounded = makeIdempotent(async function pxBounded(event: string, _context?: unknown) { return observe(event); }, options);
    const leased = makeIdempotent(async function pxLeased(event: string, _context?: unknown) { return observe(event); }, { ...options, leaseSeconds: 10 });
    try {
      await bounded('pxBounded/1', lambdaContext(4_321));
      await bounded('pxBounded/2');
      await leased('pxLeased/1', lambdaContext(40_000));
      const [withContext, without, withLease] = pttls as [number, number, number];
      expect(withContext).toBeGreaterThan(4_000);
      expect(withContext).toBeLessThanOrEqual(4_321);
      expect(without).toBeGreaterThan(59_000); // no context, no leaseSeconds: 60 s
      expect(without).toBeLessThanOrEqual(60_000);
      expect(withLease).toBeGreaterThan(9_000);
      expect(withLease).toBeLessThanOrEqual(10_000);
    } finally {
      await store.close();
    }
  });

  it.each([
    ['a string that is no record', (key: string) => redis.admin.set(key, 'garbage')],
    ['a key of another type (WRONGTYPE)', (key: string) => redis.admin.hset(key, 'status', 'COMPLETED')],
  ])("never runs the method over %s, even with onStoreError 'continue'", async (_what, plant) => {
    const store = new RedisStore(redis.server.url);
    let ran = 0;
    const charge = makeIdempotent(async function corruptCharge(_event: { id: string }) { return ++ran; }, { key: 'id', store, logger: new CaptureLogger(), onStoreError: 'continue' });
    try {
      const id = `corrupt-${Math.random()}`;
      await plant(recordKey('corruptCharge', id));
      await expect(charge({ id })).rejects.toThrow(IdempotencyCorruptRecordError);
      expect(ran).toBe(0);
    } finally {
      await store.close();
    }
  });
});
