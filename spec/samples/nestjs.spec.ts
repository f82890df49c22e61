import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { configureIdempotency, getIdempotencyOptions, MemoryStore, RedisStore, resetIdempotencyConfig } from '../../lib';
import { applicationContext, handler } from '../../samples/nestjs/lambda';
import { NestFactory } from '@nestjs/core';
import { ChargeHandler, IDEMPOTENCY_STORE, PaymentsModule } from '../../samples/nestjs/payments.module';
import { PaymentsService } from '../../samples/payments/PaymentsService';
import { startRedisServer, type RedisServer } from '../helpers/redisServer';
import { CaptureLogger } from '../helpers/logger';

/** The NestJS sample on Nest 11 (CommonJS); Nest 12 (ESM only) is run under plain node in esm.spec.ts. */
describe('NestJS sample (@nestjs/core 11)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
    process.env.REDIS_URL = server.url;
    configureIdempotency({ logger: new CaptureLogger() });
  });
  afterAll(async () => {
    await (await applicationContext()).close(); // closes the store too (PaymentsModule.onApplicationShutdown)
    delete process.env.REDIS_URL;
    resetIdempotencyConfig();
    await server.stop();
  });

  it('resolves the handler with its injected store and service, once per container', async () => {
    const first = await applicationContext();
    expect(await applicationContext()).toBe(first);
    const charge = first.get(ChargeHandler);
    expect(charge.store).toBeInstanceOf(RedisStore);
    expect(getIdempotencyOptions(ChargeHandler, 'charge')).toMatchObject({ key: 'orderId', name: 'ChargeHandler.charge' });
  });

  it('charges once across invocations through the Nest-injected Redis store', async () => {
    const event = { orderId: randomUUID(), amountCents: 500, currency: 'EUR' };
    const results = await Promise.allSettled([handler(event), handler(event), handler(event)]);
    await new Promise((r) => setTimeout(r, 100));
    const replay = await handler(event);
    const payments = (await applicationContext()).get(PaymentsService);
    expect(payments.charges.filter((c) => c.orderId === event.orderId)).toHaveLength(1);
    const fulfilled = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof handler>>> => r.status === 'fulfilled');
    expect(fulfilled.every((r) => r.value.paymentId === replay.paymentId)).toBe(true);
    await expect(handler({ ...event, amountCents: 501 })).rejects.toThrow(/different payload/);
  });

  it('closes its Redis store when the application closes (OnApplicationShutdown), so the process can exit', async () => {
    const app = await NestFactory.createApplicationContext(PaymentsModule, { logger: false });
    const store = app.get<RedisStore>(IDEMPOTENCY_STORE);
    await store.get('idempotency:nest-shutdown:probe'); // connected
    expect(store.client.status).toBe('ready');
    const ended = new Promise((resolve) => store.client.once('end', resolve));
    await app.close();
    await ended; // the connection is gone (the test times out if it stays open)
    expect(store.client.status).toBe('end');
  });

  it('uses the store of each instance: no process-wide store is configured', () => {
    const store = new MemoryStore();
    const own = new ChargeHandler(new PaymentsService(1), store);
    return own.charge({ orderId: 'x', amountCents: 1, currency: 'EUR' }).then(() => expect(store.size).toBe(1));
  });
});
