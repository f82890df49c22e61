import { createIdempotency, type Invocation } from './engine';
import { IdempotencyConfigError } from './errors';
import { validateOptions, type IdempotencyOptions } from './options';

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
  before(request: MiddyRequestLike): Promise<void>;
  after(request: MiddyRequestLike): Promise<void>;
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
 * A claim is tied to its invocation, whatever the other middlewares do:
 * - the handler returned: completed with the response as this `after` sees it;
 * - an error raised after the handler returned (a later `after` threw): the error is stored and
 *   replayed, never released, so a retry cannot repeat the side effect;
 * - the handler (or a later `before`) threw: released, so a retry runs (or stored, when
 *   `cacheError` says so);
 * - a later middleware answered early in `before` (the handler never ran): released;
 * - Middy's early timeout (`TimeoutError`) while the handler runs: the outcome is unknown, so
 *   the claim is kept until its lease ends (never released).
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
      const invocation = await engine.begin(request.context, [request.event, request.context]);
      if (invocation.replay) {
        request.earlyResponse = invocation.result;
        return;
      }
      runs.set(request, new ClaimedRun(invocation, request));
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

/** Marks "no response written yet" and "different responses written". */
const NONE: unique symbol = Symbol('none');
const MIXED: unique symbol = Symbol('mixed');

/**
 * One claimed request, from our `before` to the end of its invocation.
 *
 * Middy tells a middleware nothing when a later middleware answers early (our `after` and
 * `onError` are skipped), nor where an error came from. Both show in Middy's own writes, which
 * this watches:
 * - when a middleware answers early (in `before`, `after` or `onError`), Middy sets
 *   `request.earlyResponse`, then writes it to `request.response`. If the handler's result was
 *   written before (a write of another value), the handler ran: the answer is recorded; else
 *   (no write, or only the answer itself, as `request.response = x; return x` in a `before`)
 *   the claim is released. An `after` that answers early with the very object the handler
 *   returned is taken for a `before`: the README says not to return from `after`.
 * - Middy writes the handler's result to `request.response` (even `undefined`); on an error it
 *   writes `request.response = undefined`, then `request.error`. So at the first `request.error`
 *   write, two or more `response` writes mean the handler had returned. A `before` that writes
 *   `request.response` without answering early adds one: a failure is then stored rather than
 *   released, which errs towards no second run.
 */
class ClaimedRun {
  private responseWrites = 0;
  /** The value of every `response` write so far, when they all wrote the same one. */
  private written: unknown = NONE;
  private outcome: Promise<unknown> | undefined;

  constructor(
    private readonly claim: Claim,
    private readonly request: MiddyRequestLike,
  ) {
    watchWrites(request, 'response', (value) => this.onResponseWrite(value));
    watchWrites(request, 'error', (error) => void this.errorRaised(error));
    registerCleanup(request, () => this.answeredEarly(request.response));
  }

  /** Our `after`: the handler returned, and every `after` registered later has run. */
  handlerReturned(response: unknown): Promise<unknown> {
    return this.settle(() => this.claim.complete(response));
  }

  /** Middy's first `request.error` write, or our `onError`. */
  async errorRaised(error: unknown): Promise<void> {
    if (this.outcome === undefined) {
      const afterReturn = this.responseWrites >= 2;
      if (!afterReturn && isMiddyTimeout(error)) {
        // Timeline: the handler still runs → Middy answers TimeoutError just before the Lambda
        // deadline → the handler may still charge. Releasing would let a retry run beside it,
        // so the claim ends with its lease instead.
        this.claim.abandon();
        this.outcome = Promise.resolve();
      } else {
        // Timeline: handler returns (side effect done) → a later `after` throws. Releasing would
        // let the client's retry repeat the side effect, so the failure is stored and replayed.
        this.settle(() => this.claim.fail(error, afterReturn ? { store: true } : undefined));
      }
    }
    await this.outcome?.catch(ignore);
  }

  /** A middleware answered early: before the handler ran (release) or after it (complete). */
  async answeredEarly(response: unknown): Promise<void> {
    const handlerRan = this.responseWrites > 0 && this.written !== response;
    await this.settle(() => (handlerRan ? this.claim.complete(response) : this.claim.fail(undefined, { store: false }))).catch(ignore);
  }

  private onResponseWrite(value: unknown): void {
    if (this.outcome !== undefined) return;
    if (Object.hasOwn(this.request, 'earlyResponse')) {
      void this.answeredEarly(value);
      return;
    }
    this.responseWrites += 1;
    this.written = this.written === NONE || this.written === value ? value : MIXED;
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

/** Calls `onWrite` after each assignment to `target[name]`, keeping any accessor already there. */
function watchWrites(target: MiddyRequestLike, name: 'response' | 'error', onWrite: (value: unknown) => void): void {
  const previous = Object.getOwnPropertyDescriptor(target, name);
  let value: unknown = target[name];
  const read = previous?.get === undefined ? () => value : () => previous.get?.call(target) as unknown;
  const store = previous?.set === undefined ? (v: unknown) => void (value = v) : (v: unknown) => previous.set?.call(target, v);
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: true,
    get: read,
    set(v: unknown) {
      store(v);
      onWrite(v);
    },
  });
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

function ignore(): void {}
