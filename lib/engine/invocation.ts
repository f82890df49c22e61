/**
 * What `begin` hands back for one call: a replay, or a claimed run for the caller to finish.
 */

/**
 * A replay: the stored result of an earlier run. The method must not run.
 *
 * @example
 * ```ts
 * if (invocation.replay) return invocation.result;
 * ```
 */
export interface ReplayedInvocation {
  readonly replay: true;
  /** The stored result, decoded afresh for this call (and passed through `onReplay`). */
  readonly result: unknown;
}

/**
 * A run: the caller runs the method, then finishes with exactly one of `complete`, `fail` or
 * `abandon` (a second finish is ignored).
 *
 * @example
 * ```ts
 * try {
 *   return await invocation.complete(await method());
 * } catch (err) {
 *   await invocation.fail(err);
 *   throw err;
 * }
 * ```
 */
export interface ClaimedInvocation {
  readonly replay: false;
  /** Records the method's result (compare-and-set on the owner token); returns it. */
  complete(result: unknown): Promise<unknown>;
  /**
   * Releases the claim after the method threw, so a retry can run, or records the failure
   * (replayed as a `ReplayedError`) when `cacheError` says so. `store` overrides that policy:
   * `true` for a failure raised after the method had returned (a re-run would repeat its side
   * effect), `false` when the method never ran. Never throws.
   */
  fail(error: unknown, policy?: { readonly store?: boolean }): Promise<void>;
  /** Stops renewing and leaves the claim to end with its lease: the outcome is unknown (the method may still run). */
  abandon(): void;
}

/**
 * One call in flight: either a replay (the stored result, the method must not run), or a run that
 * the caller must finish.
 *
 * @example
 * ```ts
 * const invocation: Invocation = await engine.begin(this, [event, context]);
 * ```
 */
export type Invocation = ReplayedInvocation | ClaimedInvocation;

/**
 * A run with nothing to record: the key is missing and `requireKey` is off, or the store failed
 * and `onStoreError` is `'continue'`.
 */
export const UNPROTECTED: ClaimedInvocation = { replay: false, complete: async (result) => result, fail: async () => undefined, abandon: () => undefined };
