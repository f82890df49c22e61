import { describeDecoratedMethod } from './Idempotent';
import { compileSelector, hashValue, MISSING, recordKeyPrefix, select } from '../core/key/key';
import type { Constructor } from './metadata';
import { OPTION_TABLE } from '../core/optionTable';
import { getProcessDefaults, layerOptions } from '../core/processDefaults';

/**
 * The record key an `@Idempotent` method uses for an event, computed exactly as a call would
 * (method options over class defaults over `configureIdempotency`, and the namespace of the class
 * that declares the method, also when given a subclass); `undefined` when the event holds no key.
 * Works in both decorator dialects before any instance exists. Use it with the store to inspect
 * or reset a record.
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
  const { options, classDefaults, namespace } = describeDecoratedMethod(target, method);
  const merged = layerOptions(getProcessDefaults().defaults, classDefaults, options);
  const selector = compileSelector(merged.key);
  const value = select(event, selector, new Map());
  if (value === MISSING) return undefined;
  return recordKeyPrefix(merged.prefix ?? OPTION_TABLE.prefix.default, namespace) + hashValue(value, selector.label);
}
