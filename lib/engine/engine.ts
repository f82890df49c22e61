import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  IdempotencyCompletionError,
  IdempotencyConfigError,
  IdempotencyError,
  IdempotencyErrorCode,
  IdempotencyInProgressError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultError,
  IdempotencyStoreError,
} from '../core/errors';
import { compileSelector, hashValue, legacyValidationValue, missingKeyError, MISSING, recordKeyPrefix, select, type CompiledSelector } from '../core/key/key';
import { Decision, logDecision, type DecisionLog, type IdempotencyLogger } from '../core/log';
import { OnStoreError, type IdempotencyDefaults, type IdempotencyOptions, type LocalCacheOptions, type StoreOption } from '../core/options';
import { OPTION_TABLE, withDefaults } from '../core/optionTable';
import { getProcessDefaults, layerOptions } from '../core/processDefaults';
import { createSealer, type EncryptionOptions, type Sealer } from '../core/encryption';
import { LocalCacheSlot } from './localCache';
import type { Serializer } from '../core/serializer';
import { checkPayloadSize, decodePayload, encodeFailure, encodeResult } from './payload';
import { RecordStatus } from '../core/record';
import { ClaimOutcome, isStore, type IdempotencyStore } from '../stores/IdempotencyStore';

/**
 * The decision flow, free of decorators and of Redis:
 *
 *   derive key ─► store.claim ─┬─ COMPLETED    → validate → replay              (hit)
 *                              ├─ IN_PROGRESS  → IdempotencyInProgressError     (in_progress)
 *                              └─ claimed      → run ─┬─ ok    → complete (CAS) (miss)
 *                                                     └─ throw → release (CAS)  (released)
 */

/** What the engine needs from whoever wraps a function: names and class defaults, maybe per instance. */
export interface EngineBinding {
  /** The namespace when `name` is not set (`Class.method`, or the function's name). */
  defaultName(self: unknown): string;
  /** Defaults of the class the method belongs to, if any. */
  classDefaults(self: unknown): IdempotencyDefaults | undefined;
}

/**
 * The part of a Lambda `Context` the library reads: the remaining time bounds the lease.
 *
 * @example
 * ```ts
 * const context: LambdaContextLike = { getRemainingTimeInMillis: () => 30_000 };
 * ```
 */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

interface Resolved {
  readonly namespace: string;
  readonly keyPrefix: string;
  readonly key: CompiledSelector;
  readonly validate: CompiledSelector | undefined;
  readonly ttlMs: number;
  readonly leaseMs: number | undefined;
  readonly requireKey: boolean;
  readonly store: StoreOption | undefined;
  readonly logger: IdempotencyLogger;
  readonly failOpen: boolean;
  readonly maxResultBytes: number;
  readonly eventArgIndex: number;
  readonly onReplay: ((result: unknown) => unknown) | undefined;
  readonly localCache: LocalCacheOptions | undefined;
  readonly onDecision: ((decision: DecisionLog) => void) | undefined;
  readonly cacheResult: ((result: unknown) => boolean) | undefined;
  readonly cacheError: ((error: unknown) => boolean) | undefined;
  readonly renewLease: boolean;
  readonly waitMs: number | undefined;
  readonly serializer: Serializer;
  readonly sealer: Sealer | undefined;
}

// Owner tokens only need to be unique, not secret: a per-process random prefix plus a counter is
// unique across processes and costs no entropy per call.
const TOKEN_PREFIX = randomBytes(9).toString('base64url');
let tokenCounter = 0;
function nextToken(): string {
  return TOKEN_PREFIX + (tokenCounter++).toString(36);
}

function merge(options: IdempotencyOptions, classDefaults: IdempotencyDefaults | undefined, name: string): Resolved {
  // An option given as `undefined` at a level is not set there: the level below keeps its value.
  const o = withDefaults(layerOptions(getProcessDefaults().defaults, classDefaults, options));
  const namespace = o.name ?? name;
  return {
    namespace,
    keyPrefix: recordKeyPrefix(o.prefix, namespace),
    key: compileSelector(o.key, 'key'),
    validate: o.validate === undefined ? undefined : compileSelector(o.validate, 'validate'),
    ttlMs: o.ttlSeconds * 1000,
    leaseMs: o.leaseSeconds === undefined ? undefined : o.leaseSeconds * 1000,
    requireKey: o.requireKey,
    store: o.store,
    logger: o.logger,
    failOpen: o.onStoreError === OnStoreError.Continue,
    maxResultBytes: o.maxResultBytes,
    eventArgIndex: o.eventArgIndex,
    onReplay: o.onReplay,
    localCache: o.localCache,
    onDecision: o.onDecision,
    cacheResult: o.cacheResult,
    cacheError: o.cacheError,
    renewLease: o.renewLease,
    waitMs: o.onInProgress === 'wait' ? o.waitSeconds * 1000 : undefined,
    serializer: o.serializer,
    sealer: o.encryption === undefined ? undefined : sealerFor(o.encryption),
  };
}

// Key schedules are prepared once per options object, not on every configuration change.
const sealers = new WeakMap<EncryptionOptions, Sealer>();
function sealerFor(options: EncryptionOptions): Sealer {
  let sealer = sealers.get(options);
  if (sealer === undefined) sealers.set(options, (sealer = createSealer(options)));
  return sealer;
}

function findContext(args: readonly unknown[]): LambdaContextLike | undefined {
  for (const arg of args) {
    if (arg !== null && typeof arg === 'object' && typeof (arg as LambdaContextLike).getRemainingTimeInMillis === 'function') {
      return arg as LambdaContextLike;
    }
  }
  return undefined;
}

/** What the context's `getRemainingTimeInMillis()` answers now, if a finite number; `undefined` outside Lambda. */
function readRemaining(args: readonly unknown[]): number | undefined {
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

// Lambda's longest invocation is 15 minutes: no real context has more time left.
const MAX_REMAINING_MS = 15 * 60 * 1000;

/**
 * The invocation's time left, read now (it runs down), as a lease may use it: `undefined` outside
 * Lambda, and for an answer that is no time left to bound by. Zero or less (a stub context, or a
 * container thawed after its invocation ended) would give a 1 ms lease, over before a duplicate
 * arrives, so both run. More than Lambda's 15 minutes is capped (1e19 would reach Redis as a PX it
 * refuses).
 */
function remainingMs(args: readonly unknown[]): number | undefined {
  const remaining = readRemaining(args);
  if (remaining === undefined || remaining <= 0) return undefined;
  return Math.min(remaining, MAX_REMAINING_MS);
}

/**
 * A lease for a claim or renewal made now: `leaseSeconds`, never past the time the invocation has
 * left at this moment. Called at each claim attempt and each renewal, never cached: a lease
 * computed when the call began would outlive the invocation by the time already spent. Without a
 * usable time left (`remaining` from `remainingMs`), `leaseSeconds` or the no-context default.
 */
function leaseFor(resolved: Resolved, remaining: number | undefined): number {
  const configured = resolved.leaseMs;
  if (remaining === undefined) return configured ?? OPTION_TABLE.leaseSeconds.withoutContext * 1000;
  const bound = Math.max(1, Math.floor(remaining));
  return configured === undefined ? bound : Math.min(configured, bound);
}

/**
 * For a renewal: the invocation that bounded the claim has run out of time (a frozen container
 * thawed later), so the lease should end with it. A context that had no usable time left at the
 * claim never bounded it, and does not stop the renewal.
 */
function invocationOver(args: readonly unknown[], boundedAtClaim: boolean): boolean {
  const left = readRemaining(args);
  return boundedAtClaim && left !== undefined && left <= 0;
}

function resolveStore(resolved: Resolved, self: unknown): IdempotencyStore {
  const option = resolved.store;
  if (option === undefined) {
    throw new IdempotencyConfigError(
      `${resolved.namespace}: no idempotency store is configured; call configureIdempotency({ store: new RedisStore(url) }) at start-up, or pass \`store\` in the options.`,
    );
  }
  if (typeof option !== 'function') return option;
  const store = option(self);
  if (!isStore(store)) {
    throw new IdempotencyConfigError(`${resolved.namespace}: the \`store\` function returned no IdempotencyStore; check that the store is injected before the handler runs.`);
  }
  return store;
}

function asStoreError(namespace: string, step: string, err: unknown): IdempotencyError {
  if (err instanceof IdempotencyError) return err;
  return new IdempotencyStoreError(`${namespace}: the idempotency store failed during ${step}; the store's error is the cause.`, { cause: err });
}

/**
 * One call in flight: either a replay (the stored result, the method must not run), or a run that
 * the caller must finish with exactly one of `complete` or `fail`.
 */
export type Invocation =
  | { readonly replay: true; readonly result: unknown }
  | {
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
    };

const UNPROTECTED: Invocation = { replay: false, complete: async (result) => result, fail: async () => undefined, abandon: () => undefined };

/**
 * The engine of one idempotent function: `begin` claims (or replays) for a call. Options are
 * validated by the caller, resolved lazily, and cached until `configureIdempotency` changes the
 * process defaults. Shared by `makeIdempotent`, the decorators and the Middy middleware.
 */
export function createIdempotency(options: IdempotencyOptions, binding: EngineBinding): { begin(self: unknown, args: readonly unknown[]): Promise<Invocation> } {
  let cached: { version: number; classDefaults: IdempotencyDefaults | undefined; name: string; resolved: Resolved } | undefined;
  // Lives here, not in the resolved options: re-resolving (any configureIdempotency call) must
  // not empty it.
  const localCache = new LocalCacheSlot();

  function resolve(self: unknown): Resolved {
    const version = getProcessDefaults().version;
    const classDefaults = binding.classDefaults(self);
    const name = options.name ?? binding.defaultName(self);
    if (cached === undefined || cached.version !== version || cached.classDefaults !== classDefaults || cached.name !== name) {
      cached = { version, classDefaults, name, resolved: merge(options, classDefaults, name) };
    }
    return cached.resolved;
  }

  async function begin(self: unknown, args: readonly unknown[]): Promise<Invocation> {
    const startedAt = performance.now();
    const r = resolve(self);

    // The key is fixed here, before the method runs: a method that mutates its event still
    // completes or releases the record it claimed.
    const event = args[r.eventArgIndex];
    let keyHash: string;
    let validationHash: string | undefined;
    // Both selections run synchronously, so one shared cache of parsed JSON strings serves them;
    // emptied after, so that it does not keep the event's parsed body alive.
    try {
      const keyValue = select(event, r.key, PARSED);
      if (keyValue === MISSING) {
        // The error names the path and where it stopped (configuration, never event data).
        const error = missingKeyError(r.namespace, event, r.key);
        if (r.requireKey) throw error;
        logCall(r, startedAt, Decision.KeyMissing, undefined, error);
        return UNPROTECTED;
      }
      keyHash = hashValue(keyValue, r.key.label);
      validationHash = r.validate === undefined ? undefined : validationHashOf(r.namespace, event, r.validate);
    } finally {
      if (PARSED.size > 0) PARSED.clear();
    }
    const recordKey = r.keyPrefix + keyHash;
    const call: Call = { r, startedAt, keyHash, recordKey, validationHash, event };
    // The store first: with `store: (self) => self.store` (a store per tenant), the same record
    // key in another store is another record.
    const store = resolveStore(r, self);
    const cache = localCache.for(r.localCache);
    const cached = cache?.get(store, recordKey);
    if (cached !== undefined) return replay(call, cached.payload, cached.validationHash);

    const log = (decision: Decision, hash?: string, err?: unknown): void => logCall(r, startedAt, decision, hash, err);
    // Read once for the first claim: the renewal needs to know whether this time bounded it.
    const remainingAtClaim = remainingMs(args);
    const leaseMs = leaseFor(r, remainingAtClaim);
    const token = nextToken();
    // onInProgress 'wait': poll the claim with jittered backoff (25 ms doubling to 500 ms), never
    // past waitSeconds nor past the invocation's end. Not bounded by `leaseSeconds`: with
    // renewLease a short lease is renewed, and a waiter must outwait it as long as it is asked to.
    const waitUntil = r.waitMs === undefined ? 0 : startedAt + Math.min(r.waitMs, remainingAtClaim ?? r.waitMs);
    let claim;
    let attemptLeaseMs = leaseMs;
    for (let delayMs = 25; ; delayMs = Math.min(delayMs * 2, 500)) {
      try {
        claim = await store.claim({ key: recordKey, token, leaseMs: attemptLeaseMs, ttlMs: Math.max(r.ttlMs, attemptLeaseMs), validationHash, withExpiry: cache !== undefined });
      } catch (err) {
        const error = asStoreError(r.namespace, 'the claim', err);
        log(Decision.StoreError, keyHash, error);
        if (isOutage(error)) await releaseFailedClaim(store, recordKey, token);
        // Only an outage fails open. A corrupt record could repeat a finished side effect; a
        // misconfiguration (no such table, no permission) would run unprotected forever.
        if (!r.failOpen || !isOutage(error)) throw error;
        log(Decision.FailOpen, keyHash);
        return UNPROTECTED;
      }
      if (claim.outcome !== ClaimOutcome.Existing) break;
      const { record } = claim;
      if (record.status === RecordStatus.Completed) {
        const invocation = replay(call, record.payload, record.validationHash);
        if (cache !== undefined && claim.expiresAtMs !== undefined) {
          cache.set(store, recordKey, { payload: record.payload, validationHash: record.validationHash, expiresAtMs: claim.expiresAtMs });
        }
        return invocation;
      }
      // Timeline: our claim lands → the connection drops before the reply → the client resends
      // it → the resend finds our own claim. It is ours: run, do not report it as in progress.
      // (A client of the caller's own, with ioredis' default; a store built from a URL never resends.)
      if (record.token === token) break;
      mismatch(call, record.validationHash);
      const pauseMs = delayMs * (0.5 + Math.random() / 2);
      if (performance.now() + pauseMs < waitUntil) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        // Each re-claim's lease is the time left now, not when the call began.
        attemptLeaseMs = leaseFor(r, remainingMs(args));
        continue;
      }
      log(Decision.InProgress, keyHash);
      const waitedMs = r.waitMs === undefined ? undefined : performance.now() - startedAt;
      throw new IdempotencyInProgressError(r.namespace, keyHash, Math.max(0, record.leaseExpiresAtMs - claim.nowMs), waitedMs);
    }
    if (claim.outcome === ClaimOutcome.TakenOver) log(Decision.LeaseTakeover, keyHash);

    // renewLease: keep the claim while a long method runs; stops at the end, or when the token is
    // no longer the owner (then the claim is lost and logged).
    let renewal: ReturnType<typeof setInterval> | undefined;
    const stopRenewal = (): void => {
      if (renewal !== undefined) clearInterval(renewal);
      renewal = undefined;
    };
    if (r.renewLease) {
      renewal = setInterval(() => {
        // The invocation is over (a frozen container thawed later): let the lease end with it.
        if (invocationOver(args, remainingAtClaim !== undefined)) {
          stopRenewal();
          return;
        }
        store.renewLease({ key: recordKey, token, leaseMs: leaseFor(r, remainingMs(args)) }).then(
          (owned) => {
            if (!owned && renewal !== undefined) {
              stopRenewal();
              log(Decision.LeaseLost, keyHash);
            }
          },
          (err: unknown) => log(Decision.StoreError, keyHash, asStoreError(r.namespace, 'a lease renewal', err)),
        );
      }, Math.max(50, Math.floor(attemptLeaseMs / 3)));
      renewal.unref();
    }

    let finished = false;
    /** 'stored'; 'lost' (the token no longer owns the record); 'unrecorded' (store failed, fail-open). */
    const record = async (payload: string | undefined, result: unknown): Promise<'stored' | 'lost' | 'unrecorded'> => {
      try {
        // One size check, before anything is written: the smaller of maxResultBytes and the store's limit.
        checkPayloadSize(r, payload, store.maxPayloadBytes);
        return (await store.complete({ key: recordKey, token, payload, validationHash, ttlMs: r.ttlMs })) ? 'stored' : 'lost';
      } catch (err) {
        const cause = asStoreError(r.namespace, 'the completion write', err);
        log(Decision.StoreError, keyHash, cause);
        // Too large (for maxResultBytes or the store): the caller is told, as for a serializer refusal.
        if (err instanceof IdempotencyResultError) throw err;
        // Fail-open tolerates an outage only: a misconfiguration (an ACL, a missing table) would
        // leave every result unrecorded, forever, without a word to the caller.
        if (r.failOpen && isOutage(cause)) return 'unrecorded';
        // Timeline: method ran (side effect done) → completion write failed. Releasing now
        // would let a retry repeat the side effect, so the claim is kept until its lease ends.
        throw new IdempotencyCompletionError(
          `${r.namespace}: the method ran but its result could not be recorded (key hash ${keyHash}); the claim is kept until its lease ends. Do not retry blindly: the side effect has happened.`,
          result,
          { cause },
        );
      }
    };
    return {
      replay: false,
      async fail(error, policy) {
        if (finished) return;
        finished = true;
        stopRenewal();
        if (policy?.store ?? (r.cacheError !== undefined && safePredicate(r.cacheError, error))) {
          // A final failure (a declined card): stored, and replayed as the same error.
          if ((await record(encodeFailure(r, error, recordKey, validationHash), error).catch(() => 'unrecorded')) === 'stored') log(Decision.ErrorStored, keyHash);
          return;
        }
        await release(r, store, recordKey, token, keyHash, error, log);
      },
      abandon() {
        finished = true;
        stopRenewal();
      },
      async complete(result) {
        if (finished) return result;
        finished = true;
        stopRenewal();
        if (r.cacheResult !== undefined && !safePredicate(r.cacheResult, result)) {
          // e.g. an HTTP 5xx: not stored, so a retry runs again.
          await release(r, store, recordKey, token, keyHash, undefined, log, Decision.NotStored);
          return result;
        }
        const payload = serialize(r, result, recordKey, validationHash, keyHash, log);
        const outcome = await record(payload, result);
        // Timeline: our lease ended → another caller took the claim over → we finish. The token
        // CAS refused our write, so the new owner's record stands; the result is still ours.
        if (outcome === 'stored') {
          log(Decision.Miss, keyHash);
          cache?.set(store, recordKey, { payload, validationHash, expiresAtMs: Date.now() + r.ttlMs });
        } else if (outcome === 'lost') {
          log(Decision.LeaseLost, keyHash);
        }
        return result;
      },
    };
  }

  return { begin };
}

/** What one call's decisions need: kept in one object so a hit allocates no closures. */
interface Call {
  readonly r: Resolved;
  readonly startedAt: number;
  readonly keyHash: string;
  readonly recordKey: string;
  readonly validationHash: string | undefined;
  /** Read again only on a validation mismatch, for records stored by version 0.1.x. */
  readonly event: unknown;
}

const PARSED = new Map<string, unknown>();

/** A validate part that is not there is an error, not a match: a typo must not switch validation off. */
function validationHashOf(namespace: string, event: unknown, selector: CompiledSelector): string {
  const value = select(event, selector, PARSED);
  if (value === MISSING) throw missingKeyError(namespace, event, selector);
  return hashValue(value, selector.label);
}

// Version 0.1.x hashed a validated JSON body as its raw text: a byte-identical retry of a request
// it recorded still matches after an upgrade (computed only when the hashes differ).
function matchesLegacyValidation(call: Call, storedHash: string): boolean {
  const selector = call.r.validate;
  if (selector === undefined) return false;
  try {
    const legacy = legacyValidationValue(call.event, selector);
    return legacy !== MISSING && hashValue(legacy) === storedHash;
  } catch {
    return false;
  }
}

function logCall(r: Resolved, startedAt: number, decision: Decision, keyHash: string | undefined, err?: unknown): void {
  logDecision(r.logger, r.onDecision, decision, r.namespace, Math.round((performance.now() - startedAt) * 1000) / 1000, keyHash, err);
}

function mismatch(call: Call, storedHash: string | undefined): void {
  if (call.validationHash !== undefined && storedHash !== undefined && storedHash !== call.validationHash && !matchesLegacyValidation(call, storedHash)) {
    logCall(call.r, call.startedAt, Decision.PayloadMismatch, call.keyHash);
    throw new IdempotencyPayloadMismatchError(call.r.namespace, call.keyHash);
  }
}

function replay(call: Call, payload: string | undefined, storedHash: string | undefined): Invocation {
  mismatch(call, storedHash);
  const { r } = call;
  // Decoded on every replay, so a caller that mutates its result cannot change the next one.
  const decoded = decodePayload(r, payload, call.recordKey, storedHash);
  logCall(r, call.startedAt, Decision.Hit, call.keyHash);
  // A failure stored by cacheError replays as a thrown error.
  if ('error' in decoded) throw decoded.error;
  return { replay: true, result: r.onReplay === undefined ? decoded.value : r.onReplay(decoded.value) };
}

/**
 * Runs `fn` under the engine: replay, or run then complete / release. What `makeIdempotent` and
 * the decorators call per invocation.
 */
export async function runIdempotent<TResult>(engine: ReturnType<typeof createIdempotency>, self: unknown, args: readonly unknown[], fn: () => TResult | Promise<TResult>): Promise<Awaited<TResult>> {
  const invocation = await engine.begin(self, args);
  if (invocation.replay) return invocation.result as Awaited<TResult>;
  let result: Awaited<TResult>;
  try {
    result = await fn();
  } catch (err) {
    await invocation.fail(err);
    throw err;
  }
  return (await invocation.complete(result)) as Awaited<TResult>;
}

function safePredicate(predicate: (value: unknown) => boolean, value: unknown): boolean {
  // A policy that throws must not turn a success into a failure: treat it as "no".
  try {
    return predicate(value) === true;
  } catch {
    return false;
  }
}

function serialize(r: Resolved, result: unknown, recordKey: string, validationHash: string | undefined, keyHash: string, log: (d: Decision, k?: string, e?: unknown) => void): string | undefined {
  try {
    return encodeResult(r, result, recordKey, validationHash);
  } catch (err) {
    log(Decision.StoreError, keyHash, err);
    throw err;
  }
}

// How long a failed claim's error waits for the release of its own token. Long enough for the
// release to be sent (DynamoDB signs and sends over a few ticks; ioredis writes at once), short
// enough that a stalled store delays the error by a bounded time.
const FAILED_CLAIM_RELEASE_WAIT_MS = 250;

/** The store failed or timed out, so the claim may yet land; not a record we refuse, nor a misconfiguration. */
function isOutage(error: IdempotencyError): boolean {
  return error.code === IdempotencyErrorCode.Store;
}

/**
 * Best effort, after a claim that failed or timed out: the claim may still land (a stalled
 * server or path delivers it later), and would then lock the key for its whole lease.
 * Timeline: claim sent → it times out → we release our token → the claim lands → the release
 * lands. On Redis the release follows the claim on the same connection, so it lands after it; if
 * that connection dropped, the release goes on the next one, and a store built from a URL never
 * sends the claim again (a client that resends can: see `lambdaRedisOptions`). Elsewhere the
 * release may arrive first and miss it. Never throws, never leaves a rejection unhandled, and
 * waits at most FAILED_CLAIM_RELEASE_WAIT_MS: the release carries on in the background after that.
 */
async function releaseFailedClaim(store: IdempotencyStore, recordKey: string, token: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = Promise.resolve()
    .then(() => store.release({ key: recordKey, token }))
    .then(
      () => undefined,
      () => undefined, // the claim's own error is the one reported
    );
  // Not unref'd: in a plain script a hung release must not let the process exit before the error.
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, FAILED_CLAIM_RELEASE_WAIT_MS)));
  await Promise.race([settled, waited]);
  clearTimeout(timer);
}

async function release(
  r: Resolved,
  store: IdempotencyStore,
  recordKey: string,
  token: string,
  keyHash: string,
  original: unknown,
  log: (d: Decision, k?: string, e?: unknown) => void,
  decision: Decision = Decision.Released,
): Promise<void> {
  try {
    await store.release({ key: recordKey, token });
    log(decision, keyHash);
  } catch (err) {
    // The method's own error stays the one thrown; the release failure rides along on it and the
    // claim simply ends with its lease.
    const error = asStoreError(r.namespace, 'the release after a failure', err);
    log(Decision.StoreError, keyHash, error);
    if (original !== null && typeof original === 'object' && Object.isExtensible(original)) {
      Object.defineProperty(original, 'idempotencyReleaseError', { value: error, enumerable: false, configurable: true });
    }
  }
}
