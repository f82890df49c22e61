import { hashValue, IdempotencyConfigError, makeIdempotent, MemoryStore, RecordStatus, resetIdempotencyConfig } from '../../lib';
import { CaptureLogger } from '../helpers/logger';

/**
 * The wrapper itself: what it passes through, when it checks, and where its records go. What a
 * call decides (replay, in progress, release) is the engine's, in spec/engine/; a function
 * wrapped twice is refused in spec/core/key/namespace.spec.ts.
 */
describe('makeIdempotent', () => {
  afterEach(() => resetIdempotencyConfig()); // forget the default namespaces claimed below

  it('passes `this` and every argument to the function, and keeps its name', async () => {
    const store = new MemoryStore();
    const handler = {
      currency: 'EUR',
      charge: makeIdempotent(async function charge(this: { currency: string }, event: { id: string }, context: { requestId: string }) {
        return `${event.id} in ${this.currency} for ${context.requestId}`;
      }, { key: 'id', store, logger: new CaptureLogger() }),
    };
    await expect(handler.charge({ id: 'o-1' }, { requestId: 'r-1' })).resolves.toBe('o-1 in EUR for r-1');
    expect(handler.charge.name).toBe('charge');
  });

  it('makes a synchronous function idempotent too: its result is replayed, and its throw is a rejection that releases the key', async () => {
    const store = new MemoryStore();
    let runs = 0;
    const settle = makeIdempotent(function settleSync(event: { id: string; fail?: boolean }) {
      runs++;
      if (event.fail) throw new Error('ledger closed');
      return `settled ${event.id}`;
    }, { key: 'id', store, logger: new CaptureLogger() });
    await expect(settle({ id: 's-1' })).resolves.toBe('settled s-1');
    await expect(settle({ id: 's-1' })).resolves.toBe('settled s-1');
    expect(runs).toBe(1);

    let rejection: Promise<string> | undefined;
    expect(() => (rejection = settle({ id: 's-2', fail: true }))).not.toThrow();
    await expect(rejection).rejects.toThrow('ledger closed');
    await expect(store.get(`idempotency:settleSync:${hashValue('s-2')}`)).resolves.toBeUndefined();
    expect(runs).toBe(2);
  });

  it('refuses what is not a function when wrapping, not on the first call', () => {
    expect(() => makeIdempotent('charge' as never)).toThrow(IdempotencyConfigError);
    expect(() => makeIdempotent(undefined as never)).toThrow(/Expected a function to make idempotent, got undefined/);
  });

  it("writes its records under options.name, else under the function's name", async () => {
    const store = new MemoryStore();
    const options = { key: 'id', store, logger: new CaptureLogger() };
    const named = makeIdempotent(async function refund(event: { id: string }) { return event.id; }, { ...options, name: 'payments.refund' });
    const unnamed = makeIdempotent(async function capture(event: { id: string }) { return event.id; }, options);
    await named({ id: 'n-1' });
    await unnamed({ id: 'n-1' });
    await expect(store.get(`idempotency:payments.refund:${hashValue('n-1')}`)).resolves.toMatchObject({ status: RecordStatus.Completed });
    await expect(store.get(`idempotency:capture:${hashValue('n-1')}`)).resolves.toMatchObject({ status: RecordStatus.Completed });
    await expect(store.get(`idempotency:refund:${hashValue('n-1')}`)).resolves.toBeUndefined();
  });
});
