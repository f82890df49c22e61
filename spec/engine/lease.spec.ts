import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Context } from 'aws-lambda';
import {
  IdempotencyCompletionError,
  IdempotencyInProgressError,
  IdempotencyStoreError,
  makeIdempotent,
  MemoryStore,
  RecordStatus,
  RedisStore,
  type ClaimRequest,
  type ReleaseRequest,
  type ClaimResult,
} from '../../lib';
import { useRedisServer } from '../helpers/redisFixture';
import { recordKey } from '../helpers/records';
import { startStallProxy } from '../helpers/stallProxy';
import { lambdaContext, runningLambdaContext, sleep } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';

/**
 * The claim's lifecycle on real redis-server processes: a claim that times out and lands later,
 * leases renewed while a long method runs and bounded by the invocation, and completions that
 * ioredis resends.
 */

const redis = useRedisServer();

/** A store on its own connection, closed after `body` whether it passes or fails. */
async function withStore(url: string, commandTimeoutMs: number, body: (store: RedisStore) => Promise<void>): Promise<void> {
  const store = new RedisStore(url, { commandTimeoutMs });
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

describe('a claim that timed out and landed later', () => {
  // Whatever the store's own timeouts, the error waits at most this long for the release.
  const RELEASE_WAIT_MARGIN_MS = 1_500;

  it('does not lock the key: after a CLIENT PAUSE longer than the command timeout, the retry runs', async () => {
    await withStore(redis.server.url, 300, async (store) => {
      let runs = 0;
      const fn = makeIdempotent(async function pausedClaim(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger: new CaptureLogger() });
      await fn({ id: 'warm' });
      // Timeline: claim sent → Redis holds writes for 1 s → the claim times out (300 ms) → the
      // release, sent on the same connection, queues behind it → the pause ends: claim, then release.
      await redis.admin.call('CLIENT', 'PAUSE', '1000', 'WRITE');
      const started = Date.now();
      await expect(fn({ id: 'paused-1' })).rejects.toThrow(IdempotencyStoreError);
      expect(Date.now() - started).toBeLessThan(300 + RELEASE_WAIT_MARGIN_MS);
      // A write on the admin connection returns once the pause is over.
      await redis.admin.set(recordKey('pausedClaim', 'probe'), '1', 'PX', 1_000);
      await expect(fn({ id: 'paused-1' })).resolves.toBe(2);
      expect(runs).toBe(2);
    });
  });

  it("does not lock the key with onStoreError: 'continue' either: the unprotected run's claim is released too", async () => {
    await withStore(redis.server.url, 300, async (store) => {
      let runs = 0;
      const logger = new CaptureLogger();
      const fn = makeIdempotent(async function pausedOpen(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger, onStoreError: 'continue' });
      await fn({ id: 'warm' });
      await redis.admin.call('CLIENT', 'PAUSE', '1000', 'WRITE');
      await expect(fn({ id: 'paused-2' })).resolves.toBe(2); // ran unprotected
      await redis.admin.set(recordKey('pausedOpen', 'probe'), '1', 'PX', 1_000);
      await expect(fn({ id: 'paused-2' })).resolves.toBe(3);
      await expect(fn({ id: 'paused-2' })).resolves.toBe(3); // and now it is protected again
      expect(logger.decisions()).toEqual(['miss', 'store_error', 'fail_open', 'miss', 'hit']);
    });
  });

  it('does not lock the key when a stalled network path delivers the claim after it timed out', async () => {
    await redis.throughProxy(300, async (proxy, store) => {
      let runs = 0;
      const fn = makeIdempotent(async function stalledClaim(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger: new CaptureLogger() });
      await fn({ id: 'warm' });
      proxy.stall();
      const started = Date.now();
      await expect(fn({ id: 'stalled-1' })).rejects.toThrow(IdempotencyStoreError);
      expect(Date.now() - started).toBeLessThan(300 + RELEASE_WAIT_MARGIN_MS);
      // The path recovers: the held claim lands, then the release behind it.
      proxy.resume();
      await expect(fn({ id: 'stalled-1' })).resolves.toBe(2);
      expect(await redis.admin.get(recordKey('stalledClaim', 'stalled-1'))).toMatch(/^C\|/);
    });
  });
});

/** A MemoryStore whose claims land but answer with an error, as a claim whose reply timed out. */
class LandsThenFails extends MemoryStore {
  releases: string[] = [];
  releaseBehaviour: 'answer' | 'hang' | 'reject' = 'answer';

  override async claim(request: ClaimRequest): Promise<ClaimResult> {
    await super.claim(request);
    throw new Error('Command timed out');
  }

  override release(request: ReleaseRequest): Promise<boolean> {
    this.releases.push(request.token);
    if (this.releaseBehaviour === 'hang') return new Promise(() => undefined);
    if (this.releaseBehaviour === 'reject') return Promise.reject(new Error('Connection is closed.'));
    return super.release(request);
  }
}

describe('the release after a failed claim (engine, any store)', () => {
  it('releases exactly its own token, so the claim that landed is gone', async () => {
    const store = new LandsThenFails();
    const fn = makeIdempotent(async function landed(_e: { id: string }) {
      return 'ran';
    }, { key: 'id', store, logger: new CaptureLogger() });
    await expect(fn({ id: 'a' })).rejects.toThrow(IdempotencyStoreError);
    expect(store.releases).toHaveLength(1);
    await expect(store.get(recordKey('landed', 'a'))).resolves.toBeUndefined();
  });

  it('never waits long for a release that does not answer, and never leaves an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const behaviour of ['hang', 'reject'] as const) {
        const store = new LandsThenFails();
        store.releaseBehaviour = behaviour;
        const logger = new CaptureLogger();
        const fn = makeIdempotent(async function hung(_e: { id: string }) {
          return 'ran';
        }, { key: 'id', store, logger, name: 'hung' }); // a function per behaviour: the name is explicit
        const started = Date.now();
        await expect(fn({ id: behaviour })).rejects.toThrow(IdempotencyStoreError);
        expect(Date.now() - started).toBeLessThan(1_500);
        // The claim's failure is the one line: a best-effort release adds none.
        expect(logger.decisions()).toEqual(['store_error']);
        expect(store.releases).toHaveLength(1);
      }
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('renewLease', () => {
  it('keeps the claim of a method that runs for several leases', async () => {
    await withStore(redis.server.url, 5_000, async (store) => {
      let executions = 0;
      const fn = makeIdempotent(async function longJob(_e: { id: string }) {
        executions++;
        await sleep(3_200);
        return 'done';
      }, { key: 'id', store, logger: new CaptureLogger(), leaseSeconds: 1, renewLease: true });
      const id = randomUUID();
      const job = fn({ id });
      for (const at of [500, 1_500, 2_500]) {
        await sleep(at === 500 ? 500 : 1_000);
        await expect(fn({ id })).rejects.toThrow(IdempotencyInProgressError);
      }
      await expect(job).resolves.toBe('done');
      await expect(fn({ id })).resolves.toBe('done');
      expect(executions).toBe(1);
    });
  });

  it('without renewal, the same method loses its claim after one lease (the control)', async () => {
    await withStore(redis.server.url, 5_000, async (store) => {
      let executions = 0;
      const fn = makeIdempotent(async function shortLease(_e: { id: string }) {
        executions++;
        await sleep(1_500);
        return executions;
      }, { key: 'id', store, logger: new CaptureLogger(), leaseSeconds: 1 });
      const id = randomUUID();
      const first = fn({ id });
      await sleep(1_200);
      await fn({ id });
      await first;
      expect(executions).toBe(2);
    });
  });
});

describe('a lease never outlives the invocation', () => {
  // A lease set from the time left reaches Redis one command later, so the key may outlive the
  // deadline by that command's latency (tens of ms on a loaded machine); without the cap it is
  // the lease's worth (0.5 to 1 s here).
  const LATENCY_MARGIN_MS = 250;

  /** How far past the invocation's end the key lives, from Redis' PTTL (time read before asking). */
  const overshootMs = async (key: string, context: { deadlineMs: number }): Promise<number> => {
    const asked = Date.now();
    return asked + (await redis.admin.pttl(key)) - context.deadlineMs;
  };

  it('caps every renewal at the time left: with 1.5 s left the key never outlives the deadline', async () => {
    await withStore(redis.server.url, 5_000, async (store) => {
      const key = recordKey('renewedNearDeadline', 'r-1');
      const overshoots: number[] = [];
      const fn = makeIdempotent(async function renewedNearDeadline(_e: { id: string }, context: Context & { deadlineMs: number }) {
        // Renewals come every lease / 3 (500 ms); sample across two of them.
        for (let i = 0; i < 12; i++) {
          await sleep(100);
          overshoots.push(await overshootMs(key, context));
        }
        return 'done';
      }, { key: 'id', store, logger: new CaptureLogger(), renewLease: true });
      await expect(fn({ id: 'r-1' }, runningLambdaContext(1_500))).resolves.toBe('done');
      expect(Math.max(...overshoots)).toBeLessThanOrEqual(LATENCY_MARGIN_MS);
    });
  });

  it('caps each wait-mode re-claim at the time left when it is made, not when the call began', async () => {
    await withStore(redis.server.url, 5_000, async (store) => {
      const key = recordKey('waitedNearDeadline', 'w-1');
      // Another invocation holds the key for 600 ms; ours has 1.5 s in all.
      await store.claim({ key, token: 'other', leaseMs: 600, ttlMs: 600 });
      const context = runningLambdaContext(1_500);
      const fn = makeIdempotent(async function waitedNearDeadline(_e: { id: string }, ctx: Context & { deadlineMs: number }) {
        return overshootMs(key, ctx);
      }, { key: 'id', store, logger: new CaptureLogger(), onInProgress: 'wait', waitSeconds: 5 });
      const overshoot = await fn({ id: 'w-1' }, context);
      expect(overshoot).toBeLessThanOrEqual(LATENCY_MARGIN_MS);
    });
  });
});

describe('a context whose time left is no usable bound', () => {
  it.each([
    ['zero', 0, 60_000],
    ['negative', -1_000, 60_000],
    ['over Lambda\'s 15 minutes (1e19)', 1e19, 900_000],
  ])('takes a time left of %s as unknown or caps it: an overlapping duplicate is told the call is in progress', async (_label, remaining, leaseMs) => {
    await withStore(redis.server.url, 5_000, async (store) => {
      let runs = 0;
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const fn = makeIdempotent(async function noUsableTime(_e: { id: string }, _c: Context) {
        if (++runs === 1) {
          started();
          await gate;
        }
        return 'ok';
      }, { key: 'id', store, logger: new CaptureLogger(), name: `noUsableTime${remaining}` });
      const key = recordKey(`noUsableTime${remaining}`, 'k-1');
      const first = fn({ id: 'k-1' }, lambdaContext(remaining));
      await running;
      await sleep(20); // a 1 ms lease (before) has ended by now
      const pttl = await redis.admin.pttl(key);
      expect(pttl).toBeGreaterThan(leaseMs - 5_000);
      expect(pttl).toBeLessThanOrEqual(leaseMs);
      await expect(fn({ id: 'k-1' }, lambdaContext(remaining))).rejects.toThrow(IdempotencyInProgressError);
      open();
      await expect(first).resolves.toBe('ok');
      expect(runs).toBe(1);
    });
  });
});

describe('a completion whose reply was lost', () => {
  it('is recorded once and logs miss, not lease_lost, when a client of your own resends it after the connection drops (ioredis\' default)', async () => {
    const proxy = await startStallProxy(redis.server.port);
    const client = new Redis(proxy.url, { commandTimeout: 2_000, autoResendUnfulfilledCommands: true });
    const store = new RedisStore(client);
    try {
      const logger = new CaptureLogger();
      let runs = 0;
      const fn = makeIdempotent(async function lostCompletionReply(e: { id: string }) {
        runs++;
        if (e.id !== 'warm') proxy.stall('replies'); // the completion that follows reaches Redis; its reply is held
        return 'done';
      }, { key: 'id', store, logger });
      const key = recordKey('lostCompletionReply', 'c-1');
      await fn({ id: 'warm' });
      const call = fn({ id: 'c-1' });
      await redis.untilValue(key, /^C\|/);
      // The connection drops with the reply unsent: ioredis reconnects and resends the completion.
      proxy.cut();
      await expect(call).resolves.toBe('done');
      expect(logger.decisions()).toEqual(['miss', 'miss']);
      await expect(store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed, payload: '"done"' });
      await expect(fn({ id: 'c-1' })).resolves.toBe('done');
      expect(runs).toBe(2);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('is never sent again by a store built from a URL: the caller is told (IdempotencyCompletionError with the result), and the record its first attempt wrote replays', async () => {
    await redis.throughProxy(1_000, async (proxy, store) => {
      const logger = new CaptureLogger();
      let runs = 0;
      const fn = makeIdempotent(async function lostCompletionOnce(e: { id: string }) {
        runs++;
        if (e.id !== 'warm') proxy.stall('replies');
        return 'done';
      }, { key: 'id', store, logger });
      const key = recordKey('lostCompletionOnce', 'c-2');
      await fn({ id: 'warm' });
      const call = fn({ id: 'c-2' }).catch((e: unknown) => e);
      await redis.untilValue(key, /^C\|/);
      proxy.cut();
      // The completion's outcome is unknown to the caller (its reply was lost): it times out and
      // says so, with the result, rather than being sent again on the next connection.
      const error = await call;
      expect(error).toBeInstanceOf(IdempotencyCompletionError);
      expect((error as IdempotencyCompletionError).result).toBe('done');
      await expect(fn({ id: 'c-2' })).resolves.toBe('done');
      expect(runs).toBe(2);
      expect(logger.decisions()).toEqual(['miss', 'store_error', 'hit']);
    });
  });
});
