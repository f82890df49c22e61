import { Redis } from 'ioredis';
import { IdempotencyInProgressError, IdempotencyPayloadMismatchError, makeIdempotent, RedisStore } from '../../../lib';
import { startRedisServer, type RedisServer } from '../../helpers/redisServer';
import { sleep } from '../../helpers/lambda';
import { CaptureLogger } from '../../helpers/logger';

/**
 * Counts the commands the client itself sends per path, with MONITOR. INFO commandstats would
 * also count what the Lua scripts run inside Redis; MONITOR marks those as `lua`, so they are
 * left out here.
 */
describe('Redis commands per path (MONITOR)', () => {
  let server: RedisServer;
  let monitor: Awaited<ReturnType<Redis['monitor']>>;
  let store: RedisStore;
  const seen: string[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    const admin = new Redis(server.url);
    // Ready first: a command of another client landing in the same TCP chunk as MONITOR's +OK is
    // read by ioredis as a reply ("Command queue state error"), so nothing else may run meanwhile.
    await admin.ping();
    monitor = await admin.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') seen.push(String(args[0]).toLowerCase());
    });
    admin.disconnect();
    store = new RedisStore(server.url);
  });
  afterAll(async () => {
    monitor.disconnect();
    await store.close();
    await server.stop();
  });

  async function commandsOf(action: () => Promise<unknown>): Promise<string[]> {
    await sleep(50);
    seen.length = 0;
    await action().catch(() => undefined);
    await sleep(100); // MONITOR lines arrive asynchronously
    return [...seen];
  }

  const logger = new CaptureLogger();
  const charge = makeIdempotent(
    async function charge(event: { id: string; amount?: number; fail?: boolean; slowMs?: number }) {
      if (event.slowMs) await sleep(event.slowMs);
      if (event.fail) throw new Error('declined');
      return { ok: event.id };
    },
    // A store function: the store is created in beforeAll, after this wrapper.
    // `amount` is optional: a validate function compares it when absent too (a path would refuse).
    { key: 'id', validate: (event: { amount?: number }) => event.amount, store: () => store, logger },
  );

  it('costs one plain command on a hit and two on a miss, once the scripts are cached', async () => {
    await charge({ id: 'warm' }); // caches the complete script
    await charge({ id: 'warm-fail', fail: true }).catch(() => undefined); // and release
    // The claim is SET NX GET (no script); the completion a compare-and-set script.
    expect(await commandsOf(() => charge({ id: 'miss-1' }))).toEqual(['set', 'evalsha']);
    expect(await commandsOf(() => charge({ id: 'miss-1' }))).toEqual(['set']);
  });

  it('costs two commands when the method throws (claim, release) and one when in progress or mismatched', async () => {
    expect(await commandsOf(() => charge({ id: 'err-1', fail: true }))).toEqual(['set', 'evalsha']);
    const slow = charge({ id: 'slow', slowMs: 400 });
    await sleep(50);
    expect(await commandsOf(() => expect(charge({ id: 'slow' })).rejects.toThrow(IdempotencyInProgressError))).toEqual(['set']);
    await slow;
    expect(await commandsOf(() => expect(charge({ id: 'slow', amount: 9 })).rejects.toThrow(IdempotencyPayloadMismatchError))).toEqual(['set']);
  });

  it('sends nothing for a hit served from the local cache, after one claim that learns the expiry', async () => {
    const cached = makeIdempotent(async function cachedCharge(event: { id: string }) {
      return { ok: event.id };
    }, { key: 'id', store: () => store, logger, localCache: { maxEntries: 100 } });
    await charge({ id: 'lc' });
    // With a local cache the claim is the claim script, which also returns a completed record's
    // PTTL: sent as EVAL the first time.
    expect(await commandsOf(() => cached({ id: 'lc-new' }))).toEqual(['eval', 'evalsha']);
    expect(await commandsOf(() => cached({ id: 'lc-new' }))).toEqual([]);
    // A record completed by another function instance: the first hit asks Redis (and learns the PTTL).
    await commandsOf(() => charge({ id: 'lc-other' }));
    const other = makeIdempotent(async function charge(event: { id: string }) {
      return { ok: event.id };
    }, { key: 'id', name: 'charge', store: () => store, logger, localCache: { maxEntries: 100 } });
    expect(await commandsOf(() => other({ id: 'lc-other' }))).toEqual(['evalsha']);
    expect(await commandsOf(() => other({ id: 'lc-other' }))).toEqual([]);
  });

  it('sends EVAL again after the server forgets its scripts (SCRIPT FLUSH, restart)', async () => {
    const admin = new Redis(server.url);
    await admin.script('FLUSH');
    admin.disconnect();
    expect(await commandsOf(() => charge({ id: 'after-flush' }))).toEqual(['set', 'evalsha', 'eval']);
    expect(await commandsOf(() => charge({ id: 'after-flush-2' }))).toEqual(['set', 'evalsha']);
  });
});
