import { configureIdempotency, IdempotencyPayloadMismatchError, MemoryStore, resetIdempotencyConfig } from 'lambda-idempotency';
import { OrdersHandler } from './OrdersHandler';
import { RefundsHandler } from './RefundsHandler';

describe('OrdersHandler', () => {
  const decisions: string[] = [];

  beforeEach(() => {
    decisions.length = 0;
    configureIdempotency({
      store: new MemoryStore(),                           // in process, empty for each test
      logger: { info() {}, warn() {}, error() {} },       // quiet
      onDecision: (line) => void decisions.push(line.decision), // 'miss', 'hit', ...
    });
  });
  afterEach(() => resetIdempotencyConfig());              // the next test starts from nothing

  it('charges an order once, however often it is delivered', async () => {
    const handler = new OrdersHandler();
    const first = await handler.charge({ orderId: 'o-1', amountCents: 500 });
    const again = await handler.charge({ orderId: 'o-1', amountCents: 500 });
    expect(again).toEqual(first);
    expect(handler.charges).toBe(1);
    expect(decisions).toEqual(['miss', 'hit']);
  });

  it('refuses the same order with another amount', async () => {
    const handler = new OrdersHandler();
    await handler.charge({ orderId: 'o-2', amountCents: 500 });
    await expect(handler.charge({ orderId: 'o-2', amountCents: 900 })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(decisions).toEqual(['miss', 'payload_mismatch']);
  });

  it('uses the store a handler is given (@IdempotentClass), so a test can hand it its own', async () => {
    const store = new MemoryStore();
    const handler = new RefundsHandler(store);
    await handler.refund({ refundId: 'r-1' });
    await handler.refund({ refundId: 'r-1' });
    expect(handler.refunds).toBe(1);
    expect(store.size).toBe(1);
  });
});
