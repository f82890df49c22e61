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

/**
 * Calls user code whose failure must change nothing (a logger's set-up warning): a throw is
 * ignored, and so is the rejection of a promise it returns (a logger method written `async`),
 * which would otherwise be an unhandled rejection that ends the process. Internal.
 *
 * @example
 * ```ts
 * ignoringFailure(() => logger.warn(line));
 * ```
 */
export function ignoringFailure(call: () => unknown): void {
  try {
    const returned = call();
    if (isThenable(returned)) returned.then(undefined, () => undefined);
  } catch {
    // Ignored: see above.
  }
}
