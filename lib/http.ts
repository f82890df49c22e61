import {
  IdempotencyCompletionError,
  IdempotencyError,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
} from './errors';
import { Idempotent, type IdempotentMethodDecorator } from './Idempotent';
import type { IdempotencyOptions } from './options';

/**
 * HTTP semantics of the IETF draft "The Idempotency-Key HTTP Header Field" for API Gateway
 * (REST v1 and HTTP API v2) handlers: missing key 400, key reused with another payload 422,
 * request still in progress 409 with `Retry-After`, replays marked `Idempotent-Replayed: true`,
 * errors as `application/problem+json` (RFC 9457).
 */

/**
 * The API Gateway proxy result shape (v1 and v2), without depending on `@types/aws-lambda`.
 *
 * @example
 * ```ts
 * const response: HttpResponse = { statusCode: 201, body: JSON.stringify({ id: 'p_1' }) };
 * ```
 */
export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/**
 * The header this module reads the key from, per the IETF draft (matched case-insensitively).
 *
 * @example
 * ```ts
 * fetch(url, { method: 'POST', headers: { [IDEMPOTENCY_KEY_HEADER]: crypto.randomUUID() } });
 * ```
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * The header a replayed response carries (value `true`).
 *
 * @example
 * ```ts
 * const replayed = response.headers?.[REPLAYED_HEADER] === 'true';
 * ```
 */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

function isHttpResponse(value: unknown): value is HttpResponse {
  return value !== null && typeof value === 'object' && typeof (value as HttpResponse).statusCode === 'number';
}

/**
 * An `onReplay` hook: marks a replayed API Gateway response with `Idempotent-Replayed: true`.
 * Anything that is not a proxy result is returned unchanged.
 *
 * @example
 * ```ts
 * @Idempotent({ key: 'headers.idempotency-key', onReplay: markReplayed })
 * ```
 */
export function markReplayed<T>(result: T): T {
  if (!isHttpResponse(result)) return result;
  return { ...result, headers: { ...result.headers, [REPLAYED_HEADER]: 'true' } };
}

function problem(statusCode: number, type: string, title: string, detail: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: `urn:lambda-idempotency:problem:${type}`, title, status: statusCode, detail }),
  };
}

/**
 * Maps an idempotency error to its `application/problem+json` response; `undefined` for any other
 * error (your handler's own errors are not this module's business).
 *
 * @example
 * ```ts
 * catch (err) { return problemResponse(err) ?? { statusCode: 500 }; }
 * ```
 */
export function problemResponse(error: unknown): HttpResponse | undefined {
  if (!(error instanceof IdempotencyError)) return undefined;
  if (error instanceof IdempotencyKeyError) {
    return problem(400, 'key-missing', 'Idempotency-Key is missing', 'This operation is idempotent and requires a valid Idempotency-Key header.');
  }
  if (error instanceof IdempotencyPayloadMismatchError) {
    return problem(422, 'key-reused', 'Idempotency-Key is already used', 'This Idempotency-Key was used with a different request payload; use a new key for a new request.');
  }
  if (error instanceof IdempotencyInProgressError) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return problem(409, 'in-progress', 'A request with this Idempotency-Key is in progress', 'The original request has not finished yet; retry later.', { 'Retry-After': String(seconds) });
  }
  if (error instanceof IdempotencyCompletionError) return undefined; // the side effect happened: a 5xx from Lambda, not a retryable 503
  if (error instanceof IdempotencyStoreError) {
    return problem(503, 'store-unavailable', 'Idempotency store unavailable', 'The request was not processed; retry later with the same Idempotency-Key.', { 'Retry-After': '1' });
  }
  return undefined;
}

/**
 * Wraps a handler so idempotency errors become problem responses (400, 409, 422, 503); other
 * errors pass through.
 *
 * @example
 * ```ts
 * export const create = withProblemResponses(payments.create.bind(payments));
 * ```
 */
export function withProblemResponses<TArgs extends unknown[], TResult>(
  handler: (...args: TArgs) => Promise<TResult>,
): (...args: TArgs) => Promise<TResult | HttpResponse> {
  return async function (this: unknown, ...args: TArgs) {
    try {
      return await handler.apply(this, args);
    } catch (err) {
      const response = problemResponse(err);
      if (response === undefined) throw err;
      return response;
    }
  };
}

/**
 * The options of an HTTP endpoint per the draft: key from the `Idempotency-Key` header (required),
 * the body validated, replays marked. Anything you pass overrides these.
 *
 * @example
 * ```ts
 * @Idempotent(httpIdempotencyOptions({ ttlSeconds: 86_400 }))
 * ```
 */
export function httpIdempotencyOptions(options: IdempotencyOptions = {}): IdempotencyOptions {
  return { key: `headers.${IDEMPOTENCY_KEY_HEADER}`, validate: 'body', requireKey: true, onReplay: markReplayed, ...options };
}

/**
 * `@Idempotent` for API Gateway endpoints: {@link httpIdempotencyOptions} plus
 * {@link withProblemResponses}, in either decorator dialect.
 *
 * @example
 * ```ts
 * class PaymentsApi {
 *   @IdempotentHttp({ ttlSeconds: 86_400 })
 *   async create(event: APIGatewayProxyEventV2) { return { statusCode: 201, body: '...' }; }
 * }
 * ```
 */
export function IdempotentHttp(options: IdempotencyOptions = {}): IdempotentMethodDecorator {
  const idempotent = Idempotent(httpIdempotencyOptions(options));
  return function (target: object, key: string | symbol | ClassMethodDecoratorContext, descriptor?: PropertyDescriptor) {
    if (typeof key === 'object') {
      return withProblemResponses((idempotent as (v: unknown, c: ClassMethodDecoratorContext) => (...a: unknown[]) => Promise<unknown>)(target, key));
    }
    const result = (idempotent as (t: object, k: string | symbol, d: PropertyDescriptor) => PropertyDescriptor)(target, key, descriptor as PropertyDescriptor);
    result.value = withProblemResponses(result.value);
    return result;
  } as IdempotentMethodDecorator;
}
