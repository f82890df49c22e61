// The same from CommonJS (require resolution).
import { makeIdempotent, MemoryStore } from 'lambda-idempotency';
import { problemResponse } from 'lambda-idempotency/http';
import { idempotency } from 'lambda-idempotency/middy';

export const handler = makeIdempotent(async function typedCjs(event: { id: string }) {
  return event.id;
}, { key: 'id', store: new MemoryStore() });
export const mapped = problemResponse(new Error('x'));
export const middleware = idempotency({ name: 'y' });
