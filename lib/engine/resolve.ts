import { createSealer, type EncryptionOptions, type Sealer } from '../core/encryption';
import { IdempotencyConfigError } from '../core/errors';
import { compileSelector, recordKeyPrefix, type CompiledSelector } from '../core/key/key';
import type { DecisionLog, IdempotencyLogger } from '../core/log';
import { toIdempotencyLogger } from '../core/loggerShape';
import { OnStoreError, type IdempotencyDefaults, type IdempotencyOptions, type LocalCacheOptions, type StoreOption } from '../core/options';
import { withDefaults } from '../core/optionTable';
import { getProcessDefaults, layerOptions } from '../core/processDefaults';
import type { Serializer } from '../core/serializer';
import { storeProblem, type IdempotencyStore } from '../stores/IdempotencyStore';

/**
 * Options as one call uses them: the three levels merged (method > class > process), defaults
 * filled in, selectors compiled, seconds turned into milliseconds.
 *
 * @example
 * ```ts
 * const config: ResolvedOptions = resolveOptions({ key: 'orderId' }, undefined, 'chargeOrder');
 * config.ttlMs; // 3600000
 * ```
 */
export interface ResolvedOptions {
  readonly namespace: string;
  /** `<prefix>:<namespace>:`, to which the key hash is appended. */
  readonly keyPrefix: string;
  readonly key: CompiledSelector;
  readonly validate: CompiledSelector | undefined;
  readonly ttlMs: number;
  /** `leaseSeconds` in milliseconds; `undefined`: the invocation's time left bounds the lease alone. */
  readonly leaseMs: number | undefined;
  readonly requireKey: boolean;
  readonly store: StoreOption | undefined;
  readonly logger: IdempotencyLogger;
  /** `onStoreError: 'continue'`: an outage runs the method unprotected. */
  readonly failOpen: boolean;
  readonly maxResultBytes: number;
  readonly eventArgIndex: number;
  readonly onReplay: ((result: unknown) => unknown) | undefined;
  readonly localCache: LocalCacheOptions | undefined;
  readonly onDecision: ((decision: DecisionLog) => void) | undefined;
  /** `cacheResult`, made safe: a policy that throws counts as "no" (it must not turn a success into a failure). */
  readonly cacheResult: ((result: unknown) => boolean) | undefined;
  /** `cacheError`, made safe likewise: a policy that throws counts as "no". */
  readonly cacheError: ((error: unknown) => boolean) | undefined;
  readonly renewLease: boolean;
  /** `waitSeconds` in milliseconds with `onInProgress: 'wait'`; `undefined`: never wait. */
  readonly waitMs: number | undefined;
  readonly serializer: Serializer;
  readonly sealer: Sealer | undefined;
}

/**
 * What the engine needs from whoever wraps a function: names and class defaults, maybe per instance.
 *
 * @example
 * ```ts
 * const binding: EngineBinding = { defaultName: () => 'chargeOrder', classDefaults: () => undefined };
 * ```
 */
export interface EngineBinding {
  /** The namespace when `name` is not set (`Class.method`, or the function's name). */
  defaultName(self: unknown): string;
  /** Defaults of the class the method belongs to, if any. */
  classDefaults(self: unknown): IdempotencyDefaults | undefined;
}

/**
 * Merges the process defaults, `classDefaults` and `options` (an option given as `undefined` at a
 * level is not set there: the level below keeps its value) and fills in the defaults.
 *
 * @example
 * ```ts
 * resolveOptions({ key: 'orderId', ttlSeconds: 60 }, undefined, 'chargeOrder').ttlMs; // 60000
 * ```
 */
export function resolveOptions(options: IdempotencyOptions, classDefaults: IdempotencyDefaults | undefined, name: string): ResolvedOptions {
  const merged = withDefaults(layerOptions(getProcessDefaults().defaults, classDefaults, options));
  const namespace = merged.name ?? name;
  return {
    namespace,
    keyPrefix: recordKeyPrefix(merged.prefix, namespace),
    key: compileSelector(merged.key, 'key'),
    validate: merged.validate === undefined ? undefined : compileSelector(merged.validate, 'validate'),
    ttlMs: merged.ttlSeconds * 1000,
    leaseMs: merged.leaseSeconds === undefined ? undefined : merged.leaseSeconds * 1000,
    requireKey: merged.requireKey,
    store: merged.store,
    logger: toIdempotencyLogger(merged.logger),
    failOpen: merged.onStoreError === OnStoreError.Continue,
    maxResultBytes: merged.maxResultBytes,
    eventArgIndex: merged.eventArgIndex,
    onReplay: merged.onReplay,
    localCache: merged.localCache,
    onDecision: merged.onDecision,
    cacheResult: safePolicy(merged.cacheResult),
    cacheError: safePolicy(merged.cacheError),
    renewLease: merged.renewLease,
    waitMs: merged.onInProgress === 'wait' ? merged.waitSeconds * 1000 : undefined,
    serializer: merged.serializer,
    sealer: merged.encryption === undefined ? undefined : sealerFor(merged.encryption),
  };
}

/** The policy, answering `false` where it throws or answers anything but `true`. */
function safePolicy(policy: ((value: unknown) => boolean) | undefined): ((value: unknown) => boolean) | undefined {
  if (policy === undefined) return undefined;
  return (value) => {
    try {
      return policy(value) === true;
    } catch {
      return false;
    }
  };
}

// Key schedules are prepared once per options object, not on every configuration change.
const sealers = new WeakMap<EncryptionOptions, Sealer>();
function sealerFor(options: EncryptionOptions): Sealer {
  let sealer = sealers.get(options);
  if (sealer === undefined) sealers.set(options, (sealer = createSealer(options)));
  return sealer;
}

/**
 * The resolved options of one wrapped function, resolved lazily and kept until what they depend
 * on changes: the process defaults (any `configureIdempotency` call), the class defaults of the
 * instance called, or its default name.
 *
 * @example
 * ```ts
 * const resolver = new OptionsResolver({ key: 'orderId' }, binding);
 * const config = resolver.resolve(this);
 * ```
 */
export class OptionsResolver {
  #version = -1;
  #classDefaults: IdempotencyDefaults | undefined;
  #name = '';
  #resolved: ResolvedOptions | undefined;

  constructor(
    private readonly options: IdempotencyOptions,
    private readonly binding: EngineBinding,
  ) {}

  /** The options for a call on `self`. */
  resolve(self: unknown): ResolvedOptions {
    const { version } = getProcessDefaults();
    const classDefaults = this.binding.classDefaults(self);
    const name = this.options.name ?? this.binding.defaultName(self);
    if (this.#resolved === undefined || this.#version !== version || this.#classDefaults !== classDefaults || this.#name !== name) {
      this.#resolved = resolveOptions(this.options, classDefaults, name);
      this.#version = version;
      this.#classDefaults = classDefaults;
      this.#name = name;
    }
    return this.#resolved;
  }
}

/**
 * The store of a call: the configured one, or the one a `store` function returns for `self` (a
 * store per tenant, an injected one).
 *
 * @example
 * ```ts
 * const store = storeFor(config, this);
 * ```
 */
export function storeFor(config: ResolvedOptions, self: unknown): IdempotencyStore {
  const option = config.store;
  if (option === undefined) {
    throw new IdempotencyConfigError(
      `${config.namespace}: no idempotency store is configured; call configureIdempotency({ store: new RedisStore(url) }) at start-up, or pass \`store\` in the options.`,
    );
  }
  if (typeof option !== 'function') return option;
  const store = option(self);
  const problem = storeProblem(store);
  if (problem === undefined) return store as IdempotencyStore;
  if (store !== null && typeof store === 'object') {
    throw new IdempotencyConfigError(`${config.namespace}: the \`store\` function returned an object that is not an IdempotencyStore: it ${problem}.`);
  }
  throw new IdempotencyConfigError(`${config.namespace}: the \`store\` function returned no IdempotencyStore; check that the store is injected before the handler runs.`);
}
