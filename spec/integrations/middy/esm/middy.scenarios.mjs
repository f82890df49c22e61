// Scenarios for the Middy middleware with the real @middy/core (ESM only, so run under plain
// node by spec/package.spec.ts). Prints one JSON object of observations.
import { handler, sideEffects, store } from '../../../../samples/middy/handler.mjs';

const context = { functionName: 'orders', getRemainingTimeInMillis: () => 30_000 };
const id = (s) => `${s}-${process.pid}-${Date.now()}`;
const out = {};

const a = id('a');
out.first = await handler({ orderId: a }, context);
out.replay = await handler({ orderId: a }, context);

const b = id('b');
out.undefinedFirst = String(await handler({ orderId: b, returnsNothing: true }, context));
out.undefinedReplay = String(await handler({ orderId: b, returnsNothing: true }, context));
out.undefinedRecord = (await store.get(`idempotency:recordOrder:${(await import('lambda-idempotency')).hashValue(b)}`))?.status;

const c = id('c');
out.failure = await handler({ orderId: c, fail: true }, context).then(() => 'resolved', (e) => e.message.startsWith('could not record'));
out.retryAfterFailure = await handler({ orderId: c }, context);

const d = id('d');
const parallel = await Promise.allSettled([handler({ orderId: d }, context), handler({ orderId: d }, context)]);
out.parallel = parallel.map((p) => (p.status === 'fulfilled' ? 'ok' : p.reason.name)).sort();

out.sideEffects = sideEffects.map((s) => s.split('-')[0]);
console.log(JSON.stringify(out));
await store.close?.();
