import { forgetDisabledSwitch, idempotencyDisabled } from './disabledSwitch';
import { forgetDefaultNamespaces } from './key/namespace';
import { getDefaultLogger } from './log';
import { toIdempotencyLogger } from './loggerShape';
import type { IdempotencyDefaults, IdempotencyOptions } from './options';
import { sharedState } from './processState';
import { validateOptions } from './validateOptions';

// The levels options come from, and how they combine: method > class > process (configureIdempotency).

/**
 * Layers option sets, each over the ones before it (`layerOptions(process, classDefaults,
 * method)`). An option given as `undefined` is "not set at this level": it keeps the value from
 * below, so `{ ttlSeconds: process.env.TTL ? Number(process.env.TTL) : undefined }` does not drop
 * the process-wide TTL, and `encryption: undefined` does not switch configured encryption off.
 * The one merge of the library: the engine, `getIdempotencyOptions`, `idempotencyKeyFor` and
 * `configureIdempotency` all use it, so they cannot disagree.
 *
 * @example
 * ```ts
 * layerOptions({ ttlSeconds: 86_400 }, undefined, { ttlSeconds: undefined, key: 'id' }); // { ttlSeconds: 86400, key: 'id' }
 * ```
 */
export function layerOptions<T extends IdempotencyOptions>(...levels: ReadonlyArray<T | undefined>): T {
  const layered: Record<string, unknown> = {};
  for (const level of levels) {
    if (level === undefined) continue;
    for (const [name, value] of Object.entries(level)) {
      if (value !== undefined) layered[name] = value;
    }
  }
  return layered as T;
}

// One configuration per process, whichever copy of the package (ES module, CommonJS) set it.
const processConfig = /* @__PURE__ */ sharedState('process-defaults', 1, (): { defaults: IdempotencyDefaults; version: number } => ({ defaults: {}, version: 0 }));

/**
 * Sets process-wide defaults: the store, the logger and any option. Options given later (class,
 * method) override these. Calling it again merges into the previous configuration and applies to
 * every wrapped function from its next call on (there is no first-config-wins state). An option
 * given as `undefined` is not set here: it keeps the earlier value.
 *
 * @example
 * ```ts
 * import { configureIdempotency, RedisStore } from 'lambda-idempotency';
 * configureIdempotency({ store: new RedisStore(process.env.REDIS_URL!), ttlSeconds: 86_400 });
 * ```
 */
export function configureIdempotency(defaults: IdempotencyDefaults): void {
  validateOptions(defaults, 'configureIdempotency', 'defaults');
  processConfig.defaults = layerOptions(processConfig.defaults, defaults);
  processConfig.version++;
  // IDEMPOTENCY_DISABLED is refused (or announced) at start-up, where the configuration is given.
  idempotencyDisabled(toIdempotencyLogger(processConfig.defaults.logger ?? getDefaultLogger()));
}

/**
 * Clears what `configureIdempotency` set, forgets which function holds each default record
 * namespace, so a test can load a handler module again (`jest.resetModules()`), and reads
 * `IDEMPOTENCY_DISABLED` again on the next call: for tests only.
 *
 * @example
 * ```ts
 * afterEach(() => resetIdempotencyConfig());
 * ```
 */
export function resetIdempotencyConfig(): void {
  forgetDefaultNamespaces();
  forgetDisabledSwitch();
  processConfig.defaults = {};
  processConfig.version++;
}

/**
 * The process-wide defaults and their version (bumped on every change, so callers can cache).
 *
 * @example
 * ```ts
 * const { defaults, version } = getProcessDefaults();
 * ```
 */
export function getProcessDefaults(): { readonly defaults: IdempotencyDefaults; readonly version: number } {
  return { defaults: processConfig.defaults, version: processConfig.version };
}
