/**
 * A fan-out, as deployed: two handlers inheriting one decorated method, both subscribed to the
 * OrderCreated event, each its own Lambda function (its own process) on one shared Redis.
 * spec/decorators/caller.processes.spec.ts bundles this file with esbuild (either decorator
 * dialect) and runs `main` in a child node process per handler, chosen by HANDLER.
 */
import { configureIdempotency, Idempotent, idempotencyKeyFor, RedisStore } from '../../lib';

type OrderCreated = { detail: { orderId: string } };

export abstract class OrderCreatedHandler {
  /** What this process's own code did (process() calls). */
  readonly ran: string[] = [];
  @Idempotent('detail.orderId')
  async handle(event: OrderCreated): Promise<string> {
    return this.process(event);
  }
  abstract process(event: OrderCreated): Promise<string>;
}

export class SendEmail extends OrderCreatedHandler {
  async process(event: OrderCreated): Promise<string> {
    this.ran.push('email');
    return `email sent for ${event.detail.orderId}`;
  }
}

export class CreateInvoice extends OrderCreatedHandler {
  async process(event: OrderCreated): Promise<string> {
    this.ran.push('invoice');
    return `invoice created for ${event.detail.orderId}`;
  }
}

/** Handles the event twice (a retry), as the handler HANDLER names, on the Redis at REDIS_URL. */
export async function main(): Promise<Record<string, unknown>> {
  const store = new RedisStore(process.env.REDIS_URL as string);
  configureIdempotency({ store, logger: { info() {}, warn() {}, error() {} } });
  const Handler = process.env.HANDLER === 'SendEmail' ? SendEmail : CreateInvoice;
  const handler = new Handler();
  const event = { detail: { orderId: process.env.ORDER_ID as string } };
  try {
    const results = [await handler.handle(event), await handler.handle(event)];
    return { results, ran: handler.ran, key: idempotencyKeyFor(Handler, 'handle', event) };
  } finally {
    await store.close();
  }
}
