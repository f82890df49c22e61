import { IdempotencyConfigError } from './errors';

/**
 * The one set of value checks behind every option: the options table, the stores and the local
 * cache fail alike, with ``Expected `name` to be ..., got <value>`` (p-retry's wording).
 */

/**
 * How a refused value is shown in an error message: a string quoted, a function or an object by
 * its kind only (an object may hold credentials; a message never prints its fields).
 *
 * @example
 * ```ts
 * describeValue(-1); // '-1'
 * describeValue('ttl'); // '"ttl"'
 * describeValue({ password: 'x' }); // 'an object'
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/**
 * Throws `IdempotencyConfigError` unless `value` is a safe integer of at least 1; returns it.
 *
 * @example
 * ```ts
 * const timeoutMs = expectPositiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 1000);
 * ```
 */
export function expectPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new IdempotencyConfigError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Throws `IdempotencyConfigError` unless `value` is a safe integer of at least 0; returns it.
 *
 * @example
 * ```ts
 * expectNonNegativeInteger('eventArgIndex', 0); // 0
 * ```
 */
export function expectNonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new IdempotencyConfigError(`Expected \`${name}\` to be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}
