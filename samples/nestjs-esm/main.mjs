// NestJS 12 is published as ES modules only. This sample runs it under plain node, against the
// built lambda-idempotency package. Plain JavaScript has no decorator syntax on Node 20, so the
// decorators are applied with Reflect.decorate, exactly as TypeScript compiles them.
import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Idempotent, MemoryStore, RedisStore } from 'lambda-idempotency';

const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

class Payments {
  charges = [];
  async charge(orderId, amountCents) {
    await new Promise((r) => setTimeout(r, 20));
    this.charges.push(orderId);
    return { paymentId: `pay_${this.charges.length}`, orderId, amountCents };
  }
}

class ChargeHandler {
  constructor(payments, store) {
    this.payments = payments;
    this.store = store;
  }
  async charge(event) {
    return this.payments.charge(event.orderId, event.amountCents);
  }
}
// Reflect.decorate returns the decorated descriptor; installing it is the caller's job (what
// TypeScript's __decorate helper does).
Object.defineProperty(
  ChargeHandler.prototype,
  'charge',
  Reflect.decorate(
    [Idempotent({ key: 'orderId', validate: 'amountCents', store: (self) => self.store })],
    ChargeHandler.prototype,
    'charge',
    Object.getOwnPropertyDescriptor(ChargeHandler.prototype, 'charge'),
  ),
);
Inject(Payments)(ChargeHandler, undefined, 0);
Inject(IDEMPOTENCY_STORE)(ChargeHandler, undefined, 1);
Reflect.decorate([Injectable()], ChargeHandler);

class PaymentsModule {
  constructor(store) {
    this.store = store;
  }

  // app.close() closes the store's connection (a RedisStore built from a URL), so the process exits.
  async onApplicationShutdown() {
    await this.store.close?.();
  }
}
Inject(IDEMPOTENCY_STORE)(PaymentsModule, undefined, 0);
Reflect.decorate(
  [
    Module({
      providers: [
        Payments,
        { provide: IDEMPOTENCY_STORE, useFactory: () => (process.env.REDIS_URL ? new RedisStore(process.env.REDIS_URL) : new MemoryStore()) },
        ChargeHandler,
      ],
    }),
  ],
  PaymentsModule,
);
Reflect.decorate([Injectable()], Payments);

let app;
const applicationContext = () => (app ??= NestFactory.createApplicationContext(PaymentsModule, { logger: false }));

export async function handler(event) {
  return (await applicationContext()).get(ChargeHandler).charge(event);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { version } = (await import('@nestjs/core/package.json', { with: { type: 'json' } })).default;
  const orderId = `order-${Date.now()}`;
  const settled = await Promise.allSettled([1, 2, 3].map(() => handler({ orderId, amountCents: 100 })));
  await new Promise((r) => setTimeout(r, 50));
  const replay = await handler({ orderId, amountCents: 100 });
  const mismatch = await handler({ orderId, amountCents: 999 }).then(() => 'none', (err) => err.name);
  const ctx = await applicationContext();
  console.log(JSON.stringify({
    nest: version,
    store: ctx.get(IDEMPOTENCY_STORE).constructor.name,
    charges: ctx.get(Payments).charges.length,
    fulfilled: settled.filter((s) => s.status === 'fulfilled').length,
    replayPaymentId: replay.paymentId,
    mismatch,
  }));
  await ctx.close(); // closes the store too (PaymentsModule.onApplicationShutdown)
}
