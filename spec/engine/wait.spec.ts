import { randomUUID } from 'node:crypto';
import { IdempotencyInProgressError, makeIdempotent } from '../../lib';
import { useRedis } from '../helpers/redisFixture';
import { CaptureLogger } from '../helpers/logger';
import { sleep } from '../helpers/lambda';

/**
 * `onInProgress: 'wait'`: a duplicate that finds a live claim waits for the first call's result
 * instead of failing, bounded by `waitSeconds` (and the invocation's end, see lease.spec.ts).
 * Against a real redis-server.
 */
describe("a duplicate with onInProgress: 'wait'", () => {
  const redis = useRedis({ store: { commandTimeoutMs: 5_000 } });
  const logger = new CaptureLogger();

  it('gives 200 concurrent duplicates the one result with a single execution, polling with backoff', async () => {
    let executions = 0;
    const claim = jest.spyOn(redis.store, 'claim');
    const fn = makeIdempotent(async function waited(e: { id: string }) {
      executions++;
      await sleep(300);
      return { id: e.id, at: executions };
    }, { key: 'id', store: () => redis.store, logger, onInProgress: 'wait', waitSeconds: 5 });
    const id = randomUUID();
    const results = await Promise.all(Array.from({ length: 200 }, () => fn({ id })));
    expect(executions).toBe(1);
    expect(results.every((r) => r.id === id && r.at === 1)).toBe(true);
    // Backoff, not a tight loop: 300 ms of waiting costs each caller a handful of claims.
    expect(claim.mock.calls.length).toBeLessThan(200 * 8);
    claim.mockRestore();
  });

  it('waits up to waitSeconds past a short renewed lease (leaseSeconds: 1, renewLease), not just for the lease', async () => {
    let executions = 0;
    const fn = makeIdempotent(async function waitedRenewed(e: { id: string }) {
      executions++;
      await sleep(1_800);
      return e.id;
    }, { key: 'id', store: () => redis.store, logger, onInProgress: 'wait', waitSeconds: 10, leaseSeconds: 1, renewLease: true });
    const id = randomUUID();
    const first = fn({ id });
    await sleep(50);
    // Before: the duplicate gave up after its own 1 s lease with IdempotencyInProgressError.
    await expect(Promise.all([fn({ id }), fn({ id }), first])).resolves.toEqual([id, id, id]);
    expect(executions).toBe(1);
  });

  it('runs the method itself when the first call failed and released, and still fails after waitSeconds', async () => {
    let executions = 0;
    const fn = makeIdempotent(async function waitedFail(e: { id: string; fail?: boolean; slowMs?: number }) {
      executions++;
      await sleep(e.slowMs ?? 100);
      if (e.fail) throw new Error('first failed');
      return 'second ran';
    }, { key: 'id', store: () => redis.store, logger, onInProgress: 'wait', waitSeconds: 1 });
    const id = randomUUID();
    const first = fn({ id, fail: true }).catch((e: Error) => e.message);
    await sleep(20);
    await expect(fn({ id })).resolves.toBe('second ran');
    await expect(first).resolves.toBe('first failed');
    expect(executions).toBe(2);

    const slowId = randomUUID();
    const slow = fn({ id: slowId, slowMs: 2_000 });
    await sleep(20);
    const waited = await fn({ id: slowId }).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(IdempotencyInProgressError);
    // It says it waited, rather than suggesting the option in use.
    expect((waited as Error).message).toMatch(/waited \d+ ms .*raise waitSeconds/);
    await slow;
  });
});
