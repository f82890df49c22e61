// The same from CommonJS (require resolution).
import { makeIdempotent, MemoryStore } from 'lambda-idempotency';
import { problemResponse } from 'lambda-idempotency/http';
import { idempotency } from 'lambda-idempotency/middy';
import { secretsManagerConnection } from 'lambda-idempotency/secrets';

export const handler = makeIdempotent(async function typedCjs(event: { id: string }) {
  return event.id;
}, { key: 'id', store: new MemoryStore() });
export const mapped = problemResponse(new Error('x'));
export const middleware = idempotency({ name: 'y' });
export const connection = secretsManagerConnection('prod/redis', { host: 'cache.example.com', tls: true });
