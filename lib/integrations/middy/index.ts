/**
 * `lambda-idempotency/middy`: the Middy middleware, for handlers written as functions. Needs no
 * import of `@middy/core` (an optional peer, Middy 6 or later).
 *
 * @module lambda-idempotency/middy
 */
import { createIdempotency, type Invocation } from '../../engine/engine';
import { IdempotencyConfigError } from '../../core/errors';
import { HandlerTrace, readUntracked } from './middyTrace';
import type { IdempotencyOptions } from '../../core/options';
import { validateOptions } from '../../core/validateOptions';

/**
 * The part of a Middy request this middleware uses (Middy's own `Request` fits), so this module
 * needs no import of `@middy/core`.
 *
 * @example
 * ```ts
 * const request: MiddyRequestLike = { event: { orderId: 'o-1' }, context, response: undefined, error: undefined, internal: {} };
 * ```
 */
export interface MiddyRequestLike {
  event: unknown;
  context: unknown;
  response: unknown;
  error: unknown;
  earlyResponse?: unknown;
  /** Middy's per-request storage (Middy 6+); the claim's clean-up function is registered here. */
  internal?: Record<string, unknown>;
}

/**
 * A Middy middleware object.
 *
 * @example
 * ```ts
 * const middleware: IdempotencyMiddleware = idempotency({ key: 'orderId' });
 * ```
 */
export interface IdempotencyMiddleware {
  /** Claims the key; on a replay or a conflict answers early, so the handler does not run. */
  before(request: MiddyRequestLike): Promise<void>;
  /** Completes the claim with the response as this `after` sees it. */
  after(request: MiddyRequestLike): Promise<void>;
  /** Releases the claim (or keeps the failure, with `cacheError`) when the handler threw. */
  onError(request: MiddyRequestLike): Promise<void>;
}

/**
 * The key of `request.internal` where Powertools' `cleanupMiddlewares(request)` looks for an
 * idempotency clean-up function; a middleware that answers early and calls it releases our claim
 * before it answers.
 */
const CLEANUP_KEY = 'powertools-for-aws.idempotency';

/**
 * Middy middleware with the same options as `@Idempotent`. Register it before every middleware
 * whose `after` changes or checks the response (CORS, serializers, response validation), so the
 * response it stores is the one the client receives: a hit answers early with it (Middy then
 * skips the handler and every `after`). Guards that act only in `before` (authentication) may
 * come before it.
 *
 * A claim is tied to its invocation, whatever the other middlewares do (the README's Middy
 * section lists what cannot be told apart):
 * - the handler returned: completed with the response as this `after` sees it, or with the
 *   answer of a later `after` that answers early;
 * - an error raised after the handler returned (a later `after` threw): the error is stored and
 *   replayed, never released, so a retry cannot repeat the side effect;
 * - the handler (or a later `before`) threw: released, so a retry runs (or stored, when
 *   `cacheError` says so);
 * - a later middleware answered early in `before` (the handler never ran): released;
 * - an error that may be Middy's early timeout while the handler runs (its `TimeoutError`, or
 *   any error from the handler's start on with at most 1 s of the invocation left): the outcome
 *   is unknown, so the claim is kept until its lease ends (never released).
 * The lease renewal (`renewLease`) stops on each of these. The namespace is `name`, else the
 * Lambda function name.
 *
 * @example
 * ```ts
 * import middy from '@middy/core';
 * import httpCors from '@middy/http-cors';
 * import { idempotency } from 'lambda-idempotency/middy';
 *
 * export const handler = middy(charge)
 *   .use(idempotency({ key: 'body.orderId', store }))
 *   .use(httpCors());
 * ```
 */
export function idempotency(options: IdempotencyOptions = {}): IdempotencyMiddleware {
  validateOptions(options, 'idempotency middleware');
  const engine = createIdempotency(options, {
    defaultName: (context) => {
      const name = (context as { functionName?: unknown } | undefined)?.functionName;
      if (typeof name === 'string' && name !== '') return name;
      throw new IdempotencyConfigError('The idempotency middleware needs a record namespace: pass `name`, or run it with a Lambda context that has `functionName`.');
    },
    classDefaults: () => undefined,
  });
  // Per request, the claim taken in `before`; only a request whose claim we hold is completed or
  // released (an IdempotencyInProgressError from `before` also reaches `onError`).
  const runs = new WeakMap<MiddyRequestLike, ClaimedRun>();

  return {
    async before(request) {
      const [event, context] = readUntracked(() => [request.event, request.context]);
      const invocation = await engine.begin(context, [event, context]);
      if (invocation.replay) {
        request.earlyResponse = invocation.result;
        return;
      }
      runs.set(request, new ClaimedRun(invocation, request, context));
    },
    async after(request) {
      await runs.get(request)?.handlerReturned(request.response);
    },
    async onError(request) {
      await runs.get(request)?.errorRaised(request.error);
    },
  };
}

type Claim = Extract<Invocation, { replay: false }>;

/**
 * Middy's early timeout fires `timeoutEarlyInMillis` before the deadline (5 ms by default), and
 * its `timeoutEarlyResponse` may throw any error; an error raised with at most this much of the
 * invocation left may be it, while the handler still runs. Keeping the claim then costs little:
 * its lease ends with the invocation, at most this long after.
 */
const NEAR_DEADLINE_MS = 1_000;

/**
 * One claimed request, from our `before` to the end of its invocation. Middy tells a middleware
 * nothing when a later middleware answers early (our `after` and `onError` are skipped), nor
 * where an error came from; {@link HandlerTrace} reads what Middy's own steps prove:
 * - an early answer (Middy sets `request.earlyResponse`, then writes it to `request.response`)
 *   before the handler may have returned: released; after it: the answer is recorded;
 * - Middy's first `request.error` write: after the handler may have returned, the failure is
 *   stored (a retry must not repeat the side effect); before the handler may have started,
 *   released; in between (the handler threw, or Middy's early timeout answered while it runs),
 *   kept until its lease ends when it may be the timeout, else released.
 */
class ClaimedRun {
  private readonly trace: HandlerTrace;
  private outcome: Promise<unknown> | undefined;

  constructor(
    private readonly claim: Claim,
    private readonly request: MiddyRequestLike,
    /** The Lambda context at our `before` (Middy reads its deadline before the middlewares run). */
    private readonly context: unknown,
  ) {
    this.trace = new HandlerTrace(request, (name, value) => (name === 'response' ? this.onResponseWrite(value) : void this.errorRaised(value)));
    registerCleanup(request, () => this.answeredEarly(request.response));
  }

  /** Our `after`: the handler returned, and every `after` registered later has run. */
  handlerReturned(response: unknown): Promise<unknown> {
    return this.settle(() => this.claim.complete(response));
  }

  /** Middy's first `request.error` write, or our `onError`. */
  async errorRaised(error: unknown): Promise<void> {
    if (this.outcome === undefined) {
      if (this.trace.mayHaveReturnedBeforeError) {
        // Timeline: handler returns (side effect done) → a later `after` throws. Releasing would
        // let the client's retry repeat the side effect, so the failure is stored and replayed.
        this.settle(() => this.claim.fail(error, { store: true }));
      } else if (this.trace.mayHaveStarted && (isMiddyTimeout(error) || nearDeadline(this.context))) {
        // Timeline: the handler still runs → Middy's early timeout answers with an error → the
        // handler may still charge. Releasing would let a retry run beside it, so the claim
        // ends with its lease instead.
        this.claim.abandon();
        this.outcome = Promise.resolve();
      } else {
        this.settle(() => this.claim.fail(error));
      }
    }
    await this.outcome?.catch(ignore);
  }

  /** A middleware answered early: before the handler may have returned (release) or after (record). */
  async answeredEarly(response: unknown): Promise<void> {
    const handlerRan = this.trace.mayHaveReturned;
    await this.settle(() => (handlerRan ? this.claim.complete(response) : this.claim.fail(undefined, { store: false }))).catch(ignore);
  }

  private onResponseWrite(value: unknown): void {
    if (this.outcome === undefined && Object.hasOwn(this.request, 'earlyResponse')) void this.answeredEarly(value);
  }

  /** Starts the claim's one outcome (the first caller wins); later callers get the same promise. */
  private settle(step: () => Promise<unknown>): Promise<unknown> {
    if (this.outcome === undefined) {
      this.outcome = step();
      // It may start from a property write, which nobody awaits; awaiting callers still see a rejection.
      this.outcome.catch(ignore);
    }
    return this.outcome;
  }
}

/** Lets an early-answering middleware release the claim and wait for it (Powertools' convention). */
function registerCleanup(request: MiddyRequestLike, cleanup: () => Promise<void>): void {
  const internal = request.internal;
  if (internal === undefined) return;
  const previous = internal[CLEANUP_KEY];
  internal[CLEANUP_KEY] =
    typeof previous === 'function'
      ? async (r: unknown) => {
          await (previous as (r: unknown) => unknown)(r);
          await cleanup();
        }
      : cleanup;
}

/** Middy's `timeoutEarlyResponse` error: thrown while the handler may still be running. */
function isMiddyTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError' && (error.cause as { package?: unknown } | undefined)?.package === '@middy/core';
}

/**
 * Whether the invocation is within {@link NEAR_DEADLINE_MS} of its end. The deadline is read as
 * Middy reads it; without one, Middy sets no early timeout, so no error can be its answer.
 */
function nearDeadline(context: unknown): boolean {
  const c = context as { getRemainingTimeInMillis?: unknown; lambdaContext?: { getRemainingTimeInMillis?: unknown } } | null | undefined;
  const holder = c?.getRemainingTimeInMillis ? c : c?.lambdaContext;
  const remainingTime = holder?.getRemainingTimeInMillis;
  if (!remainingTime) return false;
  try {
    // Middy's timer fires at once when the remaining time is not a number: so is it near.
    return !(Number((remainingTime as () => unknown).call(holder)) > NEAR_DEADLINE_MS);
  } catch {
    return true;
  }
}

function ignore(): void {}
