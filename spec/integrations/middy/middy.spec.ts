import { lastJson, run } from '../../helpers/run';
import { startRedisServer, type RedisServer } from '../../helpers/redisServer';
import { ROOT } from '../../helpers/paths';

/**
 * The Middy middleware in each middleware order, with the real `@middy/core` 7 (ESM only, so the
 * scenarios in spec/esm/middy.orders.mjs run under plain node against the built package) and a
 * RedisStore on a spawned redis-server. Every scenario counts the handler's executions.
 */
const root = ROOT;

type Outcome = { value?: unknown; error?: string; message?: string };
type Observed = Record<string, Outcome | number | string>;

describe('the Middy middleware, with the real @middy/core 7 on Redis', () => {
  let server: RedisServer;
  let results: Record<string, Observed>;
  beforeAll(async () => {
    server = await startRedisServer();
    const out = await run(process.execPath, ['spec/integrations/middy/esm/middy.orders.mjs'], { cwd: root, env: { REDIS_URL: server.url } });
    results = lastJson(out) as Record<string, Observed>;
  });
  afterAll(() => server.stop());

  const scenario = (name: string): Observed => {
    const observed = results[name];
    if (observed === undefined || 'crashed' in observed) throw new Error(`scenario ${name}: ${JSON.stringify(observed)}`);
    return observed;
  };
  const served = { statusCode: 201, body: expect.stringMatching(/^\{"charged":/), headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' } };
  const raw = { statusCode: 201, body: { charged: expect.any(String) } };
  const unauthorized = { value: { statusCode: 401, body: 'unauthorized' } };

  describe('registered first (the documented order)', () => {
    it('replays the response the client received, with the headers and serialized body that later middlewares added', () => {
      const { first, replay, executions } = scenario('orderOursFirst');
      expect(first).toEqual({ value: served });
      expect(replay).toEqual(first);
      expect(executions).toBe(1);
    });

    it('behind a guard and in front of CORS, a serializer and a failing response check: charges each order once and replays what the client saw', () => {
      const observed = scenario('orderDocumentedStack');
      expect(observed.forged).toEqual(unauthorized);
      expect(observed.aFirst).toEqual({ error: 'Error', message: 'response failed validation' });
      expect(observed.aRetry).toEqual(observed.aFirst);
      expect(observed.bFirst).toEqual({ value: served });
      expect(observed.bReplay).toEqual(observed.bFirst);
      expect(observed.executions).toBe(2);
    });
  });

  describe('a middleware that answers early', () => {
    it.each([
      ['by returning from `before`', 'earlyAnswerAfterOurs'],
      ['by returning from `before`, with a cacheError that stores every failure', 'earlyAnswerAfterOursWithCacheError'],
      ['by setting request.response in `before`', 'earlyAnswerSettingResponseAfterOurs'],
      ['by setting request.response in `before`, behind a second of ours from the other copy of the package (ES modules, CommonJS)', 'earlyAnswerSettingResponseAfterOursFromTwoCopies'],
      ["after awaiting Powertools' cleanupMiddlewares", 'earlyAnswerWithCleanupAfterOurs'],
    ])('registered after ours, %s: releases the claim, so the valid request right after runs', (_how, name) => {
      const observed = scenario(name);
      expect(observed.rejected).toEqual(unauthorized);
      expect(observed.recordAfterRejection).toBe('none');
      expect(observed.valid).toEqual({ value: raw });
      expect(observed.executions).toBe(1);
      // A replay answers before it: a forged request with a completed key gets the response.
      expect(observed.forgedRepeat).toEqual(observed.valid);
    });

    it.each([
      ['', 'earlyAnswerAfterTwoOfOurs', 'not read'],
      [', awaiting cleanupMiddlewares (both released before it answers)', 'earlyAnswerWithCleanupAfterTwoOfOurs', ['none', 'none']],
    ])('registered after two idempotency middlewares (two namespaces)%s: releases both claims', (_how, name, beforeAnswering) => {
      const observed = scenario(name);
      expect(observed.rejected).toEqual(unauthorized);
      expect(observed.beforeAnswering).toEqual(beforeAnswering);
      expect(observed.records).toEqual(['none', 'none']);
      expect(observed.valid).toEqual({ value: raw });
      expect(observed.replay).toEqual(observed.valid);
      expect(observed.executions).toBe(1);
    });

    it('registered before ours: answers before any claim is taken, replays included', () => {
      const observed = scenario('earlyAnswerBeforeOurs');
      expect(observed.rejected).toEqual(unauthorized);
      expect(observed.recordAfterRejection).toBe('none');
      expect(observed.valid).toEqual({ value: raw });
      expect(observed.forgedRepeat).toEqual(unauthorized);
      expect(observed.executions).toBe(1);
    });

    it('in `after`, registered after ours (our `after` is skipped): records its answer, which the retry gets', () => {
      const { first, replay, executions } = scenario('afterAnswersEarlyAfterOurs');
      expect(first).toEqual({ value: { ...raw, headers: { 'X-Answered': 'early' } } });
      expect(replay).toEqual(first);
      expect(executions).toBe(1);
    });

    it.each([
      ['`undefined` after a handler that returned nothing', 'afterAnswersEarlyWithUndefined', undefined],
      ["a primitive equal to the handler's result", 'afterAnswersEarlyWithEqualValue', 'ok'],
      ["the handler's own response object, with a header added", 'afterAnswersEarlyWithTheResponse', { ...raw, headers: { 'X-Answered': 'early' } }],
    ])('in `after`, registered after ours, with %s: records it (not taken for an answer in `before`), so the retry is not run', (_how, name, value) => {
      const { first, record, replay, executions } = scenario(name);
      expect(first).toEqual({ value });
      expect(record).toBe('COMPLETED');
      expect(replay).toEqual(first);
      expect(executions).toBe(1);
    });
  });

  describe('a later `before` that writes request.response first', () => {
    const limited = { value: { statusCode: 429, body: 'slow down' } };
    it.each([
      ['right after ours', 'rateLimiterPrefillingAfterOurs'],
      ['behind another `before` that reads the event', 'rateLimiterPrefillingSecondAfterOurs'],
    ])('a rate limiter %s writes a default response, then answers 429: released, so the valid request right after runs', (_where, name) => {
      const observed = scenario(name);
      expect(observed.rejected).toEqual(limited);
      expect(observed.recordAfterRejection).toBe('none');
      expect(observed.valid).toEqual({ value: raw });
      expect(observed.forgedRepeat).toEqual(observed.valid);
      expect(observed.executions).toBe(1);
    });

    it('one that is not the first after ours and reads the event then the context, as the handler call does, cannot be told from the handler: its answer is recorded, never released (README limit)', () => {
      const observed = scenario('rateLimiterReadingContextSecondAfterOurs');
      expect(observed.rejected).toEqual(limited);
      expect(observed.recordAfterRejection).toBe('COMPLETED');
      expect(observed.valid).toEqual(limited);
      expect(observed.executions).toBe(0);
    });

    it.each([
      ['', 'defaultResponseThenHandlerThrows'],
      [', behind a second of ours from the other copy of the package (ES modules, CommonJS)', 'defaultResponseThenHandlerThrowsFromTwoCopies'],
    ])('a default response written in `before`%s, then the handler throws: released, so the retry runs', (_how, name) => {
      const { first, record, retry, executions } = scenario(name);
      expect(first).toEqual({ error: 'Error', message: 'card network unavailable' });
      expect(record).toBe('none');
      expect(retry).toEqual({ value: raw });
      expect(executions).toBe(2);
    });
  });

  describe('a middleware whose `after` throws once the handler has returned', () => {
    it('registered after ours (its `after` runs first): stores the failure and replays it; the retry does not charge again', () => {
      const { first, retry, executions } = scenario('afterThrowsRegisteredAfterOurs');
      expect(first).toEqual({ error: 'Error', message: 'response failed validation' });
      expect(retry).toEqual(first);
      expect(executions).toBe(1);
    });

    it('registered after ours, with an error handler after ours: the retry gets the same 500, one charge', () => {
      const { first, retry, executions } = scenario('afterThrowsRegisteredAfterOursWithErrorHandler');
      expect(first).toEqual({ value: { statusCode: 500, body: 'response failed validation' } });
      expect(retry).toEqual(first);
      expect(executions).toBe(1);
    });

    it("registered before ours (its `after` runs after ours): the record already holds the handler's response, which the retry gets", () => {
      const { first, retry, executions } = scenario('afterThrowsRegisteredBeforeOurs');
      expect(first).toEqual({ error: 'Error', message: 'response failed validation' });
      expect(retry).toEqual({ value: raw });
      expect(executions).toBe(1);
    });
  });

  describe('a failure before the handler returned', () => {
    const thrown = { error: 'Error', message: 'card network unavailable' };
    const answered = { value: { statusCode: 500, body: 'card network unavailable' } };
    it.each([
      ['alone', 'handlerThrows', thrown],
      ['with an error handler after ours', 'handlerThrowsWithErrorHandlerAfterOurs', answered],
      ['with an error handler answering early from onError (our onError is skipped)', 'handlerThrowsWithErrorHandlerAnsweringEarly', answered],
    ])('the handler throws, %s: releases the claim, so the retry runs', (_how, name, firstOutcome) => {
      const { first, retry, executions } = scenario(name);
      expect(first).toEqual(firstOutcome);
      expect(retry).toEqual({ value: expect.objectContaining(raw) });
      expect(executions).toBe(2);
    });

    it('the handler throws an error that cacheError stores: the retry gets the same error, not a second run', () => {
      const { first, retry, executions } = scenario('handlerThrowsWithCacheError');
      expect(first).toEqual(thrown);
      expect(retry).toEqual(thrown);
      expect(executions).toBe(1);
    });

    it('a later `before` rejects the event: releases the claim, so the corrected request runs', () => {
      const { rejected, valid, executions } = scenario('beforeThrowsAfterOurs');
      expect(rejected).toEqual({ error: 'Error', message: 'amount is required' });
      expect(valid).toEqual({ value: raw });
      expect(executions).toBe(1);
    });
  });

  it("on Middy's early timeout the handler may still run: keeps the claim, so the retry at once is told in progress and not run", () => {
    const { first, record, retry, executions } = scenario('timeout');
    expect(first).toEqual(expect.objectContaining({ error: 'TimeoutError' }));
    expect(record).toBe('IN_PROGRESS');
    expect(retry).toEqual(expect.objectContaining({ error: 'IdempotencyInProgressError' }));
    expect(executions).toBe(1);
  });

  it('with a timeoutEarlyResponse that throws its own error (a 504), within 1 s of the deadline: keeps the claim, so the retry at once is told in progress and not run', () => {
    const { first, record, retry, executions } = scenario('timeoutCustomError');
    expect(first).toEqual({ error: 'GatewayTimeoutError', message: 'Gateway Timeout' });
    expect(record).toBe('IN_PROGRESS');
    expect(retry).toEqual(expect.objectContaining({ error: 'IdempotencyInProgressError' }));
    expect(executions).toBe(1);
  });

  describe('an error with at most 1 s of the invocation left (it may be an early timeout)', () => {
    it('raised once the handler may have started: keeps the claim until its lease ends with the invocation; the retry at once is told in progress', () => {
      const { first, record, retry, executions } = scenario('handlerThrowsNearDeadline');
      expect(first).toEqual({ error: 'Error', message: 'card network unavailable' });
      expect(record).toBe('IN_PROGRESS');
      expect(retry).toEqual(expect.objectContaining({ error: 'IdempotencyInProgressError' }));
      expect(executions).toBe(1);
    });

    it('raised by the first `before` after ours (provably before the handler): released, so the corrected request runs', () => {
      const { rejected, record, valid, executions } = scenario('beforeThrowsNearDeadline');
      expect(rejected).toEqual({ error: 'Error', message: 'amount is required' });
      expect(record).toBe('none');
      expect(valid).toEqual({ value: raw });
      expect(executions).toBe(1);
    });
  });

  it('with a timeoutEarlyResponse that returns a value, stores that value like a result (it cannot be told from one)', () => {
    const { first, retry, executions } = scenario('timeoutAnswering');
    expect(first).toEqual({ value: { statusCode: 504 } });
    expect(retry).toEqual(first);
    expect(executions).toBe(1);
  });

  describe('the lease renewal (renewLease)', () => {
    it('renews while the handler runs and sends no renewal once the invocation has ended', () => {
      const observed = scenario('renewalLongHandler');
      expect(observed).toEqual({ outcome: 201, during: expect.any(Number), afterEnd: 0, executions: 1 });
      expect(observed.during).toBeGreaterThanOrEqual(1);
    });

    it.each([
      ['a later middleware answers early', 'renewalEarlyAnswer', 401, 0, 0],
      ['a later `before` throws', 'renewalBeforeThrows', 'Error', 0, 0],
      ['the handler throws', 'renewalHandlerThrows', 'Error', 1, 0],
      ['a later `after` throws', 'renewalAfterThrows', 'Error', 1, 0],
      ["Middy's early timeout fires while the handler runs", 'renewalTimeout', 'TimeoutError', 1, 1],
    ])('stops when %s: no renewal after the invocation ended', (_when, name, outcome, executions, minDuring) => {
      const observed = scenario(name);
      expect(observed).toEqual({ outcome, during: expect.any(Number), afterEnd: 0, executions });
      expect(observed.during).toBeGreaterThanOrEqual(minDuring);
    });
  });

  describe('other orders (see the README table)', () => {
    it("registered last: replays the handler's own result, without the headers and serialization of middlewares registered before it", () => {
      const { first, replay, executions } = scenario('orderOursLast');
      expect(first).toEqual({ value: served });
      expect(replay).toEqual({ value: raw });
      expect(executions).toBe(1);
    });

    it('between CORS and a serializer: replays the serialized body, without the CORS header', () => {
      const { first, replay, executions } = scenario('orderOursBetween');
      expect(first).toEqual({ value: served });
      expect(replay).toEqual({ value: { ...served, headers: { 'Content-Type': 'application/json' } } });
      expect(executions).toBe(1);
    });
  });
});
