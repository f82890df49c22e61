import 'reflect-metadata';
import { Test, type TestingModule } from '@nestjs/testing';
import { MemoryStore } from 'lambda-idempotency';
import { ChargeHandler, IDEMPOTENCY_STORE, PaymentsModule } from '../nestjs/payments.module';
import { PaymentsService } from '../payments/PaymentsService';

describe('ChargeHandler in a Nest testing module', () => {
  let moduleRef: TestingModule;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({ imports: [PaymentsModule] })
      .overrideProvider(IDEMPOTENCY_STORE) // the module's factory (Redis when REDIS_URL is set) never runs
      .useValue(new MemoryStore())
      .compile();
  });
  afterEach(() => moduleRef.close()); // runs OnApplicationShutdown, which closes the store

  it('charges once for a repeated event', async () => {
    const handler = moduleRef.get(ChargeHandler);
    const event = { orderId: 'o-1', amountCents: 500, currency: 'EUR' };
    const first = await handler.charge(event);
    expect(await handler.charge(event)).toEqual(first);
    expect(moduleRef.get(PaymentsService).charges).toHaveLength(1);
  });
});
