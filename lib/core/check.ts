import { IdempotencyConfigError } from './errors';

/**
 * The one set of value checks behind every option: the options table and the stores fail alike,
 * with ``Expected `name` to be ..., got <value>`` (p-retry's wording).
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

/**
 * Throws `IdempotencyConfigError` ``Expected `name` to <expected>, got <value>`` unless `ok`: the
 * one wording, for a check that has no named helper here (a shape, a union of kinds).
 *
 * @example
 * ```ts
 * expectValue('serializer', value, isSerializer(value), 'have serialize and deserialize methods');
 * ```
 */
export function expectValue(name: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new IdempotencyConfigError(`Expected \`${name}\` to ${expected}, got ${describeValue(value)}`);
}

/**
 * Throws `IdempotencyConfigError` unless `value` is `true` or `false`; returns it.
 *
 * @example
 * ```ts
 * expectBoolean('requireKey', 'yes'); // throws: Expected `requireKey` to be a boolean, got "yes"
 * ```
 */
export function expectBoolean(name: string, value: unknown): boolean {
  expectValue(name, value, typeof value === 'boolean', 'be a boolean');
  return value as boolean;
}

/**
 * Throws `IdempotencyConfigError` unless `value` is a string with more than white space; returns it.
 *
 * @example
 * ```ts
 * expectNonEmptyString('prefix', ' '); // throws: Expected `prefix` to be a non-empty string, got " "
 * ```
 */
export function expectNonEmptyString(name: string, value: unknown): string {
  expectValue(name, value, typeof value === 'string' && value.trim() !== '', 'be a non-empty string');
  return value as string;
}

/**
 * Throws `IdempotencyConfigError` unless `value` is a function.
 *
 * @example
 * ```ts
 * expectFunction('onReplay', true); // throws: Expected `onReplay` to be a function, got true
 * ```
 */
export function expectFunction(name: string, value: unknown): void {
  expectValue(name, value, typeof value === 'function', 'be a function');
}

/**
 * Throws `IdempotencyConfigError` unless `value` is one of `allowed`; returns it.
 *
 * @example
 * ```ts
 * expectOneOf('onInProgress', 'block', ['fail', 'wait']); // throws: Expected `onInProgress` to be 'fail' or 'wait', got "block"
 * ```
 */
export function expectOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  const listed = allowed.map((v) => `'${v}'`);
  const expected = listed.length < 2 ? listed.join('') : `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1] as string}`;
  expectValue(name, value, (allowed as readonly unknown[]).includes(value), `be ${expected}`);
  return value as T;
}

/**
 * Does `value` have a method of each of these names? (An object or a function; never a primitive.)
 *
 * @example
 * ```ts
 * hasMethods(console, ['info', 'warn', 'error']); // true
 * ```
 */
export function hasMethods(value: unknown, names: readonly string[]): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const v = value as Record<string, unknown>;
  return names.every((m) => typeof v[m] === 'function');
}
