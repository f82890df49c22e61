import { Decision } from '../core/log';
import { OPTION_TABLE } from '../core/optionTable';
import type { IdempotencyStore } from '../stores/IdempotencyStore';
import { asStoreError } from './storeErrors';

/**
 * How long a claim stays exclusive: the lease of the first claim, of each wait-mode re-claim and
 * of each renewal, never past the end of the Lambda invocation that holds it.
 */

/**
 * The part of a Lambda `Context` the library reads: the remaining time bounds the lease.
 *
 * @example
 * ```ts
 * const context: LambdaContextLike = { getRemainingTimeInMillis: () => 30_000 };
 * ```
 */
export interface LambdaContextLike {
  /** Milliseconds left before Lambda stops the invocation, as the Lambda context answers. */
  getRemainingTimeInMillis(): number;
}

/** What a lease depends on in the resolved options. */
export interface LeaseOptions {
  /** `leaseSeconds` in milliseconds, when set. */
  readonly leaseMs: number | undefined;
}

// Lambda's longest invocation is 15 minutes: no real context has more time left.
const MAX_REMAINING_MS = 15 * 60 * 1000;

// A renewal runs every third of the lease, but never more often than this.
const MIN_RENEWAL_INTERVAL_MS = 50;

function findContext(args: readonly unknown[]): LambdaContextLike | undefined {
  for (const arg of args) {
    if (arg !== null && typeof arg === 'object' && typeof (arg as LambdaContextLike).getRemainingTimeInMillis === 'function') {
      return arg as LambdaContextLike;
    }
  }
  return undefined;
}

/** What the context's `getRemainingTimeInMillis()` answers now, if a finite number; `undefined` outside Lambda. */
function readRemainingMs(args: readonly unknown[]): number | undefined {
  const context = findContext(args);
  if (context === undefined) return undefined;
  let remaining: unknown;
  try {
    remaining = context.getRemainingTimeInMillis();
  } catch {
    return undefined; // read in the renewal timer too, where a throw would crash the process
  }
  return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined;
}

/**
 * The invocation's time left, read now (it runs down), as a lease may use it: `undefined` outside
 * Lambda, and for an answer that is no time left to bound by. Zero or less (a stub context, or a
 * container thawed after its invocation ended) would give a 1 ms lease, over before a duplicate
 * arrives, so both run. More than Lambda's 15 minutes is capped (1e19 would reach Redis as a PX it
 * refuses).
 *
 * @example
 * ```ts
 * remainingMs([event, { getRemainingTimeInMillis: () => 4_321 }]); // 4321
 * remainingMs([event]); // undefined
 * ```
 */
export function remainingMs(args: readonly unknown[]): number | undefined {
  const remaining = readRemainingMs(args);
  if (remaining === undefined || remaining <= 0) return undefined;
  return Math.min(remaining, MAX_REMAINING_MS);
}

/**
 * A lease for a claim or renewal made now: `leaseSeconds`, never past the time the invocation has
 * left at this moment. Called at each claim attempt and each renewal, never cached: a lease
 * computed when the call began would outlive the invocation by the time already spent. Without a
 * usable time left (`remaining` from `remainingMs`), `leaseSeconds` or the no-context default.
 *
 * @example
 * ```ts
 * leaseFor({ leaseMs: 10_000 }, 4_321); // 4321
 * leaseFor({ leaseMs: undefined }, undefined); // 60000
 * ```
 */
export function leaseFor(options: LeaseOptions, remaining: number | undefined): number {
  const configured = options.leaseMs;
  if (remaining === undefined) return configured ?? OPTION_TABLE.leaseSeconds.withoutContext * 1000;
  const bound = Math.max(1, Math.floor(remaining));
  return configured === undefined ? bound : Math.min(configured, bound);
}

/**
 * For a renewal: the invocation that bounded the claim has run out of time (a frozen container
 * thawed later), so the lease should end with it. A context that had no usable time left at the
 * claim never bounded it, and does not stop the renewal.
 *
 * @example
 * ```ts
 * invocationOver([event, { getRemainingTimeInMillis: () => 0 }], true); // true
 * ```
 */
export function invocationOver(args: readonly unknown[], boundedAtClaim: boolean): boolean {
  const left = readRemainingMs(args);
  return boundedAtClaim && left !== undefined && left <= 0;
}

/** What a renewal needs: the claim it renews, and where its decisions go. */
export interface RenewalTarget {
  readonly store: IdempotencyStore;
  readonly recordKey: string;
  readonly token: string;
  readonly options: LeaseOptions & { readonly namespace: string };
  /** The call's arguments, where the Lambda context is. */
  readonly args: readonly unknown[];
  /** Whether the invocation's time left bounded the first claim (then its end stops the renewal). */
  readonly boundedAtClaim: boolean;
  /** Logs a decision of the call (lease_lost, store_error). */
  report(decision: Decision, error?: unknown): void;
}

/**
 * `renewLease`: renews the claim every third of its lease while the method runs, each renewal
 * capped at the invocation's time left then; stops on `stop` (the call finished), when the token
 * no longer owns the claim (logged `lease_lost`), or when the invocation that bounded the claim is
 * over. The timer is unref'd: a pending renewal never keeps a process alive.
 *
 * @example
 * ```ts
 * const renewal = LeaseRenewal.start({ store, recordKey, token, options: config, args, boundedAtClaim: true, report }, leaseMs);
 * renewal.stop();
 * ```
 */
export class LeaseRenewal {
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(private readonly target: RenewalTarget) {}

  /** Renews `target`'s claim every third of `leaseMs` (at least every 50 ms) until stopped. */
  static start(target: RenewalTarget, leaseMs: number): LeaseRenewal {
    const renewal = new LeaseRenewal(target);
    renewal.#timer = setInterval(() => void renewal.#renewOnce(), Math.max(MIN_RENEWAL_INTERVAL_MS, Math.floor(leaseMs / 3)));
    renewal.#timer.unref();
    return renewal;
  }

  /** No further renewals; a renewal in flight still settles, and logs nothing of a lost claim. Idempotent. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renewOnce(): Promise<void> {
    const { store, recordKey, token, options, args } = this.target;
    // The invocation is over (a frozen container thawed later): let the lease end with it.
    if (invocationOver(args, this.target.boundedAtClaim)) return this.stop();
    let owned: boolean;
    try {
      owned = await store.renewLease({ key: recordKey, token, leaseMs: leaseFor(options, remainingMs(args)) });
    } catch (err) {
      return this.target.report(Decision.StoreError, asStoreError(options.namespace, 'a lease renewal', err));
    }
    // Stopped meanwhile: the call finished, and logs its own outcome.
    if (!owned && this.#timer !== undefined) {
      this.stop();
      this.target.report(Decision.LeaseLost);
    }
  }
}
