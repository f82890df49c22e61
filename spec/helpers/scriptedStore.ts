import { ClaimOutcome, RecordStatus, type ClaimRequest, type ClaimResult, type CompleteRequest, type IdempotencyRecord, type IdempotencyStore, type ReleaseRequest, type RenewRequest } from '../../lib';

/** A call the scripted store received: the method, and its request as given. */
export type StoreCall =
  | ({ readonly method: 'claim' } & ClaimRequest)
  | ({ readonly method: 'complete' } & CompleteRequest)
  | ({ readonly method: 'release' } & ReleaseRequest)
  | ({ readonly method: 'renewLease' } & RenewRequest)
  | { readonly method: 'get'; readonly key: string }
  | { readonly method: 'delete'; readonly key: string };

type Method = StoreCall['method'];
type CallOf<M extends Method> = Extract<StoreCall, { method: M }>;
interface Answers {
  claim: ClaimResult;
  complete: boolean;
  release: boolean;
  renewLease: boolean;
  get: IdempotencyRecord | undefined;
  delete: boolean;
}

/** One scripted answer: a value, an `Error` to throw, or a function of the call (it may hang, or return its own token's claim). */
export type Answer<M extends Method> = Answers[M] | Error | ((call: CallOf<M>) => Answers[M] | Promise<Answers[M]>);

/**
 * A store for engine tests: each method answers from its own script, in order (`answer`), then
 * with its default (claim: claimed; complete, release, renewLease: true; get: nothing; delete:
 * false). Every call is recorded with its request (`calls`). No Redis, no timing: each branch of
 * the engine is forced exactly. It holds payloads of any size unless given `maxPayloadBytes`.
 *
 * @example
 * ```ts
 * const store = new ScriptedStore();
 * store.answer('claim', completedClaim('{"ok":true}'));
 * store.answer('release', new Error('Connection is closed.'));
 * ```
 */
export class ScriptedStore implements IdempotencyStore {
  readonly calls: StoreCall[] = [];

  constructor(readonly maxPayloadBytes: number = Number.POSITIVE_INFINITY) {}

  readonly #scripts: { [M in Method]: Array<Answer<M>> } = { claim: [], complete: [], release: [], renewLease: [], get: [], delete: [] };

  /** Queues answers for the next calls of `method`. */
  answer<M extends Method>(method: M, ...answers: Array<Answer<M>>): this {
    (this.#scripts[method] as Array<Answer<M>>).push(...answers);
    return this;
  }

  /** The methods called, in order. */
  methods(): Method[] {
    return this.calls.map((c) => c.method);
  }

  /** The calls of one method, in order. */
  callsOf<M extends Method>(method: M): Array<CallOf<M>> {
    return this.calls.filter((c): c is CallOf<M> => c.method === method);
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.#run({ method: 'claim', ...request }, () => ({ outcome: ClaimOutcome.Claimed, leaseExpiresAtMs: Date.now() + request.leaseMs }));
  }

  complete(request: CompleteRequest): Promise<boolean> {
    return this.#run({ method: 'complete', ...request }, () => true);
  }

  release(request: ReleaseRequest): Promise<boolean> {
    return this.#run({ method: 'release', ...request }, () => true);
  }

  renewLease(request: RenewRequest): Promise<boolean> {
    return this.#run({ method: 'renewLease', ...request }, () => true);
  }

  get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.#run({ method: 'get', key }, () => undefined);
  }

  delete(key: string): Promise<boolean> {
    return this.#run({ method: 'delete', key }, () => false);
  }

  async #run<M extends Method>(call: CallOf<M>, fallback: () => Answers[M]): Promise<Answers[M]> {
    this.calls.push(call);
    const answer = (this.#scripts[call.method as M] as Array<Answer<M>>).shift();
    if (answer === undefined) return fallback();
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? (answer as (call: CallOf<M>) => Answers[M] | Promise<Answers[M]>)(call) : answer;
  }
}

/** The claim answer for a completed record. */
export function completedClaim(payload: string | undefined, validationHash?: string): ClaimResult {
  return { outcome: ClaimOutcome.Existing, record: { status: RecordStatus.Completed, payload, validationHash }, nowMs: Date.now() };
}

/** The claim answer for another invocation's live claim, its lease ending `leaseLeftMs` after the store's `nowMs`. */
export function inProgressClaim(leaseLeftMs: number, options: { token?: string; validationHash?: string; nowMs?: number } = {}): ClaimResult {
  const nowMs = options.nowMs ?? Date.now();
  return {
    outcome: ClaimOutcome.Existing,
    record: { status: RecordStatus.InProgress, token: options.token ?? 'another-invocation', leaseExpiresAtMs: nowMs + leaseLeftMs, validationHash: options.validationHash },
    nowMs,
  };
}
