import { HandlerTrace, readUntracked } from '../../../lib/integrations/middy/middyTrace';

/**
 * What HandlerTrace reads from a request, with Middy's steps written out as @middy/core 7 takes
 * them (the real Middy runs in spec/middy.spec.ts): a check `"earlyResponse" in request` after
 * each middleware and before the handler, the handler call's reads of `event` then `context`,
 * and `request.response = undefined` just before `request.error = err` in its catch.
 */
interface Request {
  event: unknown;
  context: unknown;
  response: unknown;
  error: unknown;
  earlyResponse?: unknown;
}

const newRequest = (): Request => ({ event: { orderId: 'o-1' }, context: { functionName: 'f' }, response: undefined, error: undefined });
/** Middy's check after a middleware that did not answer early, or right before the handler. */
const check = (request: Request): boolean => 'earlyResponse' in request;
/** Middy's `handler(request.event, request.context, …)`. */
const callHandler = (request: Request): unknown[] => [request.event, request.context];

/** Our `before` ended: Middy checks it, then the handler call follows the next check. */
function traced(request = newRequest()): { request: Request; trace: HandlerTrace; writes: [string, unknown][] } {
  const writes: [string, unknown][] = [];
  const trace = new HandlerTrace(request, (name, value) => writes.push([name, value]));
  check(request);
  return { request, trace, writes };
}

describe('HandlerTrace', () => {
  it('takes no write in the first `before` after ours for the handler, whatever it reads first', () => {
    const { request, trace } = traced();
    callHandler(request);
    request.response = { statusCode: 200 };
    expect(trace.mayHaveStarted).toBe(false);
    expect(trace.mayHaveReturned).toBe(false);
  });

  it('sees the handler start at the read of event then context after a later check, and a write after it as a possible result', () => {
    const { request, trace } = traced();
    check(request);
    expect(trace.mayHaveStarted).toBe(false);
    callHandler(request);
    expect(trace.mayHaveStarted).toBe(true);
    expect(trace.mayHaveReturned).toBe(false);
    request.response = 'ok';
    expect(trace.mayHaveReturned).toBe(true);
  });

  it('does not see a start in a later `before` that reads only the event, or the context before the event', () => {
    const { request, trace } = traced();
    check(request);
    void request.event;
    request.response = { statusCode: 200 };
    check(request);
    void request.context;
    void request.event;
    request.response = { statusCode: 429 };
    expect(trace.mayHaveStarted).toBe(false);
    expect(trace.mayHaveReturned).toBe(false);
  });

  it("leaves out Middy's reset of the response before an error, but not a handler result of undefined before it", () => {
    const thrown = traced();
    check(thrown.request);
    callHandler(thrown.request);
    thrown.request.response = undefined;
    expect(thrown.trace.mayHaveReturnedBeforeError).toBe(false);

    const returned = traced();
    check(returned.request);
    callHandler(returned.request);
    returned.request.response = undefined;
    returned.request.response = undefined;
    expect(returned.trace.mayHaveReturnedBeforeError).toBe(true);
  });

  it('reports each write before counting it, so an early answer is judged on the writes before it', () => {
    const request = newRequest();
    let returnedAtAnswer: boolean | undefined;
    const trace = new HandlerTrace(request, (name) => {
      if (name === 'response') returnedAtAnswer = trace.mayHaveReturned;
    });
    check(request);
    check(request);
    callHandler(request);
    request.response = 'result';
    expect(returnedAtAnswer).toBe(false);
    request.earlyResponse = 'answer';
    request.response = 'answer';
    expect(returnedAtAnswer).toBe(true);
  });

  it('does not count reads made through readUntracked (another idempotency middleware reading the event)', () => {
    const { request, trace } = traced();
    check(request);
    readUntracked(() => callHandler(request));
    expect(trace.mayHaveStarted).toBe(false);
  });

  describe('when other code removes what it watches, takes every later write for a possible result', () => {
    it.each([
      ['the prototype is replaced', (r: Request) => Object.setPrototypeOf(r, Object.prototype)],
      ['`event` is redefined as a plain value', (r: Request) => Object.defineProperty(r, 'event', { value: {}, configurable: true })],
      ['`context` is redefined as a plain value', (r: Request) => Object.defineProperty(r, 'context', { value: {}, configurable: true })],
    ])('%s', (_change, change) => {
      const { request, trace } = traced();
      change(request);
      request.response = 'written';
      expect(trace.mayHaveStarted).toBe(true);
      expect(trace.mayHaveReturned).toBe(true);
    });

    it('a request that cannot take a prototype (not extensible)', () => {
      const request = Object.preventExtensions(newRequest());
      const trace = new HandlerTrace(request, () => undefined);
      request.response = 'written';
      expect(trace.mayHaveReturned).toBe(true);
    });
  });

  it('keeps the request working: values, an accessor installed before, `in`, instanceof and own keys', () => {
    const request = newRequest();
    const first: unknown[] = [];
    const second: unknown[] = [];
    new HandlerTrace(request, (_name, value) => first.push(value));
    new HandlerTrace(request, (_name, value) => second.push(value));
    request.response = 'r';
    request.error = 'e';
    expect([request.response, request.error, first, second]).toEqual(['r', 'e', ['r', 'e'], ['r', 'e']]);
    expect(request).toBeInstanceOf(Object);
    expect('earlyResponse' in request).toBe(false);
    request.earlyResponse = undefined;
    expect('earlyResponse' in request).toBe(true);
    expect(Object.hasOwn(request, 'earlyResponse')).toBe(true);
    expect(Object.keys(request)).toEqual(['event', 'context', 'response', 'error', 'earlyResponse']);
    expect(JSON.parse(JSON.stringify(request))).toEqual({ event: { orderId: 'o-1' }, context: { functionName: 'f' }, response: 'r', error: 'e' });
  });
});
