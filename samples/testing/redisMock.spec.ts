import RedisMock from 'ioredis-mock';
import { configureIdempotency, lambdaRedisOptions, RedisStore, resetIdempotencyConfig } from 'lambda-idempotency';
import { OrdersHandler } from './OrdersHandler';

describe('OrdersHandler against a mocked Redis', () => {
  const redis = new RedisMock(lambdaRedisOptions()); // the options RedisStore builds its own clients with
  const store = new RedisStore(redis);                // one per file, as one per container in Lambda

  beforeEach(() => {
    configureIdempotency({ store, logger: { info() {}, warn() {}, error() {} } });
  });
  afterEach(async () => {
    resetIdempotencyConfig();
    await redis.flushall(); // ioredis-mock keeps its data between clients: start each test empty
  });
  afterAll(async () => {
    await new Promise((resolve) => setImmediate(resolve)); // the store's one INFO (its eviction check) ends
    redis.disconnect(); // a client you pass stays yours: store.close() leaves it open
  });

  it('charges an order once, however often it is delivered', async () => {
    const handler = new OrdersHandler();
    const event = { orderId: 'o-1', amountCents: 500 };
    const [first, second] = await Promise.allSettled([handler.charge(event), handler.charge(event)]);
    expect(first).toEqual({ status: 'fulfilled', value: { chargeId: 'ch_o-1', amountCents: 500 } });
    expect(second).toMatchObject({ status: 'rejected', reason: { name: 'IdempotencyInProgressError' } });
    expect(await handler.charge(event)).toEqual({ chargeId: 'ch_o-1', amountCents: 500 });
    expect(handler.charges).toBe(1);
  });
});
