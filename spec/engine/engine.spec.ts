import {
  ClaimOutcome,
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
  resetIdempotencyConfig,
} from '../../lib';
import { lambdaContext } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';
import { completedClaim, inProgressClaim, ScriptedStore } from '../helpers/scriptedStore';

/**
 * Unit tests of the engine's decisions over a scripted store: each store answer (and failure) is
 * given per call, so each branch is forced exactly, and every call the engine makes is recorded.
 * What a real store does with those calls is proven by the store contract and the Redis, DynamoDB
 * and concurrency suites, not here.
 */

const KEY_HASH = hashValue('order-1');
const RECORD_KEY = `idempotency:chargeOrder:${KEY_HASH}`;

describe('engine decisions (scripted store)', () => {
  let store: ScriptedStore;
  let logger: CaptureLogger;
  let method: jest.Mock;

  // One function, wrapped anew per test: a default namespace belongs to one function per process.
  async function chargeOrder(event: { orderId?: string; body?: string }) {
    return method(event);
  }
  function wrap(options: Parameters<typeof makeIdempotent>[1] = {}) {
    return makeIdempotent(chargeOrder, { key: 'orderId', store, logger, ...options });
  }
  const levels = (): Array<[string, string]> => logger.lines.map((l) => [l.level, l.attributes.decision]);

  beforeEach(() => {
    store = new ScriptedStore();
    logger = new CaptureLogger();
    method = jest.fn(async () => ({ charged: true }));
  });
  afterEach(() => resetIdempotencyConfig());

  it('replays the stored result without running the method', async () => {
    store.answer('claim', completedClaim('{"charged":"earlier"}'));
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: 'earlier' });
    expect(method).not.toHaveBeenCalled();
    expect(store.methods()).toEqual(['claim']);
    expect(logger.lines).toEqual([
      { level: 'info', message: expect.stringContaining('hit'), attributes: expect.objectContaining({ decision: 'hit', namespace: 'chargeOrder', keyHash: KEY_HASH }) },
    ]);
  });

  it('runs the method once on a miss and completes with the claim token', async () => {
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(method).toHaveBeenCalledTimes(1);
    const [claim] = store.callsOf('claim');
    const [complete] = store.callsOf('complete');
    expect(store.methods()).toEqual(['claim', 'complete']);
    expect(claim?.key).toBe(RECORD_KEY);
    expect(complete).toEqual({ method: 'complete', key: RECORD_KEY, token: claim?.token, payload: '{"charged":true}', validationHash: undefined, ttlMs: 3_600_000 });
    expect(logger.decisions()).toEqual([Decision.Miss]);
  });

  it('throws IdempotencyInProgressError with the lease time the store reports left on a live claim', async () => {
    store.answer('claim', inProgressClaim(2_500, { nowMs: 1_000 }));
    const error = await wrap()({ orderId: 'order-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    // On the store's clock: the lease end minus the store's now, whatever this process' clock says.
    expect((error as IdempotencyInProgressError).retryAfterMs).toBe(2_500);
    expect(method).not.toHaveBeenCalled();
    expect(store.methods()).toEqual(['claim']);
    expect(logger.decisions()).toEqual([Decision.InProgress]);
  });

  it('runs the method when a resent claim finds its own first attempt (the reply was lost)', async () => {
    // A client that resends after a reconnect: the first claim landed, the resend finds the claim
    // it wrote, with this call's own token.
    store.answer('claim', ({ leaseMs, token }) => inProgressClaim(leaseMs, { token }));
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(method).toHaveBeenCalledTimes(1);
    expect(store.methods()).toEqual(['claim', 'complete']);
    expect(logger.decisions()).toEqual([Decision.Miss]);
  });

  it('runs the method after taking over an expired claim and logs the takeover', async () => {
    // Stores that keep ended claims (memory, DynamoDB) say so; on Redis an ended claim is gone.
    store.answer('claim', { outcome: ClaimOutcome.TakenOver, leaseExpiresAtMs: Date.now() + 60_000 });
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(logger.decisions()).toEqual([Decision.LeaseTakeover, Decision.Miss]);
  });

  it('rejects a repeat with a different validated payload, completed or in progress', async () => {
    const options = { key: 'orderId', validate: 'body' };
    const storedHash = hashValue(JSON.parse('"original"'));
    store.answer('claim', completedClaim('1', storedHash), inProgressClaim(2_000, { validationHash: storedHash }));
    await expect(wrap(options)({ orderId: 'order-1', body: '"tampered"' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    await expect(wrap(options)({ orderId: 'order-1', body: '"tampered"' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(method).not.toHaveBeenCalled();
    expect(logger.decisions()).toEqual([Decision.PayloadMismatch, Decision.PayloadMismatch]);
  });

  it('replays when the validated payload matches, and claims with its hash', async () => {
    store.answer('claim', completedClaim('"stored"', hashValue('same')));
    await expect(wrap({ validate: 'body' })({ orderId: 'order-1', body: 'same' })).resolves.toBe('stored');
    expect(store.callsOf('claim')[0]?.validationHash).toBe(hashValue('same'));
  });

  it('releases the claim and rethrows the original error when the method throws', async () => {
    const failure = new Error('card declined');
    method.mockRejectedValueOnce(failure);
    await expect(wrap()({ orderId: 'order-1' })).rejects.toBe(failure);
    const [claim] = store.callsOf('claim');
    expect(store.methods()).toEqual(['claim', 'release']);
    expect(store.callsOf('release')).toEqual([{ method: 'release', key: RECORD_KEY, token: claim?.token }]);
    expect(logger.decisions()).toEqual([Decision.Released]);
  });

  it('keeps the original error when the release fails too, with the release error attached', async () => {
    const failure = new Error('card declined');
    method.mockRejectedValueOnce(failure);
    store.answer('release', new Error('Connection is closed.'));
    const thrown = await wrap()({ orderId: 'order-1' }).catch((e: unknown) => e);
    expect(thrown).toBe(failure);
    expect((thrown as { idempotencyReleaseError?: unknown }).idempotencyReleaseError).toBeInstanceOf(IdempotencyStoreError);
    expect(levels()).toEqual([['error', 'store_error']]);
  });

  it('does not run the method when the claim fails (fail closed), and releases its own token in case the claim lands later', async () => {
    store.answer('claim', new Error('connect ECONNREFUSED 127.0.0.1:6379'), new IdempotencyStoreError('timed out'));
    for (let i = 0; i < 2; i++) await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow(IdempotencyStoreError);
    expect(method).not.toHaveBeenCalled();
    expect(logger.lines[0]).toMatchObject({ level: 'error', attributes: { decision: 'store_error', error: { code: 'IDEMPOTENCY_STORE' } } });
    expect(store.callsOf('release').map((c) => c.token)).toEqual(store.callsOf('claim').map((c) => c.token));
  });

  it("runs the method unprotected when the claim fails and onStoreError is 'continue'", async () => {
    store.answer('claim', new Error('Command timed out'));
    await expect(wrap({ onStoreError: 'continue' })({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(method).toHaveBeenCalledTimes(1);
    expect(store.methods()).toEqual(['claim', 'release']); // the failed claim's release; nothing recorded
    expect(levels()).toEqual([
      ['error', 'store_error'],
      ['warn', 'fail_open'],
    ]);
  });

  it("never runs the method over a corrupt record, even with onStoreError 'continue'", async () => {
    store.answer('claim', new IdempotencyCorruptRecordError('idempotency:chargeOrder:…: not a record'));
    await expect(wrap({ onStoreError: 'continue' })({ orderId: 'order-1' })).rejects.toThrow(IdempotencyCorruptRecordError);
    expect(method).not.toHaveBeenCalled();
    expect(store.methods()).toEqual(['claim']); // not an outage: nothing to release
  });

  it('surfaces a failed completion write as IdempotencyCompletionError carrying the result', async () => {
    store.answer('complete', new Error('Command timed out'));
    const error = await wrap()({ orderId: 'order-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyCompletionError);
    expect((error as IdempotencyCompletionError).result).toEqual({ charged: true });
    expect(store.methods()).toEqual(['claim', 'complete']); // no release: the claim is kept
    expect(levels()).toEqual([['error', 'store_error']]);
  });

  it('returns the result and logs lease_lost when the token no longer owns the record', async () => {
    store.answer('complete', false);
    await expect(wrap()({ orderId: 'order-1' })).resolves.toEqual({ charged: true });
    expect(levels()).toEqual([['error', 'lease_lost']]);
  });

  it('bounds the lease by the Lambda remaining time and by leaseSeconds', async () => {
    const fn = makeIdempotent(async function bounded(_e: unknown, _c?: unknown) { return 1; }, { store, logger });
    await fn('e1', lambdaContext(4_321));
    await fn('e2');
    const withLease = makeIdempotent(async function leased(_e: unknown, _c?: unknown) { return 1; }, { store, logger, leaseSeconds: 10 });
    await withLease('e3', lambdaContext(4_321));
    expect(store.callsOf('claim').map((c) => c.leaseMs)).toEqual([4_321, 60_000, 4_321]);
  });

  it('takes a remaining time of zero, negative or not finite as unknown, and caps one over 15 minutes', async () => {
    const answers = [0, -250, Number.NaN, Number.POSITIVE_INFINITY, 1e19, 2_000_000];
    const unset = makeIdempotent(async function unsetLease(_e: unknown, _c?: unknown) { return 1; }, { store, logger });
    const leased = makeIdempotent(async function tenSeconds(_e: unknown, _c?: unknown) { return 1; }, { store, logger, leaseSeconds: 10 });
    for (const [i, remaining] of answers.entries()) await unset(`u${i}`, lambdaContext(remaining));
    for (const [i, remaining] of answers.entries()) await leased(`l${i}`, lambdaContext(remaining));
    // Unknown: leaseSeconds, else the 60 s default (a 1 ms lease let an overlapping duplicate run);
    // beyond Lambda's 15 minutes: 15 minutes (1e19 reached Redis as a PX it refused).
    expect(store.callsOf('claim').map((c) => c.leaseMs)).toEqual([60_000, 60_000, 60_000, 60_000, 900_000, 900_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
  });

  it('records undefined as no payload and replays it as undefined', async () => {
    method.mockResolvedValueOnce(undefined);
    const fn = wrap();
    await expect(fn({ orderId: 'order-1' })).resolves.toBeUndefined();
    expect(store.callsOf('complete')[0]?.payload).toBeUndefined();
    store.answer('claim', completedClaim(undefined));
    await expect(fn({ orderId: 'order-1' })).resolves.toBeUndefined();
    expect(method).toHaveBeenCalledTimes(1);
  });

  it('fails with IdempotencyResultError naming the method for a result JSON cannot hold', async () => {
    method.mockResolvedValueOnce({ amount: 10n });
    await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow(/chargeOrder: the result cannot be serialized.*BigInt/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    method.mockResolvedValueOnce(cyclic);
    await expect(wrap()({ orderId: 'order-2' })).rejects.toThrow(IdempotencyResultError);
    expect(store.methods()).toEqual(['claim', 'claim']); // nothing corrupt was written
  });

  it('rejects a result over maxResultBytes without writing it', async () => {
    method.mockResolvedValueOnce('é'.repeat(600));
    await expect(wrap({ maxResultBytes: 1000 })({ orderId: 'order-1' })).rejects.toThrow(/over maxResultBytes \(1000\)/);
    expect(store.methods()).toEqual(['claim']);
  });

  it("rejects a result over what the store holds (its maxPayloadBytes) without writing it, keeping the claim", async () => {
    store = new ScriptedStore(100);
    method.mockResolvedValueOnce('x'.repeat(200));
    await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow(/202 bytes stored, over what the store holds \(100\)/);
    await expect(wrap()({ orderId: 'order-2' })).resolves.toEqual({ charged: true }); // a smaller one is stored
    expect(store.methods()).toEqual(['claim', 'claim', 'complete']);
    expect(levels()).toEqual([['error', 'store_error'], ['info', 'miss']]);
  });

  it('runs without idempotency and warns, naming the path, when the key is missing and requireKey is false', async () => {
    await expect(wrap({ requireKey: false })({})).resolves.toEqual({ charged: true });
    expect(store.calls).toEqual([]);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'warn', attributes: expect.objectContaining({ decision: 'key_missing', error: expect.objectContaining({ message: expect.stringContaining("`key` path 'orderId' found nothing") }) }) }),
    ]);
  });

  it('throws IdempotencyKeyError before anything runs when the key is missing (requireKey defaults to true)', async () => {
    await expect(wrap()({ orderId: '' })).rejects.toThrow(IdempotencyKeyError);
    expect(method).not.toHaveBeenCalled();
    expect(store.calls).toEqual([]);
  });

  it('fixes the key before the method runs, so a method that mutates its event releases its own record', async () => {
    method.mockImplementationOnce(async (event: { orderId: string }) => {
      event.orderId = 'mutated';
      throw new Error('boom');
    });
    await expect(wrap()({ orderId: 'order-1' })).rejects.toThrow('boom');
    expect(store.calls.map((c) => c.key)).toEqual([RECORD_KEY, RECORD_KEY]);
  });

  it('fails with IdempotencyConfigError, running nothing, when no store is configured', async () => {
    const fn = makeIdempotent(async function noStore(_event: unknown) { return method(); }, { logger });
    await expect(fn('event')).rejects.toThrow(IdempotencyConfigError);
    await expect(fn('event')).rejects.toThrow(/configureIdempotency\(\{ store/);
    expect(method).not.toHaveBeenCalled();
  });
});
