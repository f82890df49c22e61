// The Middy middleware in each middleware order, with the real @middy/core 7 (ESM only, so run
// under plain node by spec/middy.spec.ts) and a RedisStore on REDIS_URL. Every scenario counts
// the handler's executions. Prints one JSON object: scenario name -> observations.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import { hashValue, RedisStore } from 'lambda-idempotency';
import { idempotency } from 'lambda-idempotency/middy';
import { createRequire } from 'node:module';

// The CommonJS build's middleware: a second copy of the package in this process (a dependency that
// requires it while the program imports it).
const { idempotency: idempotencyFromCommonJs } = createRequire(import.meta.url)('lambda-idempotency/middy');

const redis = new RedisStore(process.env.REDIS_URL);
const quiet = { info() {}, warn() {}, error() {} };
const run = `${process.pid}-${Date.now()}`;

/** A fresh Lambda context whose deadline is `ms` from now. */
function contextFor(ms = 30_000) {
  const deadline = Date.now() + ms;
  return { functionName: 'orders', getRemainingTimeInMillis: () => deadline - Date.now() };
}

/** A charging handler: counts its executions, returns a response with an object body. */
function chargeHandler({ failFirst = false, takesMs = 0 } = {}) {
  const charges = [];
  async function charge(event) {
    charges.push(event.orderId);
    if (takesMs > 0) await sleep(takesMs);
    if (failFirst && charges.length === 1) throw new Error('card network unavailable');
    return { statusCode: 201, body: { charged: event.orderId } };
  }
  return { charge, charges };
}

/** A handler that returns `value`: counts its executions. */
function valueHandler(value) {
  const charges = [];
  async function charge(event) {
    charges.push(event.orderId);
    return value;
  }
  return { charge, charges };
}

// Middlewares as users write them.
const cors = () => ({
  after(request) {
    request.response.headers = { ...request.response.headers, 'Access-Control-Allow-Origin': '*' };
  },
});
const serializer = () => ({
  after(request) {
    request.response = { ...request.response, body: JSON.stringify(request.response.body), headers: { ...request.response.headers, 'Content-Type': 'application/json' } };
  },
});
const authorizer = () => ({ before: (request) => (request.event.token === 'valid' ? undefined : { statusCode: 401, body: 'unauthorized' }) });
const authorizerSettingResponse = () => ({
  before(request) {
    if (request.event.token === 'valid') return undefined;
    request.response = { statusCode: 401, body: 'unauthorized' };
    return request.response;
  },
});
const authorizerWithCleanup = () => ({
  async before(request) {
    if (request.event.token === 'valid') return undefined;
    await cleanupMiddlewares(request);
    return { statusCode: 401, body: 'unauthorized' };
  },
});
const inputValidator = () => ({
  before(request) {
    if (typeof request.event.amount !== 'number') throw new Error('amount is required');
  },
});
/** A response check that fails once (a flaky downstream, a schema bug fixed by a redeploy). */
const responseCheckFailingOnce = () => {
  let failed = false;
  return {
    after() {
      if (failed) return;
      failed = true;
      throw new Error('response failed validation');
    },
  };
};
const errorHandler = () => ({
  onError(request) {
    if (request.response === undefined) request.response = { statusCode: 500, body: request.error.message };
  },
});
/** An error handler that answers early from onError (Middy then skips the remaining onError hooks). */
const errorHandlerAnsweringEarly = () => ({ onError: (request) => ({ statusCode: 500, body: request.error.message }) });
/** An `after` that answers early with a new response (Middy then skips the remaining after hooks). */
const afterAnsweringEarly = () => ({ after: (request) => ({ ...request.response, headers: { 'X-Answered': 'early' } }) });
/** An `after` that answers early with `undefined`, Middy's pattern for it (`request.earlyResponse = undefined`). */
const afterAnsweringEarlyWithUndefined = () => ({
  after(request) {
    request.earlyResponse = undefined;
  },
});
/** An `after` that answers early with the value the handler returned. */
const afterAnsweringEarlyWith = (value) => ({ after: () => value });
/** An `after` that adds a header to the handler's response object and answers early with that same object. */
const afterAnsweringEarlyWithTheResponse = () => ({
  after(request) {
    request.response.headers = { 'X-Answered': 'early' };
    return request.response;
  },
});
/** A rate limiter: writes a default response, then answers 429 to a request without a valid token. */
const rateLimiterPrefilling = () => ({
  before(request) {
    request.response = { statusCode: 200, headers: {} };
    if (request.event.token !== 'valid') return { statusCode: 429, body: 'slow down' };
  },
});
/** The same, reading the event and the context first, as the handler call does. */
const rateLimiterReadingEventAndContext = () => ({
  before(request) {
    const { event, context } = request;
    request.response = { statusCode: 200, headers: {} };
    if (event.token !== 'valid' && context.functionName !== '') return { statusCode: 429, body: 'slow down' };
  },
});
/** A `before` that writes a default response and lets the request through. */
const defaultResponse = () => ({
  before(request) {
    request.response = { statusCode: 500, body: 'no response' };
  },
});
/** A `before` that reads the event and lets the request through (a body parser, a logger). */
const eventReader = () => ({
  before(request) {
    if (typeof request.event.orderId !== 'string') throw new Error('orderId is required');
  },
});

/** A store that records when each lease renewal is sent. */
function renewalCounting(store) {
  const renewals = [];
  const counted = {
    maxPayloadBytes: store.maxPayloadBytes,
    claim: (...a) => store.claim(...a),
    complete: (...a) => store.complete(...a),
    release: (...a) => store.release(...a),
    get: (...a) => store.get(...a),
    delete: (...a) => store.delete(...a),
    renewLease: (...a) => {
      renewals.push(performance.now());
      return store.renewLease(...a);
    },
  };
  return { store: counted, renewals };
}

let names = 0;
/** A middy handler: `layout` lists the middlewares in `.use` order, 'idem' standing for ours ('idemCjs': the CommonJS build's). */
function build(charge, layout, options = {}, plugin = undefined) {
  const namespaces = [];
  const ours = (make) => {
    const name = `orders${names++}-${run}`;
    namespaces.push(name);
    return make({ key: 'orderId', store: redis, name, logger: quiet, ...options });
  };
  let handler = middy(charge, plugin);
  for (const m of layout) handler = handler.use(m === 'idem' ? ours(idempotency) : m === 'idemCjs' ? ours(idempotencyFromCommonJs) : m);
  return { handler, recordKey: (orderId, index = 0) => `idempotency:${namespaces[index]}:${hashValue(orderId)}` };
}

const settle = (promise) => promise.then((value) => ({ value }), (err) => ({ error: err.name, message: err.message }));
const id = (s) => `${s}-${run}`;

/** The same order sent twice: what the client gets each time, and the record in between. */
async function twice(layout, { charge, charges } = chargeHandler()) {
  const { handler, recordKey } = build(charge, layout);
  const orderId = id('twice');
  const first = await settle(handler({ orderId }, contextFor()));
  const record = (await redis.get(recordKey(orderId)))?.status ?? 'none';
  const replay = await settle(handler({ orderId }, contextFor()));
  return { first, record, replay, executions: charges.length };
}

/** Rejected early by `guard`, then the same order with a valid token, right away. */
async function earlyThenValid(layout, options) {
  const { charge, charges } = chargeHandler();
  const { handler, recordKey } = build(charge, layout, options);
  const orderId = id('early');
  const rejected = await settle(handler({ orderId, token: 'forged' }, contextFor()));
  const recordAfterRejection = (await redis.get(recordKey(orderId)))?.status ?? 'none';
  const valid = await settle(handler({ orderId, token: 'valid' }, contextFor()));
  const forgedRepeat = await settle(handler({ orderId, token: 'forged' }, contextFor()));
  return { rejected, recordAfterRejection, valid, forgedRepeat, executions: charges.length };
}

/**
 * Two idempotency middlewares (two namespaces), then a middleware answering early: plainly, or
 * after awaiting cleanupMiddlewares, reading both records before it answers.
 */
async function twoOfOursThenEarly({ cleanup }) {
  const { charge, charges } = chargeHandler();
  const statuses = (orderId) => Promise.all([0, 1].map(async (i) => (await redis.get(recordKey(orderId, i)))?.status ?? 'none'));
  let beforeAnswering;
  const guard = {
    async before(request) {
      if (request.event.token === 'valid') return undefined;
      if (cleanup) {
        await cleanupMiddlewares(request);
        beforeAnswering = await statuses(request.event.orderId);
      }
      return { statusCode: 401, body: 'unauthorized' };
    },
  };
  const { handler, recordKey } = build(charge, ['idem', 'idem', guard]);
  const orderId = id('two');
  const rejected = await settle(handler({ orderId, token: 'forged' }, contextFor()));
  const records = await statuses(orderId);
  const valid = await settle(handler({ orderId, token: 'valid' }, contextFor()));
  const replay = await settle(handler({ orderId, token: 'valid' }, contextFor()));
  return { rejected, beforeAnswering: beforeAnswering ?? 'not read', records, valid, replay, executions: charges.length };
}

/** A response check fails once after the handler returned; the client retries. */
async function afterThrowsThenRetry(layout) {
  const { charge, charges } = chargeHandler();
  const { handler } = build(charge, layout);
  const orderId = id('after');
  const first = await settle(handler({ orderId }, contextFor()));
  const retry = await settle(handler({ orderId }, contextFor()));
  return { first, retry, executions: charges.length };
}

/**
 * The documented stack: a guard before ours, then ours, then CORS, a serializer and a response
 * check that fails once. A forged request, then order A (the check fails, the client retries),
 * then order B sent twice.
 */
async function documentedStack() {
  const { charge, charges } = chargeHandler();
  const { handler } = build(charge, [authorizer(), 'idem', cors(), serializer(), responseCheckFailingOnce()]);
  const [a, b] = [id('stack-a'), id('stack-b')];
  const forged = await settle(handler({ orderId: a, token: 'forged' }, contextFor()));
  const aFirst = await settle(handler({ orderId: a, token: 'valid' }, contextFor()));
  const aRetry = await settle(handler({ orderId: a, token: 'valid' }, contextFor()));
  const bFirst = await settle(handler({ orderId: b, token: 'valid' }, contextFor()));
  const bReplay = await settle(handler({ orderId: b, token: 'valid' }, contextFor()));
  return { forged, aFirst, aRetry, bFirst, bReplay, executions: charges.length };
}

/** The handler throws once (with `remainingMs` of the invocation left); the client retries at once. */
async function handlerThrowsThenRetry(layout, options, remainingMs = 30_000) {
  const { charge, charges } = chargeHandler({ failFirst: true });
  const { handler, recordKey } = build(charge, layout, options);
  const orderId = id('throws');
  const first = await settle(handler({ orderId }, contextFor(remainingMs)));
  const record = (await redis.get(recordKey(orderId)))?.status ?? 'none';
  const retry = await settle(handler({ orderId }, contextFor()));
  return { first, record, retry, executions: charges.length };
}

/** A later `before` rejects the event (with `remainingMs` left); the corrected event is sent with the same key. */
async function beforeThrowsThenValid(layout, remainingMs = 30_000) {
  const { charge, charges } = chargeHandler();
  const { handler, recordKey } = build(charge, layout);
  const orderId = id('invalid');
  const rejected = await settle(handler({ orderId }, contextFor(remainingMs)));
  const record = (await redis.get(recordKey(orderId)))?.status ?? 'none';
  const valid = await settle(handler({ orderId, amount: 5 }, contextFor()));
  return { rejected, record, valid, executions: charges.length };
}

// Middy's early timeout set 2 s before the deadline, so it fires 300 ms into the invocation and the
// claim's lease (the invocation's remaining time) still has 2 s to run: a margin for a busy machine.
const earlyTimeout = { timeoutEarlyInMillis: 2_000 };
const timingOutContext = () => contextFor(2_300);

/** Middy's early timeout fires while the handler still runs; the client retries at once. */
async function timeoutThenRetry() {
  const { charge, charges } = chargeHandler({ takesMs: 700 });
  const { handler, recordKey } = build(charge, ['idem'], {}, earlyTimeout);
  const orderId = id('timeout');
  const first = await settle(handler({ orderId }, timingOutContext()));
  const record = (await redis.get(recordKey(orderId)))?.status ?? 'none';
  const retry = await settle(handler({ orderId }, contextFor(30_000)));
  const executions = charges.length;
  await sleep(700); // let the abandoned handler finish before the process ends
  return { first, record, retry, executions };
}

/**
 * Middy's early timeout with a timeoutEarlyResponse that throws its own error (an http-errors
 * style 504), 700 ms before the deadline (under the middleware's 1 s window): it fires 300 ms
 * in, while the handler runs; the client retries at once.
 */
async function customTimeoutErrorThenRetry() {
  const { charge, charges } = chargeHandler({ takesMs: 900 });
  const gatewayTimeout = () => {
    throw Object.assign(new Error('Gateway Timeout'), { name: 'GatewayTimeoutError', statusCode: 504 });
  };
  const { handler, recordKey } = build(charge, ['idem'], {}, { timeoutEarlyInMillis: 700, timeoutEarlyResponse: gatewayTimeout });
  const orderId = id('timeout504thrown');
  const first = await settle(handler({ orderId }, contextFor(1_000)));
  const record = (await redis.get(recordKey(orderId)))?.status ?? 'none';
  const retry = await settle(handler({ orderId }, contextFor(30_000)));
  const executions = charges.length;
  await sleep(900); // let the abandoned handler finish before the process ends
  return { first, record, retry, executions };
}

/** Middy's early timeout configured to answer 504 instead of throwing; the client retries later. */
async function timeoutAnsweringThenRetry() {
  const { charge, charges } = chargeHandler({ takesMs: 700 });
  const { handler } = build(charge, ['idem'], {}, { ...earlyTimeout, timeoutEarlyResponse: () => ({ statusCode: 504 }) });
  const orderId = id('timeout504');
  const first = await settle(handler({ orderId }, timingOutContext()));
  await sleep(700);
  const retry = await settle(handler({ orderId }, contextFor(30_000)));
  return { first, retry, executions: charges.length };
}

/**
 * With renewLease (lease 1 s, renewed every 333 ms): renewals sent while the invocation ran, and
 * after it ended (waiting three renewal periods and more).
 */
async function renewals(layout, event, { takesMs = 0, failFirst = false, timesOut = false } = {}) {
  const { charge, charges } = chargeHandler({ takesMs, failFirst });
  const counting = renewalCounting(redis);
  const { handler } = build(charge, layout, { store: counting.store, renewLease: true, leaseSeconds: 1 }, timesOut ? earlyTimeout : undefined);
  const start = performance.now();
  // Timing out: Middy's timeout fires 800 ms in, after two renewals.
  const outcome = await settle(handler({ orderId: id('renew'), ...event }, contextFor(timesOut ? 2_800 : 30_000)));
  const end = performance.now();
  await sleep(1_200 + takesMs);
  return {
    outcome: outcome.error ?? outcome.value?.statusCode,
    during: counting.renewals.filter((t) => t >= start && t <= end).length,
    afterEnd: counting.renewals.filter((t) => t > end).length,
    executions: charges.length,
  };
}

const scenarios = {
  // What a replay returns, per position of ours among header-adding and body-serializing middlewares.
  orderOursFirst: () => twice(['idem', cors(), serializer()]),
  orderOursLast: () => twice([cors(), serializer(), 'idem']),
  orderOursBetween: () => twice([cors(), 'idem', serializer()]),
  orderDocumentedStack: () => documentedStack(),
  // A middleware answering early.
  earlyAnswerAfterOurs: () => earlyThenValid(['idem', authorizer()]),
  earlyAnswerAfterOursWithCacheError: () => earlyThenValid(['idem', authorizer()], { cacheError: () => true }),
  earlyAnswerSettingResponseAfterOurs: () => earlyThenValid(['idem', authorizerSettingResponse()]),
  earlyAnswerWithCleanupAfterOurs: () => earlyThenValid(['idem', authorizerWithCleanup()]),
  earlyAnswerBeforeOurs: () => earlyThenValid([authorizer(), 'idem']),
  earlyAnswerAfterTwoOfOurs: () => twoOfOursThenEarly({ cleanup: false }),
  earlyAnswerWithCleanupAfterTwoOfOurs: () => twoOfOursThenEarly({ cleanup: true }),
  // The second of ours from the other copy of the package, a middleware between them: its reads
  // of event and context are its own, not the handler call, for the first one too.
  earlyAnswerSettingResponseAfterOursFromTwoCopies: () => earlyThenValid(['idem', eventReader(), 'idemCjs', authorizerSettingResponse()]),
  // A middleware throwing in `after`.
  afterThrowsRegisteredAfterOurs: () => afterThrowsThenRetry(['idem', responseCheckFailingOnce()]),
  afterThrowsRegisteredAfterOursWithErrorHandler: () => afterThrowsThenRetry(['idem', cors(), responseCheckFailingOnce(), errorHandler()]),
  afterThrowsRegisteredBeforeOurs: () => afterThrowsThenRetry([responseCheckFailingOnce(), 'idem']),
  afterAnswersEarlyAfterOurs: () => twice(['idem', afterAnsweringEarly()]),
  afterAnswersEarlyWithUndefined: () => twice(['idem', afterAnsweringEarlyWithUndefined()], valueHandler(undefined)),
  afterAnswersEarlyWithEqualValue: () => twice(['idem', afterAnsweringEarlyWith('ok')], valueHandler('ok')),
  afterAnswersEarlyWithTheResponse: () => twice(['idem', afterAnsweringEarlyWithTheResponse()]),
  // A `before` that writes request.response first.
  rateLimiterPrefillingAfterOurs: () => earlyThenValid(['idem', rateLimiterPrefilling()]),
  rateLimiterPrefillingSecondAfterOurs: () => earlyThenValid(['idem', eventReader(), rateLimiterPrefilling()]),
  rateLimiterReadingContextSecondAfterOurs: () => earlyThenValid(['idem', eventReader(), rateLimiterReadingEventAndContext()]),
  defaultResponseThenHandlerThrows: () => handlerThrowsThenRetry(['idem', defaultResponse()]),
  defaultResponseThenHandlerThrowsFromTwoCopies: () => handlerThrowsThenRetry(['idem', eventReader(), 'idemCjs', defaultResponse()]),
  // Failures before the handler returned still release.
  handlerThrows: () => handlerThrowsThenRetry(['idem', cors()]),
  handlerThrowsWithErrorHandlerAfterOurs: () => handlerThrowsThenRetry(['idem', cors(), errorHandler()]),
  handlerThrowsWithErrorHandlerAnsweringEarly: () => handlerThrowsThenRetry(['idem', errorHandlerAnsweringEarly()]),
  handlerThrowsWithCacheError: () => handlerThrowsThenRetry(['idem', cors()], { cacheError: () => true }),
  beforeThrowsAfterOurs: () => beforeThrowsThenValid(['idem', inputValidator()]),
  timeout: () => timeoutThenRetry(),
  timeoutCustomError: () => customTimeoutErrorThenRetry(),
  handlerThrowsNearDeadline: () => handlerThrowsThenRetry(['idem'], {}, 800),
  beforeThrowsNearDeadline: () => beforeThrowsThenValid(['idem', inputValidator()], 800),
  timeoutAnswering: () => timeoutAnsweringThenRetry(),
  // The renewal timer.
  renewalLongHandler: () => renewals(['idem'], {}, { takesMs: 800 }),
  renewalEarlyAnswer: () => renewals(['idem', authorizer()], { token: 'forged' }),
  renewalBeforeThrows: () => renewals(['idem', inputValidator()], {}),
  renewalHandlerThrows: () => renewals(['idem'], {}, { failFirst: true }),
  renewalAfterThrows: () => renewals(['idem', responseCheckFailingOnce()], {}),
  renewalTimeout: () => renewals(['idem'], {}, { takesMs: 1_200, timesOut: true }),
};

const only = process.argv.slice(2);
const selected = Object.entries(scenarios).filter(([name]) => only.length === 0 || only.includes(name));
const results = await Promise.all(selected.map(async ([name, scenario]) => [name, await scenario().catch((err) => ({ crashed: String(err?.stack ?? err) }))]));
console.log(JSON.stringify(Object.fromEntries(results)));
await redis.close();
