import { performance } from 'node:perf_hooks';
import { idempotencyDisabled } from '../core/disabledSwitch';
import type { IdempotencyOptions } from '../core/options';
import { IdempotentCall } from './call';
import { UNPROTECTED, type Invocation, type ReplayedInvocation } from './invocation';
import { LocalCacheSlot } from './localCache';
import { OptionsResolver, type EngineBinding, type ResolvedOptions } from './resolve';

export type { EngineBinding } from './resolve';
export type { ClaimedInvocation, Invocation, ReplayedInvocation } from './invocation';
export type { LambdaContextLike } from './lease';

/**
 * The decision flow, free of decorators and of Redis. Per call (call.ts, one object per call):
 *
 *   IDEMPOTENCY_DISABLED (core/disabledSwitch.ts) → run the method, nothing else (refused in Lambda)
 *   resolve options (resolve.ts; cached until configureIdempotency changes the process defaults)
 *   derive key (eventKey.ts) ─ missing → IdempotencyKeyError,
 *                              or, with requireKey: false, run unprotected            key_missing
 *   local cache (if on): a completed record kept in process → validate → replay       hit
 *   store.claim, lease = leaseSeconds capped at the invocation's time left (lease.ts)
 *     ├─ fails       → release our token, ≤ 250 ms (claim.ts) → throw                 store_error
 *     │                (an outage with onStoreError 'continue': run unprotected)      fail_open
 *     ├─ COMPLETED   → validate → decode (payload.ts) → replay; into the local cache  hit
 *     ├─ IN_PROGRESS → validate → IdempotencyInProgressError                          in_progress
 *     │                ('wait': pause backoffDelayMs, re-claim with a fresh lease, until
 *     │                waitSeconds or the invocation's end; our own resent claim is ours)
 *     └─ claimed     → an ended claim taken over is logged                            lease_takeover
 *                      renewLease: LeaseRenewal every lease/3, capped at the time left
 *                      → the caller runs the method, then:
 *          returns → cacheResult says no → release (CAS on the token)                 not_stored
 *                    else encode → complete (CAS on the token); into the local cache  miss
 *                      the token no longer owns the record → the result is returned   lease_lost
 *                      the store fails → IdempotencyCompletionError, the claim kept   store_error
 *          throws  → cacheError says yes → complete with the stored failure           error_stored
 *                    else release (CAS on the token), rethrow the method's own error  released
 *   validate: a record made for another payload → IdempotencyPayloadMismatchError     payload_mismatch
 */

/**
 * The engine of one idempotent function: `begin` claims (or replays) for a call.
 *
 * @example
 * ```ts
 * const engine: IdempotencyEngine = createIdempotency({ key: 'orderId', store }, binding);
 * const invocation = await engine.begin(this, [event, context]);
 * ```
 */
export interface IdempotencyEngine {
  /**
   * Starts a call on `self` with `args`: a replay of the stored result, or a claimed run that the
   * caller finishes. Rejects with the library's errors (key, in progress, payload mismatch,
   * store, configuration); the method must not run then.
   */
  begin(self: unknown, args: readonly unknown[]): Promise<Invocation>;
  start(self: unknown, args: readonly unknown[]): ReplayedInvocation | Promise<Invocation>;
}

class Engine implements IdempotencyEngine {
  readonly #resolver: OptionsResolver;
  // Lives here, not in the resolved options: re-resolving (any configureIdempotency call) must
  // not empty it.
  readonly #localCache = new LocalCacheSlot();

  constructor(options: IdempotencyOptions, binding: EngineBinding) {
    this.#resolver = new OptionsResolver(options, binding);
  }

  begin(self: unknown, args: readonly unknown[]): Promise<Invocation> {
    const started = this.start(self, args);
    return started instanceof Promise ? started : Promise.resolve(started);
  }

  start(self: unknown, args: readonly unknown[]): ReplayedInvocation | Promise<Invocation> {
    const startedAt = performance.now();
    let config: ResolvedOptions;
    try {
      config = this.#resolver.resolve(self);
      // IDEMPOTENCY_DISABLED (tests, local runs): the method runs, no key is read, no store called.
      if (idempotencyDisabled(config.logger)) return Promise.resolve(UNPROTECTED);
    } catch (err) {
      // Not an async method (one promise less per call): its failures are rejections all the same.
      return Promise.reject(err);
    }
    return new IdempotentCall(config, args, startedAt).begin(self, this.#localCache);
  }
}

/**
 * The engine of one idempotent function. Options are validated by the caller, resolved lazily,
 * and cached until `configureIdempotency` changes the process defaults. Shared by
 * `makeIdempotent`, the decorators and the Middy middleware.
 *
 * @example
 * ```ts
 * const engine = createIdempotency({ key: 'orderId', store }, { defaultName: () => 'chargeOrder', classDefaults: () => undefined });
 * ```
 */
export function createIdempotency(options: IdempotencyOptions, binding: EngineBinding): IdempotencyEngine {
  return new Engine(options, binding);
}

/**
 * Runs `fn` on `self` with `args` under the engine: replay, or run then complete / release. What
 * `makeIdempotent` and the decorators call per invocation. `fn` is called with `fn.apply(self,
 * args)` only on a claimed run: a hit allocates no closure for it.
 *
 * @example
 * ```ts
 * return runIdempotent(engine, this, args, fn);
 * ```
 */
export function runIdempotent<TThis, TArgs extends unknown[], TResult>(
  engine: IdempotencyEngine,
  self: TThis,
  args: TArgs,
  fn: (this: TThis, ...args: TArgs) => TResult | Promise<TResult>,
): Promise<Awaited<TResult>> {
  const started = engine.start(self, args);
  // Served from the local cache: no async frame and no await, about a tenth of such a hit besides its log line.
  if (!(started instanceof Promise)) return Promise.resolve(started.result as Awaited<TResult>);
  return runStarted(started, self, args, fn);
}

/** The rest of {@link runIdempotent}, once `begin` answered with a promise: replay, or run then complete / release. */
async function runStarted<TThis, TArgs extends unknown[], TResult>(
  started: Promise<Invocation>,
  self: TThis,
  args: TArgs,
  fn: (this: TThis, ...args: TArgs) => TResult | Promise<TResult>,
): Promise<Awaited<TResult>> {
  const invocation = await started;
  if (invocation.replay) return invocation.result as Awaited<TResult>;
  let result: Awaited<TResult>;
  try {
    result = await fn.apply(self, args);
  } catch (err) {
    await invocation.fail(err);
    throw err;
  }
  return (await invocation.complete(result)) as Awaited<TResult>;
}
