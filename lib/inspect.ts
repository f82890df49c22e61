import { IdempotencyConfigError } from './errors';
import { getIdempotencyOptions } from './Idempotent';
import { compileSelector, hashValue, MISSING, recordKeyPrefix, select } from './key';
import { DEFAULTS, getProcessDefaults } from './options';

type Constructor = abstract new (...args: never[]) => unknown;

/**
 * The record key an `@Idempotent` method uses for an event, computed exactly as a call would
 * (method options over class defaults over `configureIdempotency`); `undefined` when the event
 * holds no key. Use it with the store to inspect or reset a record.
 *
 * @example
 * ```ts
 * const key = idempotencyKeyFor(PaymentsHandler, 'charge', event);
 * if (key) {
 *   console.log(await store.get(key));   // { status: 'IN_PROGRESS', ... } or { status: 'COMPLETED', ... }
 *   await store.delete(key);             // unstick or reset it: the next call runs the method
 *                                        // (except where a container's `localCache` holds it)
 * }
 * ```
 */
export function idempotencyKeyFor(target: Constructor, method: string | symbol, event: unknown): string | undefined {
  const options = getIdempotencyOptions(target, method);
  if (options === undefined) {
    throw new IdempotencyConfigError(`${target.name}.${String(method)} is not an @Idempotent method (for a TC39-decorated class, construct one instance first).`);
  }
  const merged = { ...getProcessDefaults().defaults, ...options };
  const value = select(event, compileSelector(merged.key), new Map());
  if (value === MISSING) return undefined;
  return recordKeyPrefix(merged.prefix ?? DEFAULTS.prefix, options.name as string) + hashValue(value);
}
