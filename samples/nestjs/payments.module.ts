import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Idempotent, type IdempotencyStore } from 'lambda-idempotency';
import { PaymentsService } from '../payments/PaymentsService';
import { storeFromEnv } from '../storeFromEnv';

/** DI token of the idempotency store. */
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

/**
 * A NestJS provider whose methods are Lambda handlers. The store comes from Nest's container,
 * read from the instance at call time (`store: (self) => self.store`): no global configuration.
 */
@Injectable()
export class ChargeHandler {
  constructor(
    private readonly payments: PaymentsService,
    @Inject(IDEMPOTENCY_STORE) readonly store: IdempotencyStore,
  ) {}

  @Idempotent({ key: 'orderId', validate: ['amountCents', 'currency'], store: (self: ChargeHandler) => self.store })
  async charge(event: { orderId: string; amountCents: number; currency: string }) {
    return this.payments.charge(event.orderId, event.amountCents, event.currency);
  }
}

@Module({
  providers: [
    { provide: PaymentsService, useFactory: () => new PaymentsService(20) },
    { provide: IDEMPOTENCY_STORE, useFactory: () => storeFromEnv() },
    ChargeHandler,
  ],
})
export class PaymentsModule implements OnApplicationShutdown {
  constructor(@Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore) {}

  /**
   * `app.close()` closes the store's connection (a RedisStore built from a URL), so a test or a
   * script that closes the application exits instead of waiting on an open socket.
   */
  async onApplicationShutdown(): Promise<void> {
    await (this.store as IdempotencyStore & { close?: () => Promise<void> }).close?.();
  }
}
