/**
 * Is this value a promise or promise-like (has a `then` method)? Used where user code may return
 * one unasked (an `async` key function or logger): its rejection must be handled, or Node ends
 * the process. Internal.
 *
 * @example
 * ```ts
 * isThenable(Promise.resolve(1)); // true
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
