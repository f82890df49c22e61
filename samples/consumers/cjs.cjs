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
  // `import` loads the ES-module build, a second copy of the code; the configuration above (the
  // store) is still the process' one, so a function it wraps needs no store of its own.
  const esm = await import('lambda-idempotency');
  let esmRuns = 0;
  const esmHandler = esm.makeIdempotent(async function esmHandler() {
    esmRuns++;
    return 'ok';
  }, { key: 'id' });
  await esmHandler({ id: 'b' });
  await esmHandler({ id: 'b' });
  console.log(JSON.stringify({
    runs,
    replayed: second.headers['Idempotent-Replayed'] === 'true',
    middleware: typeof idempotency({ name: 'x' }).after,
    esmCopy: esm.makeIdempotent !== makeIdempotent,
    sharedConfiguration: esmRuns === 1,
  }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
