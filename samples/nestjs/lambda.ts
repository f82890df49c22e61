import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Context } from 'aws-lambda';
import { ChargeHandler, PaymentsModule } from './payments.module';

// One application context per Lambda container, created on the first invocation and reused by
// every later one (a promise, so concurrent first calls share it).
let app: Promise<INestApplicationContext> | undefined;

/** The container's Nest application context. */
export function applicationContext(): Promise<INestApplicationContext> {
  app ??= NestFactory.createApplicationContext(PaymentsModule, { logger: false });
  return app;
}

/** Lambda entry point: resolves the handler from Nest and calls it. */
export async function handler(event: { orderId: string; amountCents: number; currency: string }, _context?: Context) {
  const charge = (await applicationContext()).get(ChargeHandler);
  return charge.charge(event);
}
