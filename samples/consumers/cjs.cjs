// A CommonJS consumer of the built package (npm run build): root and subpath requires.
const { makeIdempotent, MemoryStore, configureIdempotency } = require('lambda-idempotency');
const { markReplayed } = require('lambda-idempotency/http');
const { idempotency } = require('lambda-idempotency/middy');

(async () => {
  let runs = 0;
  configureIdempotency({ store: new MemoryStore(), logger: { info() {}, warn() {}, error() {} } });
  const handler = makeIdempotent(async function cjsHandler(event) {
    runs++;
    return { statusCode: 200, body: event.id };
  }, { key: 'id', onReplay: markReplayed });
  await handler({ id: 'a' });
  const second = await handler({ id: 'a' });
  // The ESM entry re-exports this same CommonJS build, so both share one configuration.
  const esm = await import('lambda-idempotency');
  console.log(JSON.stringify({
    runs,
    replayed: second.headers['Idempotent-Replayed'] === 'true',
    middleware: typeof idempotency({ name: 'x' }).after,
    sameModule: esm.makeIdempotent === makeIdempotent,
  }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
