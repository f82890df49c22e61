// Type-checked by spec/package.spec.ts with moduleResolution nodenext against the built package:
// every subpath resolves its types from an ES module.
import { makeIdempotent, MemoryStore, type IdempotencyOptions } from 'lambda-idempotency';
import { markReplayed, type HttpResponse } from 'lambda-idempotency/http';
import { idempotency, type IdempotencyMiddleware } from 'lambda-idempotency/middy';
import { emfMetrics } from 'lambda-idempotency/metrics';
import { DynamoDBStore } from 'lambda-idempotency/dynamodb';
import { ssmConnection, type SsmConnectionOptions } from 'lambda-idempotency/secrets';

const options: IdempotencyOptions = { key: 'id', store: new MemoryStore(), onReplay: markReplayed };
export const handler = makeIdempotent(async function typed(event: { id: string }): Promise<HttpResponse> {
  return { statusCode: 200, body: event.id };
}, options);
export const middleware: IdempotencyMiddleware = idempotency({ name: 'x' });
export const hook = emfMetrics({ addMetric: () => undefined });
export type Store = DynamoDBStore;
const fromSsm: SsmConnectionOptions = { maxAgeSeconds: 300 };
export const connection = ssmConnection('/prod/redis-url', fromSsm);
