// The built package loaded both ways in one process (npm run build first): `import` gets the ES
// modules (dist/esm), `require` the CommonJS build (dist/cjs), two copies of the code. Whatever one
// copy configures or counts, the other sees; errors thrown by one are `instanceof` the other's
// classes. Prints one JSON line for spec/package.spec.ts.
import { createRequire } from 'node:module';
import * as esm from 'lambda-idempotency';

const cjs = createRequire(import.meta.url)('lambda-idempotency');
const quiet = { info() {}, warn() {}, error() {} };
const outcome = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));

// Configured through the ES modules, used by a function wrapped with the CommonJS build.
let runs = 0;
const charge = cjs.makeIdempotent(async (event) => ({ id: event.id, run: ++runs }), { name: 'bothWays.charge', key: 'id', logger: quiet });
esm.configureIdempotency({ store: new esm.MemoryStore() });
const first = await outcome(charge({ id: 'a' }));
const replay = await outcome(charge({ id: 'a' }));
// Reset through the CommonJS build: the ES modules' configuration is gone too.
cjs.resetIdempotencyConfig();
const afterReset = await outcome(esm.makeIdempotent(async () => 'ran', { name: 'bothWays.afterReset', key: 'id', logger: quiet })({ id: 'b' }));

// A failure stored by one copy's engine replays as a ReplayedError of the other's.
const declined = Object.assign(new Error('declined'), { code: 'card_declined' });
const pay = cjs.makeIdempotent(async () => { throw declined; }, { name: 'bothWays.pay', key: 'id', store: new cjs.MemoryStore(), logger: quiet, cacheError: () => true });
await outcome(pay({ id: 'c' }));
const replayedFailure = await outcome(pay({ id: 'c' }));

// Errors constructed by one copy, classes of the other.
const inProgress = new cjs.IdempotencyInProgressError('ns', 'hash', 0);
const rejected = new cjs.IdempotencyKeyRejectedError('empty', 'empty key');
const keyError = new esm.IdempotencyKeyError('no key');

// Class defaults given through one copy reach a method decorated (and already read) through the
// other: the registry of decorations is shared, and so is its cache.
class Base {
  async charge(event) { return event.id; }
}
const descriptor = Object.getOwnPropertyDescriptor(Base.prototype, 'charge');
Object.defineProperty(Base.prototype, 'charge', cjs.Idempotent({ key: 'id', logger: quiet })(Base.prototype, 'charge', descriptor));
class Sub extends Base {}
const ttlBefore = cjs.getIdempotencyOptions(Sub, 'charge')?.ttlSeconds ?? null;
esm.IdempotentClass({ ttlSeconds: 60 })(Base);
const ttlAfter = cjs.getIdempotencyOptions(Sub, 'charge')?.ttlSeconds ?? null;

// Stores built from a URL, counted once over both copies: the 11th warns, whichever copy built it.
const warnings = [];
const counting = { info() {}, error() {}, warn: (line) => warnings.push(line.warning) };
const stores = [];
for (let i = 0; i < 11; i++) {
  const { RedisStore } = i % 2 === 0 ? esm : cjs;
  stores.push(new RedisStore('redis://127.0.0.1:1', { logger: counting }));
}
await Promise.all(stores.map((s) => s.close()));

// A logger that throws is reported once per process, not once per copy.
const observerWarnings = [];
process.on('warning', (w) => { if (w.code === 'LAMBDA_IDEMPOTENCY_OBSERVER_FAILED') observerWarnings.push(w.code); });
const broken = { info() { throw new Error('sink down'); }, warn() {}, error() {} };
for (const copy of [esm, cjs]) await copy.makeIdempotent(async () => 'ok', { name: `bothWays.broken.${copy === esm ? 'esm' : 'cjs'}`, key: 'id', store: new copy.MemoryStore(), logger: broken })({ id: 'd' });
await new Promise((resolve) => setImmediate(resolve)); // emitWarning is delivered on the next tick

// IDEMPOTENCY_DISABLED, read once per process (both copies read it above: idempotency on), is
// read again after a reset through either copy, and announced once: the second copy stays quiet.
const disabledWarnings = [];
const disabledLogger = { info() {}, error() {}, warn: (line) => disabledWarnings.push(line.warning) };
process.env.IDEMPOTENCY_DISABLED = 'true';
esm.resetIdempotencyConfig();
const disabledRuns = {};
for (const [name, copy] of [['cjs', cjs], ['esm', esm]]) {
  disabledRuns[name] = 0;
  const fn = copy.makeIdempotent(async () => ++disabledRuns[name], { name: `bothWays.disabled.${name}`, key: 'id', store: new copy.MemoryStore(), logger: disabledLogger });
  await fn({ id: 'e' });
  await fn({ id: 'e' });
}
delete process.env.IDEMPOTENCY_DISABLED;

console.log(JSON.stringify({
  twoCopies: esm.makeIdempotent !== cjs.makeIdempotent && esm.IdempotencyError !== cjs.IdempotencyError,
  configured: { first: first.value, replay: replay.value, runs },
  afterReset: { name: afterReset.error?.name, esmClass: afterReset.error instanceof cjs.IdempotencyConfigError },
  replayedFailure: {
    esmClass: replayedFailure.error instanceof esm.ReplayedError,
    cjsClass: replayedFailure.error instanceof cjs.ReplayedError,
    code: replayedFailure.error?.code,
    notIdempotencyError: !(replayedFailure.error instanceof esm.IdempotencyError),
  },
  inProgress: {
    esmClass: inProgress instanceof esm.IdempotencyInProgressError,
    esmBase: inProgress instanceof esm.IdempotencyError,
    otherClass: inProgress instanceof esm.IdempotencyKeyError || inProgress instanceof esm.ReplayedError,
  },
  keyRejected: { esmParent: rejected instanceof esm.IdempotencyKeyError, esmClass: rejected instanceof esm.IdempotencyKeyRejectedError },
  keyError: { cjsClass: keyError instanceof cjs.IdempotencyKeyError, cjsSubclass: keyError instanceof cjs.IdempotencyKeyRejectedError },
  classDefaults: { ttlBefore, ttlAfter },
  openStoreWarnings: warnings,
  observerWarnings,
  disabledWarnings,
  disabledRuns,
}));
