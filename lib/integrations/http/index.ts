/**
 * HTTP semantics of the IETF draft "The Idempotency-Key HTTP Header Field" for API Gateway
 * (REST v1, HTTP API v2) and ALB handlers: the key is the `Idempotency-Key` header scoped to the
 * caller; missing key 400, invalid key 400, key reused with another payload 422, request still in
 * progress 409 with `Retry-After`; 5xx and 429 not stored; replays marked
 * `Idempotent-Replayed: true` and without cookies; errors as `application/problem+json` (RFC 9457).
 *
 * @module lambda-idempotency/http
 */
import { IdempotencyConfigError } from '../../core/errors';
import { carryMetadata } from '../../decorators/reflectMetadata';
import { Idempotent, type AnyMethodContext, type ExpectedAnAsyncMethod } from '../../decorators/Idempotent';
import { compileSelector, MISSING, select, type CompiledSelector } from '../../core/key/key';
import type { IdempotencyOptions, ReplayHook } from '../../core/options';
import { layerOptions } from '../../core/processDefaults';
import { callerScope } from './httpCaller';
import { readIdempotencyKey } from './httpKey';
import { isStorableResponse, markReplayed, withoutCookies, type HttpProblemResponse } from './httpResponse';
import { withProblemResponses } from './httpProblem';

export { callerScope } from './httpCaller';
export { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, readIdempotencyKey } from './httpKey';
export { isHttpResponse, isStorableResponse, markReplayed, REPLAYED_HEADER, withoutCookies, type HttpProblemResponse, type HttpResponse } from './httpResponse';
export { problemResponse, withProblemResponses } from './httpProblem';
export { IdempotencyKeyRejectedError, type KeyRejection } from '../../core/errors';

/**
 * A function of the event returning its caller (`undefined` or `''`: none). Its parameter is
 * checked bivariantly, so a function typed for your event is accepted. It must not throw.
 *
 * @example
 * ```ts
 * const byTenant: ScopeFunction = (event: { headers: Record<string, string> }) => event.headers['x-tenant-id'];
 * ```
 */
export type ScopeFunction = { bivarianceHack(event: unknown): string | undefined }['bivarianceHack'];

/**
 * Whose keys these are: `'caller'` ({@link callerScope}: the authorizer's principal, JWT `sub`,
 * Cognito identity, IAM caller, API key id), `'none'` (the key alone, shared by every caller), or a
 * {@link ScopeFunction}.
 *
 * @example
 * ```ts
 * const scope: HttpScope = (event: { requestContext: { accountId: string } }) => event.requestContext.accountId;
 * ```
 */
export type HttpScope = 'caller' | 'none' | ScopeFunction;

/**
 * The idempotency options plus the HTTP ones.
 *
 * @example
 * ```ts
 * const options: HttpIdempotencyOptions = { ttlSeconds: 86_400, scope: 'caller', replayCookies: false };
 * ```
 */
export interface HttpIdempotencyOptions extends IdempotencyOptions {
  /**
   * Whose keys these are: a key is only ever replayed to the caller that sent it. With no caller in
   * the event (a public endpoint, ALB), the key alone: anyone holding it gets the response, so
   * clients must send unguessable keys (UUIDs).
   * @default 'caller'
   */
  readonly scope?: HttpScope | undefined;
  /**
   * Replay the cookies the first response set (v2 `cookies`, `Set-Cookie` headers).
   * @default false: a replay never carries them
   */
  readonly replayCookies?: boolean | undefined;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}

function scopeFunction(scope: unknown): ((event: unknown) => unknown) | undefined {
  if (scope === undefined || scope === 'caller') return callerScope;
  if (scope === 'none') return undefined;
  if (typeof scope === 'function') return scope as (event: unknown) => unknown;
  throw new IdempotencyConfigError(`Expected \`scope\` to be 'caller', 'none' or a function (event) => caller, got ${show(scope)}`);
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * The key function: the request's key (the header, or the `key` option's selection) with its
 * caller, hashed as `{ caller, key }`. A key without a caller hashes bare, as before this scope
 * existed, unless it is itself an object: a body field `{ caller: 'sub:alice', key: 'order-42' }`
 * sent anonymously would otherwise hash as alice's record. So distinct (caller, key) pairs never
 * hash alike. The caller is only ever hashed, never logged.
 */
function scopedKey(scope: ((event: unknown) => unknown) | undefined, custom: CompiledSelector | undefined): (event: unknown) => unknown {
  return (event) => {
    const key = custom === undefined ? readIdempotencyKey(event) : select(event, custom, new Map());
    if (key === undefined || key === MISSING) return undefined;
    const caller = scope?.(event);
    if (isAbsent(caller) && !isObject(key)) return key;
    return { caller: isAbsent(caller) ? null : caller, key };
  };
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function replayHook(replayCookies: boolean, onReplay: ReplayHook | undefined): ReplayHook {
  const mark = onReplay ?? markReplayed;
  // The stored response keeps its cookies (the engine stores what the method returned): they are
  // removed from each replay instead, which also covers records stored by earlier versions.
  return replayCookies ? mark : (result: unknown) => mark(withoutCookies(result));
}

/**
 * The options of an HTTP endpoint per the draft: key from the `Idempotency-Key` header (required,
 * 1 to 255 characters), scoped to the caller; the body validated; 5xx and 429 responses not
 * stored; replays marked and without cookies. A `key` you pass replaces the header (still scoped);
 * a `cacheResult` replaces the status rule; an `onReplay` runs after the cookies are removed.
 *
 * @example
 * ```ts
 * @Idempotent(httpIdempotencyOptions({ ttlSeconds: 86_400 }))
 * ```
 */
export function httpIdempotencyOptions(options: HttpIdempotencyOptions = {}): IdempotencyOptions {
  const { scope, replayCookies, key, onReplay, ...rest } = options;
  if (replayCookies !== undefined && typeof replayCookies !== 'boolean') {
    throw new IdempotencyConfigError(`Expected \`replayCookies\` to be a boolean, got ${show(replayCookies)}`);
  }
  if (onReplay !== undefined && typeof onReplay !== 'function') throw new IdempotencyConfigError(`Expected \`onReplay\` to be a function, got ${show(onReplay)}`);
  const custom = key === undefined ? undefined : compileSelector(key, 'key');
  return {
    // An option given as `undefined` keeps the HTTP default (as at every level).
    ...layerOptions<IdempotencyOptions>({ validate: 'body', requireKey: true, cacheResult: isStorableResponse }, rest),
    key: scopedKey(scopeFunction(scope), custom),
    onReplay: replayHook(replayCookies === true, onReplay),
  };
}

/**
 * The type a method meets under `@IdempotentHttp` when its declared result cannot hold the problem
 * response the decorator may return instead (a method typed `Promise<{ paymentId: string }>` would
 * otherwise promise a `paymentId` that a 400 answer lacks). Its one property is the fix.
 *
 * @example
 * ```ts
 * // error: Property '@IdempotentHttp may answer with a problem response ...' is missing
 * class Payments { @IdempotentHttp() async create(e: APIGatewayProxyEventV2): Promise<{ paymentId: string }> { ... } }
 * ```
 */
export interface ExpectedAnHttpResult {
  readonly '@IdempotentHttp may answer with a problem response ({ statusCode, headers, body }) instead of running the method: declare the result as Promise<HttpResponse> or your event source result type (APIGatewayProxyResultV2, APIGatewayProxyResult, ALBResult)': never;
}

/** `unknown` (no constraint) when the method's result type admits an {@link HttpProblemResponse}. */
type HttpMethodCheck<Method> = Method extends (...args: never[]) => Promise<infer Result>
  ? [HttpProblemResponse] extends [Result]
    ? unknown
    : ExpectedAnHttpResult
  : ExpectedAnAsyncMethod;

/**
 * `@IdempotentHttp` in both decorator dialects. It takes an async method whose declared result
 * admits the {@link HttpProblemResponse} it may return instead ({@link ExpectedAnHttpResult}
 * otherwise), so the method's type stays true after decoration.
 *
 * @example
 * ```ts
 * const payments: IdempotentHttpDecorator = IdempotentHttp({ ttlSeconds: 86_400 });
 * ```
 */
export interface IdempotentHttpDecorator {
  <Method, Site extends string | symbol | AnyMethodContext>(
    targetOrMethod: Site extends AnyMethodContext ? Method : object,
    site: Site & (Site extends AnyMethodContext ? HttpMethodCheck<Method> : unknown),
    descriptor?: TypedPropertyDescriptor<Method> & HttpMethodCheck<Method>,
  ): Site extends AnyMethodContext ? Method : TypedPropertyDescriptor<Method>;
}

/**
 * `@Idempotent` for API Gateway and ALB endpoints: {@link httpIdempotencyOptions} plus
 * {@link withProblemResponses}, in either decorator dialect. The method's declared result must
 * admit the problem responses (see {@link IdempotentHttpDecorator}).
 *
 * @example
 * ```ts
 * class PaymentsApi {
 *   @IdempotentHttp({ ttlSeconds: 86_400 })
 *   async create(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
 *     return { statusCode: 201, body: '...' };
 *   }
 * }
 * ```
 */
export function IdempotentHttp(options: HttpIdempotencyOptions = {}): IdempotentHttpDecorator {
  const idempotent = Idempotent(httpIdempotencyOptions(options));
  const eventArgIndex = options.eventArgIndex ?? 0;
  return function (target: object, key: string | symbol | ClassMethodDecoratorContext, descriptor?: PropertyDescriptor) {
    if (typeof key === 'object') {
      return withProblemResponses((idempotent as (v: unknown, c: ClassMethodDecoratorContext) => (...a: unknown[]) => Promise<unknown>)(target, key), eventArgIndex);
    }
    const result = (idempotent as (t: object, k: string | symbol, d: PropertyDescriptor) => PropertyDescriptor)(target, key, descriptor as PropertyDescriptor);
    result.value = carryMetadata(result.value as object, withProblemResponses(result.value, eventArgIndex));
    return result;
  } as IdempotentHttpDecorator;
}
