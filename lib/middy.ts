import { createIdempotency, type Invocation } from './engine';
import { IdempotencyConfigError } from './errors';
import { validateOptions, type IdempotencyOptions } from './options';

/**
 * The part of a Middy request this middleware uses (Middy's own `Request` fits), so this module
 * needs no import of `@middy/core`.
 *
 * @example
 * ```ts
 * const request: MiddyRequestLike = { event: { orderId: 'o-1' }, context, response: undefined, error: undefined };
 * ```
 */
export interface MiddyRequestLike {
  event: unknown;
  context: unknown;
  response: unknown;
  error: unknown;
  earlyResponse?: unknown;
}

/**
 * A Middy middleware object.
 *
 * @example
 * ```ts
 * const middleware: IdempotencyMiddleware = idempotency({ key: 'orderId' });
 * ```
 */
export interface IdempotencyMiddleware {
  before(request: MiddyRequestLike): Promise<void>;
  after(request: MiddyRequestLike): Promise<void>;
  onError(request: MiddyRequestLike): Promise<void>;
}

/**
 * Middy middleware with the same options and semantics as `@Idempotent`: claims in `before`
 * (a hit returns the stored result early, even when it is `undefined`), completes in `after`
 * (also for handlers that return `undefined`), releases in `onError`. The namespace is `name`,
 * else the Lambda function name.
 *
 * @example
 * ```ts
 * import middy from '@middy/core';
 * import { idempotency } from 'lambda-idempotency/middy';
 *
 * export const handler = middy(charge).use(idempotency({ key: 'body.orderId', store }));
 * ```
 */
export function idempotency(options: IdempotencyOptions = {}): IdempotencyMiddleware {
  validateOptions(options, 'idempotency middleware');
  const engine = createIdempotency(options, {
    defaultName: (context) => {
      const name = (context as { functionName?: unknown } | undefined)?.functionName;
      if (typeof name === 'string' && name !== '') return name;
      throw new IdempotencyConfigError('The idempotency middleware needs a record namespace: pass `name`, or run it with a Lambda context that has `functionName`.');
    },
    classDefaults: () => undefined,
  });
  // Per request, the claim taken in `before`; only a request whose claim we hold is completed or
  // released (an IdempotencyInProgressError from `before` also reaches `onError`).
  const claims = new WeakMap<MiddyRequestLike, Extract<Invocation, { replay: false }>>();

  return {
    async before(request) {
      const invocation = await engine.begin(request.context, [request.event, request.context]);
      if (invocation.replay) {
        request.earlyResponse = invocation.result;
        return;
      }
      claims.set(request, invocation);
    },
    async after(request) {
      const invocation = claims.get(request);
      claims.delete(request);
      await invocation?.complete(request.response);
    },
    async onError(request) {
      const invocation = claims.get(request);
      claims.delete(request);
      await invocation?.fail(request.error);
    },
  };
}
