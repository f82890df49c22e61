import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  hashValue,
  IdempotencyCompletionError,
  IdempotencyError,
  IdempotencyInProgressError,
  IdempotencyStoreError,
  makeIdempotent,
  RedisStore,
} from '../../lib';
import { startRedisServer, type RedisServer } from '../helpers/redisServer';
import { useRedisServer } from '../helpers/redisFixture';
import { startStallProxy, type StallProxy } from '../helpers/stallProxy';
import { sleep } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';
import { run } from '../helpers/run';
import { ROOT } from '../helpers/paths';

/** Faults on real redis-server processes and real sockets, loopback only, bounded in count and time. */

describe('Redis killed (SIGKILL) and restarted in the middle of 2,000 invocations at concurrency 32', () => {
  let dir: string;
  let server: RedisServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idem-aof-'));
    // AOF with fsync on every write, as a payments deployment would run it: claims and results
    // survive the crash, so the library's own guarantee is what is tested.
    server = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * 2,000 calls on 500 keys (each sent 4 times, in random order) at concurrency 32; redis-server is
   * SIGKILLed after 600 calls and restarted `restartAfterMs` later. Counts executions per key and
   * keeps every failed call.
   */
  async function crashUnderLoad(store: RedisStore, restartAfterMs: number) {
    const executions = new Map<string, number>();
    const failures: Array<{ orderId: string; error: unknown }> = [];
    let succeeded = 0;
    const charge = makeIdempotent(async function charge(event: { orderId: string }) {
      executions.set(event.orderId, (executions.get(event.orderId) ?? 0) + 1);
      await sleep(2);
      return event.orderId;
    }, { key: 'orderId', store, logger: new CaptureLogger(), leaseSeconds: 2, name: `charge-${restartAfterMs}` });
    const calls = Array.from({ length: 2_000 }, (_, i) => `order-${i % 500}`).sort(() => Math.random() - 0.5);
    let next = 0;
    let crashed = false;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < calls.length) {
          const orderId = calls[next++] as string;
          if (!crashed && next >= 600) {
            crashed = true;
            await server.kill();
            setTimeout(() => void server.start(), restartAfterMs);
          }
          try {
            expect(await charge({ orderId })).toBe(orderId);
            succeeded++;
          } catch (error) {
            failures.push({ orderId, error });
          }
        }
      }),
    );
    return { charge, executions, failures, succeeded: () => succeeded };
  }

  /**
   * Keys that ran more than once, split by whether a caller of the key was told the result could
   * not be recorded (IdempotencyCompletionError). A told key keeps its claim until the lease ends,
   * then a retry runs it again, as documented; any other second run is a silent double.
   */
  function doubles(executions: ReadonlyMap<string, number>, failures: ReadonlyArray<{ orderId: string; error: unknown }>) {
    const told = new Set(failures.filter((f) => f.error instanceof IdempotencyCompletionError).map((f) => f.orderId));
    const twice = [...executions].filter(([, n]) => n > 1).map(([k]) => k);
    return { silent: twice.filter((k) => !told.has(k)), told: twice.filter((k) => told.has(k)), toldKeys: told.size };
  }

  // 2.5 s is what a loaded machine sees (redis-server slow to start, ioredis' reconnect backoff
  // stepping to 1.5 s then 2.5 s): the outage outlasts the 2 s lease, so a told key's claim ends
  // during the load and its next duplicate runs it again there. The old "no key ran twice during
  // the load" assertion counted those told re-runs as doubles and failed.
  it.each([
    ['300 ms', 300],
    ['2.5 s, longer than the lease', 2_500],
  ])('with a restart after %s: no key runs twice silently, during the load or after recovery; every failure is typed', async (_label, restartAfterMs) => {
    const store = new RedisStore(server.url, { commandTimeoutMs: 500, connectTimeoutMs: 500 });
    // The run's counts, added to the message of a failing assertion only (a passing run prints nothing).
    let counts = (): string => `kill/restart after ${restartAfterMs} ms: the load did not finish`;
    try {
      const { charge, executions, failures, succeeded } = await crashUnderLoad(store, restartAfterMs);
      const duringLoad = doubles(executions, failures);
      counts = () => {
        const all = doubles(executions, failures);
        return `kill/restart after ${restartAfterMs} ms: ${succeeded()} succeeded, ${failures.length} failed ` +
          `(${all.toldKeys} keys told the result was not recorded); re-run: ${duringLoad.told.length} told keys during the load, ${all.told.length} in all`;
      };
      expect(duringLoad).toEqual({ silent: [], told: expect.any(Array), toldKeys: expect.any(Number) });
      expect(failures.filter((f) => !(f.error instanceof IdempotencyError))).toEqual([]);
      expect(failures.some((f) => f.error instanceof IdempotencyStoreError)).toBe(true);
      expect(succeeded()).toBeGreaterThan(1_000);

      // Recovery in the same process: claims caught by the crash end with their lease, then every key completes.
      await sleep(2_100);
      const again = await Promise.allSettled(Array.from({ length: 500 }, (_, i) => charge({ orderId: `order-${i}` })));
      expect(again.filter((r) => r.status === 'rejected')).toEqual([]);
      const afterRecovery = doubles(executions, failures);
      expect(afterRecovery).toEqual({ silent: [], told: expect.any(Array), toldKeys: expect.any(Number) });
    } catch (err) {
      if (err instanceof Error) err.message += `\n\n${counts()}`;
      throw err;
    } finally {
      await store.close();
    }
  });
});

describe('network faults and partial failures', () => {
  const redis = useRedisServer();

  it('fails calls on a stalled path within the command timeout instead of hanging, then recovers', async () => {
    await redis.throughProxy(300, async (proxy, store) => {
      let runs = 0;
      const fn = makeIdempotent(async function stalled(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger: new CaptureLogger() });
      await fn({ id: 'before' });
      proxy.stall();
      const outcomes = await Promise.allSettled([fn({ id: 'a' }), fn({ id: 'b' }), fn({ id: 'c' })]);
      expect(outcomes.map((o) => o.status === 'rejected' && o.reason instanceof IdempotencyStoreError)).toEqual([true, true, true]);
      expect(runs).toBe(1);
      proxy.resume();
      await sleep(100);
      await expect(fn({ id: 'after' })).resolves.toBe(2);
    });
  });

  it('with a client of your own that resends (ioredis\' default), runs the method once when the claim landed but its reply was lost', async () => {
    const proxy = await startStallProxy(redis.server.port);
    // What `new Redis(url)` does unless told otherwise: resend unanswered commands after a reconnect.
    const client = new Redis(proxy.url, { commandTimeout: 2_000, autoResendUnfulfilledCommands: true });
    const store = new RedisStore(client);
    try {
      const logger = new CaptureLogger();
      let runs = 0;
      const fn = makeIdempotent(async function lostReply(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger });
      const recordKey = `idempotency:lostReply:${hashValue('lost-1')}`;
      await fn({ id: 'warm' });
      proxy.stall('replies');
      const call = fn({ id: 'lost-1' });
      // The claim reaches Redis; its reply is held.
      await redis.untilValue(recordKey, /^P\|/);
      // The connection drops with the reply unsent: ioredis reconnects and resends the claim, which
      // finds the claim its first attempt wrote, with its own token.
      proxy.cut();
      await expect(call).resolves.toBe(2);
      expect(runs).toBe(2);
      expect(logger.decisions()).toEqual(['miss', 'miss']);
      await expect(fn({ id: 'lost-1' })).resolves.toBe(2);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('with a store built from a URL, never resends a claim whose reply was lost: the call fails, its release removes the claim, the retry runs once', async () => {
    await redis.throughProxy(1_000, async (proxy, store) => {
      const logger = new CaptureLogger();
      let runs = 0;
      const fn = makeIdempotent(async function lostReplyOnce(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger });
      const recordKey = `idempotency:lostReplyOnce:${hashValue('lost-2')}`;
      await fn({ id: 'warm' });
      proxy.stall('replies');
      const call = fn({ id: 'lost-2' });
      await redis.untilValue(recordKey, /^P\|/);
      proxy.cut();
      // Timeline: claim landed → connection dropped → reconnect (the claim is not sent again) → the
      // claim times out → the engine releases its token on the new connection → the claim is gone.
      await expect(call).rejects.toThrow(IdempotencyStoreError);
      expect(runs).toBe(1);
      await redis.untilValue(recordKey, null);
      await expect(fn({ id: 'lost-2' })).resolves.toBe(2);
      await expect(fn({ id: 'lost-2' })).resolves.toBe(2);
      expect(logger.decisions()).toEqual(['miss', 'store_error', 'miss', 'hit']);
    });
  });

  it('surfaces a completion write that fails after the side effect, logs it at error level, and never runs the side effect again on retry', async () => {
    await redis.throughProxy(300, async (proxy, store) => {
      const logger = new CaptureLogger();
      let charges = 0;
      const fn = makeIdempotent(async function chargeCard(_e: { id: string }) {
        charges++;
        proxy.stall(); // the network fails between the side effect and the completion write
        return 'charged';
      }, { key: 'id', store, logger, leaseSeconds: 30 });
      const error = await fn({ id: 'card-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyCompletionError);
      expect((error as IdempotencyCompletionError).result).toBe('charged');
      expect(logger.lines.at(-1)).toMatchObject({ level: 'error', attributes: { decision: 'store_error', keyHash: hashValue('card-1') } });
      // Once the client has reconnected (a command written while it has not yet seen the cut
      // would be lost with the connection, and time out).
      const reconnected = once(store.client, 'ready');
      proxy.cut();
      await reconnected;
      // The completion held in the proxy is lost with the connection, and a store built from a URL
      // never sends it again: the claim is kept, so the retry is told to wait, never charged again.
      await expect(fn({ id: 'card-1' })).rejects.toThrow(IdempotencyInProgressError);
      expect(await redis.admin.get(`idempotency:chargeCard:${hashValue('card-1')}`)).toMatch(/^P\|/);
      expect(charges).toBe(1);
    });
  });

  it('after a process crashes mid-method, 50 concurrent retries run it exactly once once the lease ends', async () => {
    const crasher = `
      const { makeIdempotent, RedisStore } = require('lambda-idempotency');
      const store = new RedisStore(process.env.REDIS_URL);
      const fn = makeIdempotent(async function settle(e) { process.exit(3); }, { key: 'id', store, leaseSeconds: 3, logger: { info() {}, warn() {}, error() {} } });
      fn({ id: 'crash-1' });`;
    // A 3 s lease: the checks below must read the crashed claim before it ends, even when a busy
    // machine is slow to reap the child.
    await expect(run(process.execPath, ['-e', crasher], { cwd: ROOT, env: { REDIS_URL: redis.server.url } })).rejects.toThrow(/exit code 3\)/);
    expect(await redis.admin.get(`idempotency:settle:${hashValue('crash-1')}`)).toMatch(/^P\|/);

    const store = new RedisStore(redis.server.url);
    try {
      let executions = 0;
      const settle = makeIdempotent(async function settle(_e: { id: string }) {
        executions++;
        await sleep(20);
        return 'settled';
      }, { key: 'id', store, logger: new CaptureLogger() });
      await expect(settle({ id: 'crash-1' })).rejects.toThrow(IdempotencyInProgressError);
      await redis.untilValue(`idempotency:settle:${hashValue('crash-1')}`, null, 5_000);
      const retries = await Promise.allSettled(Array.from({ length: 50 }, () => settle({ id: 'crash-1' })));
      expect(executions).toBe(1);
      expect(retries.every((r) => r.status === 'fulfilled' || r.reason instanceof IdempotencyInProgressError)).toBe(true);
    } finally {
      // Closed on failure too, or the open connection keeps jest from exiting.
      await store.close();
    }
  });

  it("runs the method unprotected with onStoreError: 'continue' and logs a warning each time", async () => {
    const proxy = await startStallProxy(redis.server.port);
    await proxy.close(); // nothing listens there any more
    const store = new RedisStore(proxy.url);
    const logger = new CaptureLogger();
    let runs = 0;
    const fn = makeIdempotent(async function open(_e: { id: string }) {
      return ++runs;
    }, { key: 'id', store, logger, onStoreError: 'continue' });
    try {
      await fn({ id: 'x' });
      await fn({ id: 'x' });
      expect(runs).toBe(2);
      expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.attributes.decision)).toEqual(['fail_open', 'fail_open']);
    } finally {
      await store.close();
    }
  });
});

/** Resolves after the client's next `count` reconnect attempts (its 'reconnecting' events). */
function reconnectAttempts(client: RedisStore['client'], count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onAttempt = (): void => {
      if (++seen < count) return;
      client.off('reconnecting', onAttempt);
      resolve();
    };
    client.on('reconnecting', onAttempt);
  });
}

describe('a claim in flight when Redis dies behind a proxy (ElastiCache Serverless, Envoy, stunnel)', () => {
  // A proxy accepts each reconnect, then closes it while Redis is down: ioredis counts those as
  // attempts, and its even-numbered attempts reject what waits in its offline queue.
  it('is never sent again after its release was dropped: once Redis is back the retry runs, the key is not locked', async () => {
    const server = await startRedisServer();
    const proxy = await startStallProxy(server.port);
    const store = new RedisStore(proxy.url, { commandTimeoutMs: 300 });
    const key = `idempotency:inFlight:${hashValue('order-7')}`;
    let admin = new Redis(server.url);
    try {
      let runs = 0;
      const fn = makeIdempotent(async function inFlight(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger: new CaptureLogger(), leaseSeconds: 30 });
      await fn({ id: 'warm' });
      const release = jest.spyOn(store, 'release');
      proxy.stall('replies');
      const call = fn({ id: 'order-7' }).catch((e: unknown) => e);
      for (const end = Date.now() + 2_000; (await admin.get(key)) === null && Date.now() < end; ) await sleep(10);
      expect(await admin.get(key)).toMatch(/^P\|/);
      // Timeline: claim written → Redis dies (the claim with it: no persistence) → reconnects reach
      // the proxy and are closed → the claim times out → the engine's release waits offline and is
      // rejected → Redis is back → ioredis, by default, resent the claim alone: a claim nobody owns.
      admin.disconnect();
      const closed = once(store.client, 'close');
      await server.kill();
      await closed; // before the held reply could reach the client
      proxy.resume();
      const error = await call;
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect((error as Error).message).toMatch(/timed out/);
      // The release waits offline. ioredis (maxRetriesPerRequest: 1) rejects its offline queue on
      // every second reconnect attempt: after two more, the release has been dropped.
      await reconnectAttempts(store.client, 2);
      expect(release).toHaveBeenCalledTimes(1);
      await expect(release.mock.results[0]?.value).rejects.toThrow(IdempotencyStoreError);
      const ready = once(store.client, 'ready');
      await server.start();
      await ready; // the connection is back (ioredis' default resends the claim here)
      admin = new Redis(server.url);
      await expect(fn({ id: 'order-7' })).resolves.toBe(2);
      expect(await admin.get(key)).toMatch(/^C\|/);
      expect(runs).toBe(2);
    } finally {
      admin.disconnect();
      await store.close();
      await proxy.close();
      await server.stop();
    }
  });
});

describe.each([
  ['fail', 'fails with IdempotencyStoreError (the method does not run)'],
  ['continue', 'runs unprotected'],
] as const)("a failover with onStoreError '%s': the node the store is connected to becomes a replica", (onStoreError, firstCall) => {
  let oldPrimary: RedisServer;
  let newPrimary: RedisServer;
  let proxy: StallProxy;
  let store: RedisStore;
  let demote: Redis;
  beforeEach(async () => {
    [oldPrimary, newPrimary] = await Promise.all([startRedisServer(), startRedisServer()]);
    proxy = await startStallProxy(oldPrimary.port); // the endpoint's DNS name
    store = new RedisStore(proxy.url, { commandTimeoutMs: 1_000 });
    demote = new Redis(oldPrimary.url);
  });
  afterEach(async () => {
    demote.disconnect();
    await store.close();
    await proxy.close();
    await Promise.all([oldPrimary.stop(), newPrimary.stop()]);
  });

  it(`reconnects on READONLY and reaches the new primary without a new store: the call that met READONLY ${firstCall}, the next ones are protected`, async () => {
    const logger = new CaptureLogger();
    let runs = 0;
    const fn = makeIdempotent(async function failedOver(_e: { id: string }) {
      return ++runs;
    }, { key: 'id', store, logger, onStoreError, name: `failedOver-${onStoreError}` });
    await fn({ id: 'warm' });
    const client = store.client;
    // The failover: the endpoint now names the new primary, and the old one follows it as a replica.
    proxy.retarget(newPrimary.port);
    await demote.replicaof('127.0.0.1', String(newPrimary.port));

    const first = await fn({ id: 'order-1' }).catch((e: unknown) => e);
    const next: unknown[] = [];
    for (let i = 0; i < 4; i++) next.push(await fn({ id: 'order-1' }).catch((e: unknown) => e));
    expect(logger.lines[1]?.attributes.error?.message).toMatch(/READONLY/);
    // One protected run on the new primary, whatever the first call did; every later call replays it
    // (before: every call met READONLY, for as long as the container lived).
    const protectedRun = onStoreError === 'fail' ? 2 : 3;
    if (onStoreError === 'fail') expect(first).toBeInstanceOf(IdempotencyStoreError);
    else expect(first).toBe(2);
    expect(next).toEqual([protectedRun, protectedRun, protectedRun, protectedRun]);
    expect(runs).toBe(protectedRun);
    const afterFailover = ['miss', 'hit', 'hit', 'hit'];
    expect(logger.decisions()).toEqual(['miss', 'store_error', ...(onStoreError === 'continue' ? ['fail_open'] : []), ...afterFailover]);
    expect(store.client).toBe(client);
  });
});
