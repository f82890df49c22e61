import { createIdempotency, runIdempotent, type EngineBinding } from '../engine/engine';
import { IdempotencyConfigError } from '../core/errors';
import { functionNamespace } from '../core/key/namespace';
import type { IdempotencyOptions } from '../core/options';
import { validateOptions } from '../core/validateOptions';

/** Every function this copy of the library made idempotent. */
const wrappers = new WeakSet<object>();

/** Was `fn` made idempotent already (by `makeIdempotent` or a decorator)? */
export function isIdempotent(fn: unknown): boolean {
  return typeof fn === 'function' && wrappers.has(fn);
}

/**
 * Wraps `fn` with the engine. Shared by `makeIdempotent` and the decorators: the wrapper is built
 * once, keeps `this`, and keeps the function's name.
 */
export function wrapFunction<TThis, TArgs extends unknown[], TResult>(
  fn: (this: TThis, ...args: TArgs) => TResult | Promise<TResult>,
  options: IdempotencyOptions,
  binding: EngineBinding,
): (this: TThis, ...args: TArgs) => Promise<Awaited<TResult>> {
  const engine = createIdempotency(options, binding);
  const wrapped = function (this: TThis, ...args: TArgs): Promise<Awaited<TResult>> {
    return runIdempotent(engine, this, args, fn);
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  wrappers.add(wrapped);
  return wrapped;
}

/**
 * Makes any async function idempotent, without decorators. `this` is passed through, so it also
 * wraps methods. The record namespace is `options.name`, else the function's name; a name a
 * minifier made up, or one that another function already uses (one function per default
 * namespace: wrap once, at module scope), is refused with `IdempotencyConfigError`, as is a
 * function that is already idempotent (see "Bundling and deploying"). A key or validate function's
 * parameter has the type of the function's first argument unless it annotates its own (annotate it
 * when `eventArgIndex` points at another argument).
 *
 * @example
 * ```ts
 * import { makeIdempotent, RedisStore } from 'lambda-idempotency';
 *
 * const store = new RedisStore(process.env.REDIS_URL!);
 * export const handler = makeIdempotent(
 *   async function chargeOrder(event: { orderId: string; amount: number }) {
 *     return payments.charge(event.orderId, event.amount);
 *   },
 *   { key: 'orderId', store },
 * );
 * // A key function's event has the function's event type: `(event) => event.orderId` type-checks.
 * ```
 */
export function makeIdempotent<TThis, TArgs extends unknown[], TResult, TEvent = TArgs[0]>(
  fn: (this: TThis, ...args: TArgs) => TResult | Promise<TResult>,
  options: IdempotencyOptions<TEvent> = {},
): (this: TThis, ...args: TArgs) => Promise<Awaited<TResult>> {
  if (typeof fn !== 'function') throw new IdempotencyConfigError(`Expected a function to make idempotent, got ${typeof fn}`);
  validateOptions(options, 'makeIdempotent');
  if (isIdempotent(fn)) {
    // Under one namespace, the outer wrapper's claim would leave the inner one finding the key in progress on every call.
    throw new IdempotencyConfigError(`makeIdempotent ${JSON.stringify(fn.name)}: the function is already idempotent; wrap the original function once.`);
  }
  // Checked now, at start-up: a name a minifier made up, or one another function already uses, is refused.
  const name = options.name ?? functionNamespace(fn);
  return wrapFunction(fn, options, { defaultName: () => name, classDefaults: () => undefined });
}
