// Middy (7.x, ES modules) with the lambda-idempotency middleware: claim in `before`, complete in
// `after`, release in `onError`. Handlers that return undefined still complete. With other
// middlewares, register ours before those whose `after` changes the response (README, "Middy").
import middy from '@middy/core';
import { MemoryStore, RedisStore } from 'lambda-idempotency';
import { idempotency } from 'lambda-idempotency/middy';

export const store = process.env.REDIS_URL ? new RedisStore(process.env.REDIS_URL) : new MemoryStore();
export const sideEffects = [];

async function recordOrder(event) {
  if (event.fail) throw new Error(`could not record ${event.orderId}`);
  sideEffects.push(event.orderId);
  if (event.returnsNothing) return undefined;
  return { recorded: event.orderId };
}

export const handler = middy(recordOrder).use(idempotency({ key: 'orderId', store, name: 'recordOrder', logger: { info() {}, warn() {}, error() {} } }));
