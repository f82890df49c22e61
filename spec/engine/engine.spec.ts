import type { Redis } from 'ioredis';
import {
  Decision,
  IdempotencyCompletionError,
  IdempotencyConfigError,
  IdempotencyCorruptRecordError,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultError,
  IdempotencyStoreError,
  hashValue,
  makeIdempotent,
  MemoryStore,
  RedisStore,
  resetIdempotencyConfig,
} from '../../lib';
import { encodeCompleted } from '../../lib/core/record';
import { lambdaContext } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';

/**
 * Unit tests of the engine's decisions over a jest mock of the ioredis client: every reply is
 * canned, so each branch is forced exactly. Real Redis behaviour is proven in the contract and
 * concurrency suites, not here.
 */

type Reply = unknown;
interface MockRedis {
  set: jest.Mock;
  evalsha: jest.Mock;
  eval: jest.Mock;
  get: jest.Mock;
  del: jest.Mock;
  /** Every claim and script call in order, as [kind, key, ...args]; a claim as [claim, key, token, leaseMs, record]. */
  calls: Array<[string, ...unknown[]]>;
  /** Canned replies, consumed in order by the claim (`SET NX GET`) and by the scripts. */
  queue: Reply[];
}

function mockRedis(): MockRedis {
  const redis: MockRedis = { set: jest.fn(), evalsha: jest.fn(), eval: jest.fn(), get: jest.fn(), del: jest.fn(), calls: [], queue: [] };
  const next = async (): Promise<Reply> => {
    const reply = redis.queue.shift();
    if (reply instanceof Error) throw reply;
    return reply;
  };
  redis.set.mockImplementation(async (key: string, record: string, px: string, leaseMs: number) => {
    expect(px).toBe('PX');
    redis.calls.push(['claim', key, record.split('|')[1], leaseMs, record]);
    return next();
  });
  // EVALSHA answers NOSCRIPT unless a test says otherwise, so every script call reaches `eval`.
  redis.evalsha.mockImplementation(async () => {
    throw new Error('NOSCRIPT No matching script. Please use EVAL.');
  });
  redis.eval.mockImplementation(async (source: string, _keys: number, key: string, ...args: unknown[]) => {
    const kind = source.includes("'PTTL'") ? 'claim-script' : source.includes("'DEL'") ? 'release' : source.includes('string.find') ? 'renew' : 'complete';
    redis.calls.push([kind, key, ...args]);
    return next();
  });
  return redis;
}

/** The claims and script calls the mock received, in order. */
function scriptCalls(redis: MockRedis): Array<[string, ...unknown[]]> {
  return redis.calls;
}

/** The claim reply of `SET NX GET` when the key was absent: the caller now owns it. */
const CLAIMED = null;

const KEY_HASH = hashValue('order-1');
const RECORD_KEY = `idempotency:chargeOrder:${KEY_HASH}`;

describe('engine decisions (mocked ioredis)', () => {
  let redis: MockRedis;
  let logger: CaptureLogger;
  let method: jest.Mock;

  // One function, wrapped anew per test: a default namespace belongs to one function per process.
  async function chargeOrder(event: { orderId?: string; body?: string }) {
    return method(event);
  }
  function wrap(options: Parameters<typeof makeIdempotent>[1] = {}) {
    const store = new RedisStore(redis as unknown as Redis);
    return makeIdempotent(chargeOrder, { key: 'orderId', store, logger, ...options });
  }

  function replies(...sequence: Reply[]): void {
    redis.queue.push(...sequence);
  }

  beforeEach(() => {
    redis = mockRedis();
    logger = new CaptureLogger();
    method = jest.fn(async () => ({ charged: true }));
  });
  afterEach(() => resetIdempotencyConfig());

  it('replays the stored result without running the method', async () => {
    replies(encodeCompleted(undefined, '{"charged":"earlier"}'));
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: 'earlier' });
    expect(method).not.toHaveBeenCalled();
    expect(scriptCalls(redis).map((c) => c[0])).toEqual(['claim']);
    expect(logger.lines).toEqual([
      { level: 'info', message: expect.stringContaining('hit'), attributes: expect.objectContaining({ decision: 'hit', namespace: 'chargeOrder', keyHash: KEY_HASH }) },
    ]);
  });

  it('runs the method once on a miss and completes with the claim token', async () => {
    replies(CLAIMED, 1);
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(method).toHaveBeenCalledTimes(1);
    const [claim, complete] = scriptCalls(redis);
    expect(claim?.[1]).toBe(RECORD_KEY);
    expect(complete?.[0]).toBe('complete');
    expect(complete?.[2]).toBe(claim?.[2]); // same owner token
    expect(complete?.[3]).toBe(encodeCompleted(undefined, '{"charged":true}', claim?.[2] as string));
    expect(complete?.[4]).toBe(3_600_000);
    expect(logger.decisions()).toEqual([Decision.Miss]);
  });

  it('uses EVALSHA once a script is cached and falls back to EVAL on NOSCRIPT', async () => {
    const fn = wrap();
    replies(CLAIMED, 1);
    await fn({ orderId: 'a' });
    // The completion script is now cached: EVALSHA first, EVAL again after a NOSCRIPT.
    redis.evalsha.mockResolvedValueOnce(1);
    replies(CLAIMED);
    await fn({ orderId: 'b' });
    replies(CLAIMED, 1);
    await fn({ orderId: 'c' });
    expect(redis.evalsha).toHaveBeenCalledTimes(2);
    expect(redis.eval).toHaveBeenCalledTimes(2);
    expect(logger.decisions()).toEqual([Decision.Miss, Decision.Miss, Decision.Miss]);
  });

  it('claims with one SET NX GET, and with the claim script from then on when Redis refuses it (before 7)', async () => {
    const fn = wrap();
    redis.set.mockRejectedValueOnce(new Error('ERR syntax error'));
    replies(CLAIMED, 1, encodeCompleted(undefined, '{"charged":true}'));
    await expect(fn({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    await expect(fn({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(redis.set).toHaveBeenCalledTimes(1);
    expect(scriptCalls(redis).map((c) => c[0])).toEqual(['claim-script', 'complete', 'claim-script']);
    expect(method).toHaveBeenCalledTimes(1);
    expect(logger.decisions()).toEqual([Decision.Miss, Decision.Hit]);
  });

  it('throws IdempotencyInProgressError with the time left on a live claim', async () => {
    replies(`P|other|${Date.now() + 2_500}|`);
    const error = await wrap()({ orderId: 'order-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect((error as IdempotencyInProgressError).retryAfterMs).toBeGreaterThan(2_000);
    expect((error as IdempotencyInProgressError).retryAfterMs).toBeLessThanOrEqual(2_500);
    expect(method).not.toHaveBeenCalled();
    expect(logger.decisions()).toEqual([Decision.InProgress]);
  });

  it('runs the method when a resent claim finds its own first attempt (the reply was lost)', async () => {
    // ioredis resends a command after a reconnect: the first SET NX GET landed, the resend answers
    // with the claim it wrote.
    redis.set.mockImplementationOnce(async (_key: string, record: string) => record);
    replies(1);
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(method).toHaveBeenCalledTimes(1);
    expect(logger.decisions()).toEqual([Decision.Miss]);
  });

  it('runs the method after taking over an expired claim and logs the takeover where the store can tell', async () => {
    // Redis simply drops an expired claim (the lease is the key's expiry); MemoryStore and
    // DynamoDBStore keep it and report the takeover.
    const store = new MemoryStore();
    await store.claim({ key: RECORD_KEY, token: 'crashed', leaseMs: 1, ttlMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(wrap({ store })({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(logger.decisions()).toEqual([Decision.LeaseTakeover, Decision.Miss]);
  });

  it('rejects a repeat with a different validated payload, completed or in progress', async () => {
    const options = { key: 'orderId', validate: 'body' };
    const storedHash = hashValue(JSON.parse('"original"'));
    replies(encodeCompleted(storedHash, '1'), `P|other|${Date.now() + 2_000}|${storedHash}`);
    await expect(wrap(options)({ orderId: 'order-1', body: '"tampered"' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    await expect(wrap(options)({ orderId: 'order-1', body: '"tampered"' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(method).not.toHaveBeenCalled();
    expect(logger.decisions()).toEqual([Decision.PayloadMismatch, Decision.PayloadMismatch]);
  });

  it('replays when the validated payload matches', async () => {
    replies(encodeCompleted(hashValue('same'), '"stored"'));
    await expect(wrap({ validate: 'body' })({ orderId: 'order-1', body: 'same' })).resolves.toBe('stored');
  });

  it('releases the claim and rethrows the original error when the method throws', async () => {
    const failure = new Error('card declined');
    method.mockRejectedValueOnce(failure);
    replies(CLAIMED, 1);
    await expect(wrap()({ orderId: 'order-1' })).rejects.toBe(failure);
    const [claim, release] = scriptCalls(redis);
    expect(release).toEqual(['release', RECORD_KEY, claim?.[2]]);
    expect(logger.decisions()).toEqual([Decision.Released]);
  });

  it('keeps the original error when the release fails too, with the release error attached', async () => {
    const failure = new Error('card declined');
    method.mockRejectedValueOnce(failure);
    replies(CLAIMED, new Error('Connection is closed.'));
    const thrown = await wrap()({ orderId: 'order-1' }).catch((e: unknown) => e);
    expect(thrown).toBe(failure);
    expect((thrown as { idempotencyReleaseError?: unknown }).idempotencyReleaseError).toBeInstanceOf(IdempotencyStoreError);
    expect(logger.lines.map((l) => [l.level, l.attributes.decision])).toEqual([['error', 'store_error']]);
  });

  it('does not run the method when the claim fails (fail closed)', async () => {
    replies(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow(IdempotencyStoreError);
    expect(method).not.toHaveBeenCalled();
    expect(logger.lines[0]).toMatchObject({ level: 'error', attributes: { decision: 'store_error', error: { code: 'IDEMPOTENCY_STORE' } } });
  });

  it("runs the method unprotected when the claim fails and onStoreError is 'continue'", async () => {
    replies(new Error('Command timed out'));
    await expect(wrap({ onStoreError: 'continue' })({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(method).toHaveBeenCalledTimes(1);
    expect(logger.lines.map((l) => [l.level, l.attributes.decision])).toEqual([
      ['error', 'store_error'],
      ['warn', 'fail_open'],
    ]);
  });

  it("never runs the method over a corrupt record, even with onStoreError 'continue'", async () => {
    replies('garbage');
    await expect(wrap({ onStoreError: 'continue' })({ orderId: 'order-1' })).rejects.toThrow(IdempotencyCorruptRecordError);
    replies(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    await expect(wrap({ onStoreError: 'continue' })({ orderId: 'order-1' })).rejects.toThrow(IdempotencyCorruptRecordError);
    expect(method).not.toHaveBeenCalled();
  });

  it('surfaces a failed completion write as IdempotencyCompletionError carrying the result', async () => {
    replies(CLAIMED, new Error('Command timed out'));
    const error = await wrap()({ orderId: 'order-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyCompletionError);
    expect((error as IdempotencyCompletionError).result).toEqual({ charged: true });
    expect(scriptCalls(redis).map((c) => c[0])).toEqual(['claim', 'complete']); // no release: the claim is kept
    expect(logger.lines.map((l) => [l.level, l.attributes.decision])).toEqual([['error', 'store_error']]);
  });

  it('returns the result and logs lease_lost when the token no longer owns the record', async () => {
    replies(CLAIMED, 0);
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(logger.lines.map((l) => [l.level, l.attributes.decision])).toEqual([['error', 'lease_lost']]);
  });

  it('bounds the lease by the Lambda remaining time and by leaseSeconds', async () => {
    replies(CLAIMED, 1, CLAIMED, 1, CLAIMED, 1);
    const fn = makeIdempotent(async function bounded(_e: unknown, _c?: unknown) { return 1; }, { store: new RedisStore(redis as unknown as Redis), logger });
    await fn('e1', lambdaContext(4_321));
    await fn('e2');
    const withLease = makeIdempotent(async function leased(_e: unknown, _c?: unknown) { return 1; }, { store: new RedisStore(redis as unknown as Redis), logger, leaseSeconds: 10 });
    await withLease('e3', lambdaContext(4_321));
    const claims = scriptCalls(redis).filter((c) => c[0] === 'claim');
    // The lease is the in-progress key's expiry (PX).
    expect(claims.map((c) => c[3])).toEqual([4_321, 60_000, 4_321]);
  });

  it('takes a remaining time of zero, negative or not finite as unknown, and caps one over 15 minutes', async () => {
    const answers = [0, -250, Number.NaN, Number.POSITIVE_INFINITY, 1e19, 2_000_000];
    replies(...answers.flatMap(() => [CLAIMED, 1]), ...answers.flatMap(() => [CLAIMED, 1]));
    const unset = makeIdempotent(async function unsetLease(_e: unknown, _c?: unknown) { return 1; }, { store: new RedisStore(redis as unknown as Redis), logger });
    const leased = makeIdempotent(async function tenSeconds(_e: unknown, _c?: unknown) { return 1; }, { store: new RedisStore(redis as unknown as Redis), logger, leaseSeconds: 10 });
    for (const [i, remaining] of answers.entries()) await unset(`u${i}`, lambdaContext(remaining));
    for (const [i, remaining] of answers.entries()) await leased(`l${i}`, lambdaContext(remaining));
    const leases = scriptCalls(redis).filter((c) => c[0] === 'claim').map((c) => c[3]);
    // Unknown: leaseSeconds, else the 60 s default (a 1 ms lease let an overlapping duplicate run);
    // beyond Lambda's 15 minutes: 15 minutes (1e19 reached Redis as a PX it refused).
    expect(leases).toEqual([60_000, 60_000, 60_000, 60_000, 900_000, 900_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
  });

  it('replays undefined as undefined', async () => {
    method.mockResolvedValueOnce(undefined);
    replies(CLAIMED, 1, encodeCompleted(undefined, undefined));
    const fn = wrap();
    await expect(fn({ orderId: 'order-1' })).resolves.toBeUndefined();
    expect(scriptCalls(redis)[1]?.[3]).toBe(`C||t${String(scriptCalls(redis)[0]?.[2])}|u`);
    await expect(fn({ orderId: 'order-1' })).resolves.toBeUndefined();
    expect(method).toHaveBeenCalledTimes(1);
  });

  it('fails with IdempotencyResultError naming the method for a result JSON cannot hold', async () => {
    method.mockResolvedValueOnce({ amount: 10n });
    replies(CLAIMED);
    await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow(/chargeOrder: the result cannot be serialized.*BigInt/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    method.mockResolvedValueOnce(cyclic);
    replies(CLAIMED);
    await expect(wrap()({ orderId: 'order-2' })).rejects.toThrow(IdempotencyResultError);
    expect(scriptCalls(redis).map((c) => c[0])).toEqual(['claim', 'claim']); // nothing corrupt was written
  });

  it('rejects a result over maxResultBytes without writing it', async () => {
    method.mockResolvedValueOnce('é'.repeat(600));
    replies(CLAIMED);
    await expect(wrap({ maxResultBytes: 1000 })({ orderId: 'order-1' })).rejects.toThrow(/over maxResultBytes \(1000\)/);
    expect(scriptCalls(redis).map((c) => c[0])).toEqual(['claim']);
  });

  it('runs without idempotency and warns, naming the path, when the key is missing and requireKey is false', async () => {
    await expect(wrap({ requireKey: false })({})).resolves.toEqual({ charged: true });
    expect(redis.calls).toEqual([]);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'warn', attributes: expect.objectContaining({ decision: 'key_missing', error: expect.objectContaining({ message: expect.stringContaining("`key` path 'orderId' found nothing") }) }) }),
    ]);
  });

  it('throws IdempotencyKeyError before anything runs when the key is missing (requireKey defaults to true)', async () => {
    await expect(wrap()({ orderId: '' })).rejects.toThrow(IdempotencyKeyError);
    expect(method).not.toHaveBeenCalled();
    expect(redis.calls).toEqual([]);
  });

  it('fixes the key before the method runs, so a method that mutates its event releases its own record', async () => {
    method.mockImplementationOnce(async (event: { orderId: string }) => {
      event.orderId = 'mutated';
      throw new Error('boom');
    });
    replies(CLAIMED, 1);
    await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow('boom');
    expect(scriptCalls(redis).map((c) => c[1])).toEqual([RECORD_KEY, RECORD_KEY]);
  });

  it('fails with IdempotencyConfigError, running nothing, when no store is configured', async () => {
    const fn = makeIdempotent(async function noStore(_event: unknown) { return method(); }, { logger });
    await expect(fn('event')).rejects.toThrow(IdempotencyConfigError);
    await expect(fn('event')).rejects.toThrow(/configureIdempotency\(\{ store/);
    expect(method).not.toHaveBeenCalled();
  });
});
