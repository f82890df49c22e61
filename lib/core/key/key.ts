import * as crypto from 'node:crypto';
import { canonicalJson } from './canonicalJson';

// Key derivation, in the order a call runs it: keySelector (which part of the event, compiled once;
// path grammar in keyPath), select (reading it from an event; missingKey explains a miss),
// canonicalJson (its faithful text; exactJson and exactNumber keep big numbers exact), then the
// SHA-256 below and the record key format. Re-exported here for the engine, the CLI and
// idempotencyKeyFor.
export { canonicalJson } from './canonicalJson';
export { compileSelector, MISSING, type CompiledSelector, type KeyFunction, type KeySelector } from './keySelector';
export { legacyValidationValue, select } from './select';
export { missingKeyError } from './missingKey';

/**
 * The part of a record key before the hash: `<prefix>:<namespace>:`. The one place that knows the
 * key format, which stored records depend on (engine, `idempotencyKeyFor` and the CLI use it).
 *
 * @example
 * ```ts
 * recordKeyPrefix('idempotency', 'Payments.charge') + hashValue('order-42');
 * ```
 */
export function recordKeyPrefix(prefix: string, namespace: string): string {
  return `${prefix}:${namespace}:`;
}

/**
 * SHA-256 (hex) of the canonical JSON of a value: the key hash and the validation hash. Throws
 * `IdempotencyKeyError` for a value that cannot be hashed faithfully (see {@link canonicalJson});
 * `what` names the value in that message.
 *
 * @example
 * ```ts
 * hashValue({ a: 1, b: 2 }) === hashValue({ b: 2, a: 1 }); // true
 * hashValue(9007199254740993n) === hashValue(9007199254740992); // false
 * ```
 */
export function hashValue(value: unknown, what?: string): string {
  return sha256Hex(canonicalJson(value, what));
}

// crypto.hash (Node 20.12+) is a one-shot digest without a Hash object: about twice as fast for
// short inputs such as a key.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (text: string) => string =
  typeof oneShot === 'function' ? (text) => oneShot('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');
