// An ES module consumer of the built package (npm run build): root and subpath imports.
import { makeIdempotent, MemoryStore, IdempotencyError } from 'lambda-idempotency';
import { markReplayed, problemResponse } from 'lambda-idempotency/http';
import { idempotency } from 'lambda-idempotency/middy';

let runs = 0;
const store = new MemoryStore();
const logger = { info() {}, warn() {}, error() {} };
const handler = makeIdempotent(async function esmHandler(event) {
  runs++;
  return { statusCode: 200, body: event.id };
}, { key: 'id', store, logger, onReplay: markReplayed });

const first = await handler({ id: 'a' });
const second = await handler({ id: 'a' });
console.log(JSON.stringify({
  runs,
  replayed: second.headers?.['Idempotent-Replayed'] === 'true',
  same: first.body === second.body,
  middleware: typeof idempotency({ name: 'x' }).before,
  problem: problemResponse(new Error('x')) === undefined,
  errorBase: typeof IdempotencyError,
}));
