import { sharedState } from '../../core/processState';

/**
 * What Middy's own steps on one request prove about its handler, as seen from a middleware.
 *
 * Middy tells a middleware neither when the handler starts nor when it returns, and the
 * handler's result write looks like any middleware's `request.response = x`. Two of Middy's
 * steps around the handler call are visible on the request:
 * - after each middleware that did not answer early, and once more right before calling the
 *   handler, Middy asks `"earlyResponse" in request` (a *decision*). The first decision after
 *   our `before` is the one about ours, so the handler is called after the second at the
 *   earliest: the later `before` that runs between them is provably before the handler.
 * - it calls the handler as `handler(request.event, request.context, …)`: a read of `event`
 *   then of `context`, right after its last decision.
 * So the handler may have started once `event` then `context` were read after a decision other
 * than the first; and it may have returned once `response` was written after that. A `before`
 * that reads `event` then `context` (in that order, in one step) and then writes the response
 * cannot be told from the handler: it counts as the handler, which errs towards never running
 * it twice.
 *
 * The decisions are seen through a Proxy inserted as the request's prototype (its `has` trap
 * sees every `in` check the request itself cannot answer); `event`, `context`, `response` and
 * `error` become accessors that keep their values (and any accessor installed before).
 */
export class HandlerTrace {
  private decisions = 0;
  /** Reads of the handler call's pattern since the latest decision. */
  private step: 'none' | 'event' = 'none';
  private started = false;
  /** Response writes since the handler may have started. */
  private writesSinceStart = 0;
  /** Whether the latest response write was one of those, and wrote `undefined`. */
  private lastWriteWasResetCandidate = false;
  private readonly observer: object;

  /**
   * @param request Middy's request, at the end of our `before`.
   * @param onWrite Called after each write of `response` or `error`; the write of `response`
   *   is counted only after the call, so `mayHaveReturned` then still excludes it.
   */
  constructor(
    private readonly request: object,
    onWrite: (name: 'response' | 'error', value: unknown) => void,
  ) {
    this.observer = watchDecisions(request, () => this.decide());
    watchProperty(request, 'event', { read: () => this.read('event') });
    watchProperty(request, 'context', { read: () => this.read('context') });
    watchProperty(request, 'response', {
      write: (value) => {
        this.checkSight();
        onWrite('response', value);
        this.countWrite(value);
      },
    });
    watchProperty(request, 'error', {
      write: (value) => {
        this.checkSight();
        onWrite('error', value);
      },
    });
  }

  /** The handler may have been called (else every step so far provably came before it). */
  get mayHaveStarted(): boolean {
    return this.started;
  }

  /** A response write since the handler may have started: it may be the handler's result. */
  get mayHaveReturned(): boolean {
    return this.writesSinceStart > 0;
  }

  /**
   * At Middy's first `request.error` write: as `mayHaveReturned`, without Middy's own
   * `request.response = undefined` that comes just before it in its `catch`.
   */
  get mayHaveReturnedBeforeError(): boolean {
    return this.writesSinceStart - (this.lastWriteWasResetCandidate ? 1 : 0) > 0;
  }

  /**
   * If other code removed what this watches (set the request's prototype, or redefined `event` or
   * `context` as plain values), the handler's start could pass unseen: from then on it may have
   * started.
   */
  private checkSight(): void {
    if (!this.started && !(inPrototypeChain(this.request, this.observer) && isAccessor(this.request, 'event') && isAccessor(this.request, 'context'))) {
      this.started = true;
    }
  }

  private decide(): void {
    this.decisions += 1;
    this.step = 'none';
  }

  private read(name: 'event' | 'context'): void {
    if (name === 'event') {
      this.step = 'event';
    } else if (this.step === 'event' && this.decisions !== 1) {
      // A step with no decision seen at all (no Proxy) is not provably before the handler.
      this.started = true;
    }
  }

  private countWrite(value: unknown): void {
    this.lastWriteWasResetCandidate = this.started && value === undefined;
    if (this.started) this.writesSinceStart += 1;
  }
}

/**
 * Reads by our own middleware code, which must not look like the handler call. Shared by every
 * copy of the package: a middleware of the other copy (ES modules, CommonJS) on the same handler
 * reads the request as ours does, and the first one's trace must not take that for the handler.
 */
const untracked = /* @__PURE__ */ sharedState('middy-untracked-reads', 1, () => ({ depth: 0 }));

/**
 * Reads `request.event` and `request.context` without recording them (another idempotency
 * middleware registered before ours watches them too).
 */
export function readUntracked<T>(read: () => T): T {
  untracked.depth += 1;
  try {
    return read();
  } finally {
    untracked.depth -= 1;
  }
}

/**
 * Calls `onDecision` on each `"earlyResponse" in request` that the request does not answer
 * itself; returns the Proxy inserted as its prototype.
 */
function watchDecisions(request: object, onDecision: () => void): object {
  const parent = (Object.getPrototypeOf(request) as object | null) ?? Object.create(null);
  const observer = new Proxy(parent, {
    has(target, key) {
      if (key === 'earlyResponse') onDecision();
      return Reflect.has(target, key);
    },
    // The chain reads request → observer → the former prototype (`request instanceof Object`
    // holds); a frozen former prototype keeps its own (a Proxy invariant).
    getPrototypeOf: (target) => (Object.isExtensible(target) ? target : Reflect.getPrototypeOf(target)),
  });
  try {
    Object.setPrototypeOf(request, observer);
  } catch {
    // A non-extensible request: the observer is not in its chain, so nothing is provable.
  }
  return observer;
}

function inPrototypeChain(object: object, prototype: object): boolean {
  for (let p = Object.getPrototypeOf(object) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (p === prototype) return true;
  }
  return false;
}

function isAccessor(object: object, name: string): boolean {
  return typeof Object.getOwnPropertyDescriptor(object, name)?.get === 'function';
}

/** Replaces `target[name]` by an accessor that reports reads and writes and keeps the value. */
function watchProperty(target: object, name: string, on: { read?: () => void; write?: (value: unknown) => void }): void {
  const previous = Object.getOwnPropertyDescriptor(target, name);
  if (previous?.configurable === false) return;
  let value: unknown = previous?.get === undefined ? previous?.value : undefined;
  const get = previous?.get;
  const set = previous?.set;
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: previous?.enumerable ?? true,
    get() {
      if (untracked.depth === 0) on.read?.();
      return get === undefined ? value : (get.call(target) as unknown);
    },
    set(v: unknown) {
      if (set === undefined) value = v;
      else set.call(target, v);
      on.write?.(v);
    },
  });
}
