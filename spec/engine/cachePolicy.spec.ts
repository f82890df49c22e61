import { randomUUID } from 'node:crypto';
import { makeIdempotent, ReplayedError } from '../../lib';
import { useRedis } from '../helpers/redisFixture';
import { CaptureLogger } from '../helpers/logger';

/**
 * Which outcomes a call stores: `cacheError` keeps the failures it accepts (replayed as a
 * `ReplayedError`), `cacheResult` declines the results it rejects (the claim is released, so a
 * retry runs again). Against a real redis-server.
 */
describe('which outcomes are stored (cacheError, cacheResult)', () => {
  const redis = useRedis({ store: { commandTimeoutMs: 5_000 } });
  const logger = new CaptureLogger();

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

  it('stores a failure cacheError keeps even when its text is over maxResultBytes (the limit is for results)', async () => {
    // Before the engine split, maxResultBytes (Lambda's response limit) applied to results only;
    // a too-long kept failure then was neither stored nor released: retries saw "in progress".
    let executions = 0;
    const message = 'declined: ' + 'x'.repeat(200);
    const fn = makeIdempotent(async function chargeLong(_e: { id: string }) {
      executions++;
      throw new Error(message);
    }, { key: 'id', store: () => redis.store, logger, maxResultBytes: 64, cacheError: () => true });
    const id = randomUUID();
    await expect(fn({ id })).rejects.toThrow(message);
    const replay = await fn({ id }).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(ReplayedError);
    expect(replay).toMatchObject({ message });
    expect(executions).toBe(1);
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
