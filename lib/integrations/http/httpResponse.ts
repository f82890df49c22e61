/**
 * The proxy result shapes of API Gateway (REST v1, HTTP API v2) and ALB, and what this module
 * changes in a stored response: the replay mark, cookies, which statuses are stored.
 */

/**
 * The API Gateway (v1, v2) and ALB proxy result shape, without depending on `@types/aws-lambda`.
 *
 * @example
 * ```ts
 * const response: HttpResponse = { statusCode: 201, body: JSON.stringify({ id: 'p_1' }) };
 * ```
 */
export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  body?: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/**
 * What `@IdempotentHttp` and {@link withProblemResponses} answer instead of running the method (a
 * missing or invalid key, a request in progress, a store outage): an `application/problem+json`
 * proxy result, with `multiValueHeaders` when the event came with them (an ALB so configured).
 *
 * @example
 * ```ts
 * const answer: HttpProblemResponse = { statusCode: 409, headers: { 'retry-after': '1' }, body: '{"status":409}' };
 * ```
 */
export type HttpProblemResponse =
  | { statusCode: number; headers: Record<string, string>; body: string }
  | { statusCode: number; multiValueHeaders: Record<string, string[]>; body: string };

/**
 * The header a replayed response carries (value `true`).
 *
 * @example
 * ```ts
 * const replayed = response.headers?.[REPLAYED_HEADER] === 'true';
 * ```
 */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Is this value a proxy result (an object with a `statusCode`)? A status given as a numeric string
 * (`'200'`, as older API Gateway blueprints return, and API Gateway accepts) counts too, so such a
 * response gets the same cookie and 5xx rules.
 *
 * @example
 * ```ts
 * isHttpResponse({ statusCode: 201 }); // true
 * isHttpResponse({ statusCode: '503' }); // true
 * ```
 */
export function isHttpResponse(value: unknown): value is HttpResponse {
  return value !== null && typeof value === 'object' && statusOf((value as { statusCode?: unknown }).statusCode) !== undefined;
}

/** The status as a number: a number, or a string of three digits; else `undefined`. */
function statusOf(statusCode: unknown): number | undefined {
  if (typeof statusCode === 'number') return statusCode;
  return typeof statusCode === 'string' && /^[0-9]{3}$/.test(statusCode) ? Number(statusCode) : undefined;
}

/**
 * An `onReplay` hook: marks a replayed proxy result with `Idempotent-Replayed: true`, in
 * `multiValueHeaders` when the response has only those (as an ALB with multi-value headers
 * expects), else in `headers`. Anything that is not a proxy result is returned unchanged.
 *
 * @example
 * ```ts
 * @Idempotent({ key: 'headers.idempotency-key', onReplay: markReplayed })
 * ```
 */
export function markReplayed<T>(result: T): T {
  if (!isHttpResponse(result)) return result;
  if (result.multiValueHeaders !== undefined && result.headers === undefined) {
    return { ...result, multiValueHeaders: { ...withoutHeader(result.multiValueHeaders, REPLAYED_HEADER), [REPLAYED_HEADER]: ['true'] } };
  }
  return { ...result, headers: { ...withoutHeader(result.headers ?? {}, REPLAYED_HEADER), [REPLAYED_HEADER]: 'true' } };
}

/** The headers without `name` in any letter case: a response carries one of each header. */
function withoutHeader<V>(headers: Record<string, V>, name: string): Record<string, V> {
  const wanted = name.toLowerCase();
  const out: Record<string, V> = {};
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() !== wanted) out[key] = value;
  return out;
}

/**
 * The response without the cookies it sets: v2 `cookies`, and `Set-Cookie` in `headers` and
 * `multiValueHeaders` (any case). A replay must not hand a session cookie to whoever holds the key.
 * Anything that is not a proxy result is returned unchanged.
 *
 * @example
 * ```ts
 * withoutCookies({ statusCode: 200, cookies: ['session=s1'] }); // { statusCode: 200 }
 * ```
 */
export function withoutCookies<T>(result: T): T {
  if (!isHttpResponse(result)) return result;
  const { cookies: _cookies, headers, multiValueHeaders, ...rest } = result;
  const out: HttpResponse = rest;
  if (headers !== undefined) out.headers = withoutSetCookie(headers);
  if (multiValueHeaders !== undefined) out.multiValueHeaders = withoutSetCookie(multiValueHeaders);
  return out as T;
}

function withoutSetCookie<V>(headers: Record<string, V>): Record<string, V> {
  return withoutHeader(headers, 'set-cookie');
}

/**
 * The default `cacheResult` of the HTTP options: every result except a 5xx or 429 proxy result.
 * Those are released instead of stored, so the client's retry with the same key runs again rather
 * than getting the outage replayed for the whole TTL.
 *
 * @example
 * ```ts
 * @IdempotentHttp({ cacheResult: (r: HttpResponse) => isStorableResponse(r) && r.statusCode !== 202 })
 * ```
 */
export function isStorableResponse(result: unknown): boolean {
  if (!isHttpResponse(result)) return true;
  const status = statusOf(result.statusCode) as number;
  return status < 500 && status !== 429;
}

/**
 * Is this event from an ALB with multi-value headers enabled (`multiValueHeaders`, no `headers`)?
 * Such a target group expects the response's headers in `multiValueHeaders` too.
 */
export function wantsMultiValueHeaders(event: unknown): boolean {
  if (event === null || typeof event !== 'object') return false;
  const { headers, multiValueHeaders } = event as { headers?: unknown; multiValueHeaders?: unknown };
  return multiValueHeaders !== null && typeof multiValueHeaders === 'object' && (headers === undefined || headers === null);
}
