import { Logger } from '@aws-lambda-powertools/logger';
import { sharedState } from './processState';
import { isThenable } from './thenable';

/**
 * The decisions the library logs, one structured line each.
 *
 * @example
 * ```ts
 * onDecision: (d) => { if (d.decision === Decision.Hit) hits++; }
 * ```
 */
export const Decision = {
  /** A completed record was found; the stored result was replayed without running the method. */
  Hit: 'hit',
  /** No record: the method ran and its result was stored. */
  Miss: 'miss',
  /** Another invocation holds a live claim. */
  InProgress: 'in_progress',
  /** An expired claim was taken over; the method runs again. */
  LeaseTakeover: 'lease_takeover',
  /** Same key, different validated payload. */
  PayloadMismatch: 'payload_mismatch',
  /** The method threw; the claim was released so a retry can run. */
  Released: 'released',
  /** The store failed or timed out. */
  StoreError: 'store_error',
  /** No key was found in the event; the method ran without idempotency. */
  KeyMissing: 'key_missing',
  /** The claim was lost (lease ended and taken over) before the result could be recorded. */
  LeaseLost: 'lease_lost',
  /** The store failed and `onStoreError: 'continue'` ran the method unprotected. */
  FailOpen: 'fail_open',
  /** `cacheResult` declined the result: the claim was released so a retry runs again. */
  NotStored: 'not_stored',
  /** `cacheError` chose to store the failure; repeats replay it as an error. */
  ErrorStored: 'error_stored',
} as const;

/**
 * Union of the values of {@link Decision}.
 * @example
 * ```ts
 * const decision: Decision = Decision.Hit;
 * ```
 */
export type Decision = (typeof Decision)[keyof typeof Decision];

/**
 * The structured fields of a decision line. Never holds a raw key value, the event, a result or a
 * credential: only the namespace and the SHA-256 key hash.
 *
 * @example
 * ```ts
 * const line: DecisionLog = { decision: 'hit', namespace: 'Payments.charge', keyHash: 'ab12…', durationMs: 0.4 };
 * ```
 */
// A type alias, not an interface: Powertools' `LogAttributes` needs an implicit index signature.
export type DecisionLog = {
  readonly decision: Decision;
  readonly namespace: string;
  readonly keyHash?: string;
  readonly durationMs: number;
  /** Error name and message, on failure decisions. */
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string };
};

/**
 * What the library needs of a logger: Powertools' `Logger` fits, and so does anything with these
 * methods (pino, console wrappers). `warn` also receives the store's set-up warnings
 * ({@link StoreWarningLine}), which have `warning` where decision lines have `decision`.
 *
 * @example
 * ```ts
 * configureIdempotency({ logger: new Logger({ serviceName: 'payments' }) });
 * ```
 */
export interface IdempotencyLogger {
  /** The routine decisions: hit, miss, in progress, released, not stored, error stored. */
  info(line: DecisionLine): void;
  /** Decisions worth a look (lease takeover, payload mismatch, key missing, fail open) and set-up warnings. */
  warn(line: DecisionLine | StoreWarningLine | DisabledWarningLine): void;
  /** Decisions where protection failed: the store failed, or the lease was lost. */
  error(line: DecisionLine): void;
}

/**
 * A warning about the set-up rather than about a call, logged once at warn level: a Redis that
 * evicts keys when its memory is full (`eviction_policy`, once per store), or more stores built
 * from a URL open at once than a process needs (`open_stores`, once per process). Never holds a
 * URL, a host name or a credential.
 *
 * @example
 * ```ts
 * const line: StoreWarningLine = { message: 'RedisStore: …', warning: 'eviction_policy', store: 'RedisStore', maxmemoryPolicy: 'volatile-lru' };
 * ```
 */
// A type alias, not an interface: Powertools' `LogAttributes` needs an implicit index signature.
export type StoreWarningLine = {
  readonly message: string;
  readonly warning: 'eviction_policy' | 'open_stores' | 'no_command_timeout';
  readonly store: 'RedisStore';
  /** eviction_policy: the policy found, e.g. `volatile-lru`. */
  readonly maxmemoryPolicy?: string;
  /** eviction_policy: the memory limit, in bytes. */
  readonly maxmemoryBytes?: number;
  /** eviction_policy on a Cluster: how many of the `nodes` masters evict. */
  readonly nodesEvicting?: number;
  readonly nodes?: number;
  /** open_stores: stores built from a URL and not closed, in this process. */
  readonly openStores?: number;
};

/**
 * The warn-level line said once per process when `IDEMPOTENCY_DISABLED` turns idempotency off.
 *
 * @example
 * ```ts
 * const line: DisabledWarningLine = { message: 'lambda-idempotency is DISABLED …', warning: 'idempotency_disabled', forced: false };
 * ```
 */
// A type alias, not an interface: Powertools' `LogAttributes` needs an implicit index signature.
export type DisabledWarningLine = {
  readonly message: string;
  readonly warning: 'idempotency_disabled';
  /** `IDEMPOTENCY_DISABLED=force`: off although `AWS_LAMBDA_FUNCTION_NAME` is set. */
  readonly forced: boolean;
};

/**
 * What a logger receives: one object, the message and the decision's fields. A single object is
 * the cheapest call into Powertools' Logger (about 30% less than `info(message, attributes)`) and
 * the native form of pino.
 *
 * @example
 * ```ts
 * const line: DecisionLine = { message: 'idempotency hit: replayed the stored result', decision: 'hit', namespace: 'A.b', durationMs: 0.1 };
 * ```
 */
export type DecisionLine = DecisionLog & { readonly message: string };

const LEVEL: Record<Decision, 'info' | 'warn' | 'error'> = {
  hit: 'info',
  miss: 'info',
  in_progress: 'info',
  lease_takeover: 'warn',
  released: 'info',
  payload_mismatch: 'warn',
  key_missing: 'warn',
  fail_open: 'warn',
  store_error: 'error',
  lease_lost: 'error',
  not_stored: 'info',
  error_stored: 'info',
};

const MESSAGE: Record<Decision, string> = {
  hit: 'idempotency hit: replayed the stored result',
  miss: 'idempotency miss: ran the method and stored its result',
  in_progress: 'idempotency in progress: another invocation holds the claim',
  lease_takeover: 'idempotency lease takeover: the previous claim expired unfinished',
  released: 'idempotency released: the method threw, the claim was released for a retry',
  payload_mismatch: 'idempotency payload mismatch: the key was used with a different payload',
  key_missing: 'idempotency key missing: ran the method without idempotency',
  fail_open: 'idempotency store unavailable: ran the method UNPROTECTED (onStoreError: continue)',
  store_error: 'idempotency store error',
  lease_lost: 'idempotency lease lost: the claim was taken over before the result was recorded',
  not_stored: 'idempotency result not stored (cacheResult): the claim was released for a retry',
  error_stored: 'idempotency failure stored (cacheError): repeats replay the error',
};

let defaultLogger: Logger | undefined;

/**
 * The logger used when none is configured: a Powertools `Logger` (log level from
 * `POWERTOOLS_LOG_LEVEL`, service from `POWERTOOLS_SERVICE_NAME`), created on first use.
 */
export function getDefaultLogger(): IdempotencyLogger {
  defaultLogger ??= new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-idempotency' });
  return defaultLogger;
}

/**
 * Writes one decision line at the decision's level and passes it to `onDecision`. Observability
 * never changes a call's outcome nor ends the process: a logger or hook that throws, and a hook's
 * promise that rejects, are swallowed here (reported once per process, see
 * {@link reportObserverFailure}), so the call returns or throws exactly what it would otherwise.
 */
export function logDecision(
  logger: IdempotencyLogger,
  onDecision: ((decision: DecisionLog) => void) | undefined,
  decision: Decision,
  namespace: string,
  durationMs: number,
  keyHash: string | undefined,
  error: unknown,
): void {
  const line: { -readonly [K in keyof DecisionLine]: DecisionLine[K] } = { message: MESSAGE[decision], decision, namespace, durationMs };
  if (keyHash !== undefined) line.keyHash = keyHash;
  if (error !== undefined) line.error = errorSummary(error);
  try {
    // A logger method written `async` type-checks as `(line) => void`; its rejection is handled too.
    const returned: unknown = logger[LEVEL[decision]](line);
    if (isThenable(returned)) returned.then(undefined, (err: unknown) => reportObserverFailure('logger', err));
  } catch (err) {
    // Timeline: a result was stored → the log sink fails. Throwing now would report a stored
    // success as a failure (and, from the renewal timer, crash the process).
    reportObserverFailure('logger', err);
  }
  if (onDecision !== undefined) notify(onDecision, line);
}

/** Calls the hook without awaiting it; a sync throw or an async rejection is swallowed. */
function notify(onDecision: (decision: DecisionLog) => void, line: DecisionLine): void {
  try {
    const returned: unknown = onDecision(line);
    // An async hook's rejection nobody handles is an unhandled rejection: Node ends the process.
    if (isThenable(returned)) returned.then(undefined, (err: unknown) => reportObserverFailure('onDecision', err));
  } catch (err) {
    reportObserverFailure('onDecision', err);
  }
}


// The `code` of the process warning, for filtering (README, Logging).
const OBSERVER_FAILED_WARNING = 'LAMBDA_IDEMPOTENCY_OBSERVER_FAILED';

// Once per process: a second copy of the package (ES module and CommonJS) says nothing new.
const reported = /* @__PURE__ */ sharedState('observer-failures-reported', 1, () => new Set<'logger' | 'onDecision'>());

/**
 * Says once per process and observer kind, on stderr through `process.emitWarning`, that decision
 * lines or hook calls are being lost: silence would hide a broken log sink, one line per call
 * would flood it. Only the error's name and code are shown: the hook is user code, and its message
 * could hold anything.
 */
function reportObserverFailure(kind: 'logger' | 'onDecision', err: unknown): void {
  if (reported.has(kind)) return;
  reported.add(kind);
  try {
    const name = err instanceof Error ? err.name : typeof err;
    const code = (err as { code?: unknown } | null)?.code;
    process.emitWarning(
      `lambda-idempotency: the configured ${kind} threw (${name}${typeof code === 'string' ? ` ${code}` : ''}); the call was not affected, but decision ${kind === 'logger' ? 'lines are' : 'callbacks are'} being lost. Check the ${kind}. Reported once per process.`,
      { type: 'IdempotencyWarning', code: OBSERVER_FAILED_WARNING },
    );
  } catch {
    // Reporting must not fail either (a patched emitWarning, a throwing `name` getter).
  }
}

/** The safe summary of an error for a log line: its name, code and message, nothing else. */
function errorSummary(err: unknown): DecisionLog['error'] {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: typeof err, message: String(err) };
}
