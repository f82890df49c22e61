import { describeDecoratedMethod } from './Idempotent';
import { compileSelector, hashValue, MISSING, recordKeyPrefix, select } from '../core/key/key';
import type { Constructor } from './metadata';
import { OPTION_TABLE } from '../core/optionTable';
import { getProcessDefaults, layerOptions } from '../core/processDefaults';

/**
 * The names of a class's methods, instance and static: what {@link idempotencyKeyFor} takes.
 *
 * @example
 * ```ts
 * const method: MethodName<typeof PaymentsHandler> = 'charge';
 * ```
 */
export type MethodName<TClass extends Constructor> = Extract<FunctionKeys<InstanceType<TClass>> | FunctionKeys<TClass>, string | symbol>;

/**
 * The declared keys of `T` whose values are functions. An index signature is left out: `keyof`
 * a class with `[name: string]: unknown` is `string | number`, in which its methods' names vanish.
 */
type FunctionKeys<T> = FunctionKeyMap<T>[keyof FunctionKeyMap<T>];

/** Each declared key of `T` mapped to itself when its value is a function, else to `never`. */
type FunctionKeyMap<T> = { [K in keyof T as DeclaredKey<K>]-?: T[K] extends (...args: never[]) => unknown ? K : never };

/** `K` when it is a declared name: not a number, nor an index signature's `string` or `symbol`. */
type DeclaredKey<K> = K extends string | symbol ? (string extends K ? never : symbol extends K ? never : K) : never;

/**
 * The record key an `@Idempotent` method uses for an event, computed exactly as a call would
 * (method options over class defaults over `configureIdempotency`, and the namespace a call on
 * `target` takes: `target`'s own for a subclass inheriting the method, the declaring class's for
 * itself and its class decorators' wrappers); `undefined` when the event holds no key.
 * Throws `IdempotencyConfigError` where a call on `target` would be refused: a subclass name a
 * minifier made, or another class already took its default namespace in this process.
 * Works in both decorator dialects before any instance exists. Use it with the store to inspect
 * or reset a record. `method` is type-checked against the class's methods (instance and static);
 * a `private` one is not visible to the compiler there: name it `as never`.
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
export function idempotencyKeyFor<TClass extends Constructor>(target: TClass, method: MethodName<TClass>, event: unknown): string | undefined {
  const { options, classDefaults, namespace } = describeDecoratedMethod(target, method);
  const merged = layerOptions(getProcessDefaults().defaults, classDefaults, options);
  const selector = compileSelector(merged.key);
  const value = select(event, selector, new Map());
  if (value === MISSING) return undefined;
  return recordKeyPrefix(merged.prefix ?? OPTION_TABLE.prefix.default, namespace) + hashValue(value, selector.label);
}
