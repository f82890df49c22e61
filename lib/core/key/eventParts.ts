import { parseJsonExact } from './exactJson';

// How a path reads an event, shared by select.ts and by the missing-key explanation: header names
// match case-insensitively, a JSON string is parsed exactly (an API Gateway body base64-decoded
// first), and which values count as absent.

/** Containers whose property names are HTTP headers, matched without letter case (lower-cased). */
export const HEADER_CONTAINERS = new Set(['headers', 'multivalueheaders']);

/**
 * Is this value absent as a key: `undefined`, `null` or an empty string?
 *
 * @example
 * ```ts
 * isAbsent(''); // true; isAbsent(0); // false
 * ```
 */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * The header of this name, letter case ignored (header names are case-insensitive).
 *
 * @example
 * ```ts
 * findHeader({ 'Idempotency-Key': 'k1' }, 'idempotency-key'); // 'k1'
 * ```
 */
export function findHeader(headers: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}

// Fatal: a body that is not UTF-8 (Latin-1 JSON, binary) must not decode with U+FFFD in place of
// its bytes, which would give `café` and `cafè` one key.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON string of the event, parsed exactly; an API Gateway `body` is base64-decoded first when
 * flagged. Throws what the parse throws (the callers decide what a failure means).
 *
 * @example
 * ```ts
 * decodeJson('{"orderId":"o-1"}', event, 'body'); // { orderId: 'o-1' }
 * ```
 */
export function decodeJson(text: string, parent: unknown, parentKey: string): unknown {
  const base64 = parentKey === 'body' && (parent as { isBase64Encoded?: unknown } | undefined)?.isBase64Encoded === true;
  return parseJsonExact(base64 ? UTF8.decode(Buffer.from(text, 'base64')) : text);
}
