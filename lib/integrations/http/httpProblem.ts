import {
  IdempotencyCompletionError,
  IdempotencyError,
  IdempotencyErrorCode,
  IdempotencyInProgressError,
  IdempotencyKeyRejectedError,
  type KeyRejection,
} from '../../core/errors';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './httpKey';
import { isHttpResponse, wantsMultiValueHeaders, type HttpProblemResponse, type HttpResponse } from './httpResponse';

/**
 * Idempotency errors as `application/problem+json` responses (RFC 9457). Each status tells the
 * client what happened to its request, so it knows whether resending it (with the same key) is
 * safe: 503 only when the request was not processed; 500 when it may have been or was.
 */

/** The longest `Retry-After` a 409 in-progress answer gives, in seconds. */
const MAX_RETRY_AFTER_SECONDS = 5;

function problem(event: unknown, statusCode: number, type: string, title: string, detail: string, headers: Record<string, string> = {}): HttpProblemResponse {
  const all: Record<string, string> = { 'content-type': 'application/problem+json', ...headers };
  const body = JSON.stringify({ type: `urn:lambda-idempotency:problem:${type}`, title, status: statusCode, detail });
  if (!wantsMultiValueHeaders(event)) return { statusCode, headers: all, body };
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(all)) multiValueHeaders[name] = [value];
  return { statusCode, multiValueHeaders, body };
}

const KEY_DETAIL: Readonly<Record<KeyRejection, string>> = {
  empty: 'The Idempotency-Key header is empty; send a unique key such as a UUID.',
  too_long: `The Idempotency-Key header is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters; send a unique key such as a UUID.`,
  conflicting: 'The Idempotency-Key header was sent several times with different values; send it once.',
};

/** The rejection behind a key error: thrown as is, or as the cause the key function's wrapper kept. */
function rejectionOf(error: IdempotencyError): IdempotencyKeyRejectedError | undefined {
  if (error instanceof IdempotencyKeyRejectedError) return error;
  return error.cause instanceof IdempotencyKeyRejectedError ? error.cause : undefined;
}

function keyProblem(error: IdempotencyError, event: unknown): HttpProblemResponse {
  const rejection = rejectionOf(error);
  if (rejection !== undefined) return problem(event, 400, 'key-invalid', 'Idempotency-Key is invalid', KEY_DETAIL[rejection.reason]);
  return problem(event, 400, 'key-missing', 'Idempotency-Key is missing', 'This operation is idempotent and requires a valid Idempotency-Key header.');
}

// The method ran (the side effect happened) but its response was not recorded: the client must
// not resend the request under a new key, and the same key would run it again after the lease.
function notRecorded(event: unknown): HttpProblemResponse {
  return problem(
    event,
    500,
    'response-not-recorded',
    'The request was processed but its response was not recorded',
    'The request was processed, but its response could not be stored for replay. Do not resend it with a new Idempotency-Key.',
  );
}

/**
 * The response for an idempotency error; `undefined` for any other error (your handler's own errors
 * are not this module's business) and for `IdempotencyConfigError`, which is rethrown so that a
 * misconfigured function fails its invocations loudly. By `code`, so a subclass never inherits its
 * parent's meaning:
 *
 * | error | response |
 * |---|---|
 * | `IdempotencyKeyError` | 400 `key-missing`, or `key-invalid` (empty, over 255 characters, repeated with different values) |
 * | `IdempotencyPayloadMismatchError` | 422 `key-reused` |
 * | `IdempotencyInProgressError` | 409 `in-progress` with `Retry-After` |
 * | `IdempotencyStoreError` | 503 `store-unavailable` with `Retry-After`: the request was not processed |
 * | `IdempotencyCorruptRecordError` | 500 `record-unreadable`: a request with this key came before and may have been processed |
 * | `IdempotencyCompletionError` | the method's own response when it is a proxy result, else 500 `response-not-recorded` |
 * | `IdempotencyResultError` | 500 `response-not-recorded`: the request was processed |
 *
 * Pass the event to answer an ALB with multi-value headers in `multiValueHeaders`.
 *
 * @example
 * ```ts
 * catch (err) { return problemResponse(err, event) ?? { statusCode: 500 }; }
 * ```
 */
export function problemResponse(error: unknown, event?: unknown): HttpResponse | undefined {
  if (!(error instanceof IdempotencyError)) return undefined;
  switch (error.code) {
    case IdempotencyErrorCode.Key:
      return keyProblem(error, event);
    case IdempotencyErrorCode.PayloadMismatch:
      return problem(event, 422, 'key-reused', 'Idempotency-Key is already used', 'This Idempotency-Key was used with a different request payload; use a new key for a new request.');
    case IdempotencyErrorCode.InProgress: {
      // The claim's lease is often the whole invocation's time left (up to 15 minutes), while the
      // request usually finishes in well under a second: a hint that long would park a client
      // that honours it. Ask again within a few seconds, sooner when the lease ends sooner.
      const waitMs = error instanceof IdempotencyInProgressError ? error.retryAfterMs : 0;
      const retryAfter = { 'Retry-After': String(Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(waitMs / 1000)))) };
      return problem(event, 409, 'in-progress', 'A request with this Idempotency-Key is in progress', 'The original request has not finished yet; retry later.', retryAfter);
    }
    case IdempotencyErrorCode.Store:
    case IdempotencyErrorCode.NotDurable:
      // Only a failed claim reaches the caller as a plain store error: the method did not run.
      return problem(event, 503, 'store-unavailable', 'Idempotency store unavailable', 'The request was not processed; retry later with the same Idempotency-Key.', { 'Retry-After': '1' });
    case IdempotencyErrorCode.CorruptRecord:
      // Timeline: the request ran and its response was stored → the encryption key rotated
      // without previousKeys (or the record was damaged) → every resend reads an unreadable record.
      return problem(
        event,
        500,
        'record-unreadable',
        'The stored response for this Idempotency-Key cannot be read',
        'A request with this Idempotency-Key was received before and may have been processed, but its stored response cannot be read. Do not resend it with a new Idempotency-Key.',
      );
    case IdempotencyErrorCode.Completion:
      return error instanceof IdempotencyCompletionError && isHttpResponse(error.result) ? error.result : notRecorded(event);
    case IdempotencyErrorCode.Result:
      return notRecorded(event);
    default:
      return undefined;
  }
}

/**
 * Wraps a handler so idempotency errors become the responses of {@link problemResponse}; other
 * errors (and `IdempotencyConfigError`) are rethrown. `eventArgIndex` is where the event is among
 * the arguments, as in the idempotency options. The result type says so: the handler's own result,
 * or an {@link HttpProblemResponse}.
 *
 * @example
 * ```ts
 * export const create = withProblemResponses(payments.create.bind(payments));
 * ```
 */
export function withProblemResponses<TArgs extends unknown[], TResult>(
  handler: (...args: TArgs) => Promise<TResult>,
  eventArgIndex = 0,
): (...args: TArgs) => Promise<TResult | HttpProblemResponse> {
  return async function (this: unknown, ...args: TArgs) {
    try {
      return await handler.apply(this, args);
    } catch (err) {
      const response = problemResponse(err, args[eventArgIndex]);
      if (response === undefined) throw err;
      // Either a problem response, or (IdempotencyCompletionError) the handler's own result.
      return response as TResult | HttpProblemResponse;
    }
  };
}
