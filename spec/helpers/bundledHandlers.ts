/**
 * Two handler classes in one module, as a Lambda entry point bundles them. spec/bundling.spec.ts
 * builds this file with esbuild (minified, with and without keep-names, in both decorator
 * dialects, the library bundled in or left external) and runs `main` under plain node. Nothing
 * here loads `reflect-metadata`. RefundsHandler goes through a class decorator that returns a
 * subclass, as tracing decorators do: the namespace stays the class that declares the method (TC39),
 * or gets the replacement's name in front (legacy: `TracedHandler/RefundsHandler.handle`).
 * (Only one: esbuild's TC39 output names a class-decorated class by its source name even when
 * minifying, so OrdersHandler is the one a minified TC39 bundle renames.)
 */
import { configureIdempotency, Idempotent, idempotencyKeyFor, MemoryStore, type DecisionLine } from 'lambda-idempotency';

const explicit = process.env.EXPLICIT_NAMES === '1';
const store = new MemoryStore();
const namespaces: string[] = [];
configureIdempotency({ store, logger: { info: (line: DecisionLine) => namespaces.push(line.namespace), warn() {}, error() {} } });

/** Returns a subclass of the class it decorates, in either decorator dialect. */
// TypeScript requires `any[]` in a mixin's base constructor type.
function traced<T extends new (...args: any[]) => object>(target: T, _context?: unknown): T {
  return class TracedHandler extends target {};
}

export class OrdersHandler {
  @Idempotent(explicit ? { key: 'id', name: 'orders.handle' } : 'id')
  async handle(event: { id: string }) {
    return `order:${event.id}`;
  }
}

@traced
export class RefundsHandler {
  @Idempotent(explicit ? { key: 'id', name: 'refunds.handle' } : 'id')
  async handle(event: { id: string }) {
    return `refund:${event.id}`;
  }
}

/** Computes a key before any instance exists (as an operator script would), then calls both handlers twice. */
export async function main(): Promise<Record<string, unknown>> {
  const event = { id: '1' };
  const refundKey = idempotencyKeyFor(RefundsHandler, 'handle', event) as string;
  const orders = new OrdersHandler();
  const refunds = new RefundsHandler();
  const results = [await orders.handle(event), await refunds.handle(event), await orders.handle(event), await refunds.handle(event)];
  return {
    results,
    namespaces,
    refundKey,
    refundRecord: (await store.get(refundKey))?.status,
    reflectMetadata: typeof (Reflect as { getMetadata?: unknown }).getMetadata === 'function',
    // TC39 decorators give a decorated class a Symbol.metadata property; legacy ones do not.
    dialect: Object.getOwnPropertySymbols(OrdersHandler).length > 0 ? 'standard' : 'legacy',
  };
}
