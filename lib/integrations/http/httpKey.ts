import { IdempotencyKeyRejectedError } from '../../core/errors';

/**
 * The `Idempotency-Key` request header: where it is in API Gateway (REST v1, HTTP API v2) and ALB
 * events, and which values are accepted.
 */

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
 * The longest accepted `Idempotency-Key`, in characters (a UUID is 36). Longer keys get 400: the
 * draft's security considerations ask servers to bound what a client can make them store.
 *
 * @example
 * ```ts
 * if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new Error('key too long');
 * ```
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The `Idempotency-Key` of a request, or `undefined` when the request has none.
 *
 * Reads `multiValueHeaders` when it holds the header (API Gateway REST v1 always sends it; ALB
 * with multi-value headers enabled sends nothing else), else `headers`; names match
 * case-insensitively. The header sent several times with one value is that value; with different
 * values, or empty (whitespace only counts as empty), or over {@link MAX_IDEMPOTENCY_KEY_LENGTH}
 * characters, it throws {@link IdempotencyKeyRejectedError}. HTTP API v2 joins repeated headers
 * with commas before the event is built, so there the joined text is the key.
 *
 * @example
 * ```ts
 * readIdempotencyKey({ multiValueHeaders: { 'Idempotency-Key': ['order-42'] } }); // 'order-42'
 * ```
 */
export function readIdempotencyKey(event: unknown): string | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const { headers, multiValueHeaders } = event as { headers?: unknown; multiValueHeaders?: unknown };
  const values = headerValues(multiValueHeaders);
  return checkKey(values.length > 0 ? values : headerValues(headers));
}

/** Every value of the header in one container (`headers` or `multiValueHeaders`), in order. */
function headerValues(container: unknown): string[] {
  const values: string[] = [];
  if (container === null || typeof container !== 'object') return values;
  // Every name that matches: an event built by hand (or a proxy) may hold two spellings.
  for (const [name, value] of Object.entries(container as Record<string, unknown>)) {
    if (name.toLowerCase() !== IDEMPOTENCY_KEY_HEADER) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') values.push(item);
      else if (typeof item === 'number') values.push(String(item));
    }
  }
  return values;
}

function checkKey(values: readonly string[]): string | undefined {
  const key = values[0];
  if (key === undefined) return undefined;
  const distinct = new Set(values).size;
  if (distinct > 1) {
    throw new IdempotencyKeyRejectedError('conflicting', `The request carries ${distinct} different Idempotency-Key values; send the header once.`);
  }
  if (key.trim() === '') {
    throw new IdempotencyKeyRejectedError('empty', 'Expected the Idempotency-Key header to be a non-empty key such as a UUID, got an empty or whitespace-only value.');
  }
  // Characters are code points: an emoji is one character, though two UTF-16 units.
  const characters = key.length > MAX_IDEMPOTENCY_KEY_LENGTH ? [...key].length : key.length;
  if (characters > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new IdempotencyKeyRejectedError(
      'too_long',
      `Expected the Idempotency-Key header to be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, got ${characters}; send a shorter key such as a UUID.`,
    );
  }
  return key;
}
