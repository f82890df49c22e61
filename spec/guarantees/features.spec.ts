import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  configureIdempotency,
  Idempotent,
  idempotencyKeyFor,
  IdempotencyInProgressError,
  makeIdempotent,
  RecordStatus,
  ReplayedError,
  resetIdempotencyConfig,
  type DecisionLog,
} from '../../lib';
import { useRedis } from '../helpers/redisServer';
import { CaptureLogger } from '../helpers/logger';
import { sleep } from '../helpers/lambda';

/** Options beyond the peers, against a real redis-server. */
describe('beyond the peers (real Redis)', () => {
  const redis = useRedis({ store: { commandTimeoutMs: 5_000 } });
  const logger = new CaptureLogger();

  describe("onInProgress: 'wait'", () => {
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

  describe('cacheError and cacheResult', () => {
    class CardDeclinedError extends Error {
      readonly code = 'card_declined';
      constructor() {
        super('Your card was declined.');
        this.name = 'CardDeclinedError';
      }
    }

    it('stores a final failure and replays it as the same error, without running again', async () => {
      let executions = 0;
      const fn = makeIdempotent(async function chargeOnce(_e: { id: string; transient?: boolean }) {
        executions++;
        if (_e.transient) throw new Error('gateway timeout');
        throw new CardDeclinedError();
      }, { key: 'id', store: () => redis.store, logger, cacheError: (err) => err instanceof CardDeclinedError });
      const id = randomUUID();
      const first = await fn({ id }).catch((e: unknown) => e);
      const replay = await fn({ id }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(CardDeclinedError);
      expect(replay).toBeInstanceOf(ReplayedError);
      expect(replay).toMatchObject({ name: 'CardDeclinedError', message: 'Your card was declined.', code: 'card_declined', idempotentReplay: true });
      expect(executions).toBe(1);

      // A transient failure is not stored: the retry runs again.
      const other = randomUUID();
      await expect(fn({ id: other, transient: true })).rejects.toThrow('gateway timeout');
      await expect(fn({ id: other, transient: true })).rejects.toThrow('gateway timeout');
      expect(executions).toBe(3);
    });

    it('does not store results the policy declines (HTTP 5xx), so a retry runs again', async () => {
      let executions = 0;
      const fn = makeIdempotent(async function respond(_e: { id: string }) {
        executions++;
        return { statusCode: executions === 1 ? 503 : 201 };
      }, { key: 'id', store: () => redis.store, logger, cacheResult: (r: { statusCode: number }) => r.statusCode < 500 });
      const id = randomUUID();
      await expect(fn({ id })).resolves.toEqual({ statusCode: 503 });
      await expect(fn({ id })).resolves.toEqual({ statusCode: 201 });
      await expect(fn({ id })).resolves.toEqual({ statusCode: 201 });
      expect(executions).toBe(2);
    });
  });

  describe('renewLease', () => {
    it('keeps the claim of a method that runs for several leases', async () => {
      let executions = 0;
      const fn = makeIdempotent(async function longJob(_e: { id: string }) {
        executions++;
        await sleep(3_200);
        return 'done';
      }, { key: 'id', store: () => redis.store, logger, leaseSeconds: 1, renewLease: true });
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

    it('without renewal, the same method loses its claim after one lease (the control)', async () => {
      let executions = 0;
      const fn = makeIdempotent(async function shortLease(_e: { id: string }) {
        executions++;
        await sleep(1_500);
        return executions;
      }, { key: 'id', store: () => redis.store, logger: new CaptureLogger(), leaseSeconds: 1 });
      const id = randomUUID();
      const first = fn({ id });
      await sleep(1_200);
      await fn({ id });
      await first;
      expect(executions).toBe(2);
    });
  });

  describe('onDecision', () => {
    it('receives every decision, and a hook that throws never fails the call', async () => {
      const seen: DecisionLog[] = [];
      const fn = makeIdempotent(async function observed(_e: { id: string }) {
        return 1;
      }, { key: 'id', store: () => redis.store, logger, onDecision: (d) => {
        seen.push(d);
        throw new Error('metrics backend down');
      } });
      // The failure is reported once per process on stderr; silenced here, and checked.
      const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const id = randomUUID();
      await fn({ id });
      await fn({ id });
      const codes = warning.mock.calls.map((c) => (c[1] as { code?: string }).code);
      warning.mockRestore();
      expect(codes).toEqual(['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED']);
      expect(seen.map((d) => d.decision)).toEqual(['miss', 'hit']);
      expect(seen[0]).toMatchObject({ namespace: 'observed', keyHash: expect.stringMatching(/^[0-9a-f]{64}$/), durationMs: expect.any(Number) });
    });
  });

  describe('inspect and invalidate', () => {
    class Orders {
      runs = 0;
      @Idempotent({ key: 'detail.orderId', prefix: 'ops' })
      async ship(_e: { detail: { orderId: string } }) {
        return ++this.runs;
      }
    }
    afterEach(() => resetIdempotencyConfig());

    it('computes the record key of a method for an event, reads the record, and resets it', async () => {
      configureIdempotency({ store: () => redis.store, logger });
      const orders = new Orders();
      const event = { detail: { orderId: randomUUID() } };
      await orders.ship(event);
      const key = idempotencyKeyFor(Orders, 'ship', event) as string;
      expect(key).toMatch(/^ops:Orders\.ship:[0-9a-f]{64}$/);
      await expect(redis.store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed, payload: '1' });
      await expect(orders.ship(event)).resolves.toBe(1);
      await expect(redis.store.delete(key)).resolves.toBe(true);
      await expect(orders.ship(event)).resolves.toBe(2);
      expect(idempotencyKeyFor(Orders, 'ship', { detail: {} })).toBeUndefined();
      expect(() => idempotencyKeyFor(Orders, 'nope', event)).toThrow(/not an @Idempotent method/);
    });
  });
});
