import { CLASS_DEFAULTS_KEY, METHOD_OPTIONS_KEY } from './constants';
import { IdempotencyConfigError } from './errors';
import type { IdempotencyDefaults, IdempotencyOptions } from './options';

/** Every `Reflect.*Metadata` call of the library lives in this file. */

interface ReflectWithMetadata {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void;
  getMetadata(key: unknown, target: object, property?: string | symbol): unknown;
}

function reflect(): ReflectWithMetadata {
  const r = Reflect as unknown as Partial<ReflectWithMetadata>;
  if (typeof r.defineMetadata !== 'function' || typeof r.getMetadata !== 'function') {
    throw new IdempotencyConfigError(
      "The Reflect metadata API is missing: install `reflect-metadata` and add `import 'reflect-metadata';` once, " +
        'at the top of your entry point, before any decorated class is loaded. (makeIdempotent works without it.)',
    );
  }
  return r as ReflectWithMetadata;
}

/**
 * Throws {@link IdempotencyConfigError} with the fix when `reflect-metadata` is not loaded.
 * The decorators call it when they are applied, so the mistake shows at start-up.
 */
export function assertReflectMetadata(): void {
  reflect();
}

/** Records a decorated method's options on its class prototype. */
export function defineMethodOptions(prototype: object, method: string | symbol, options: IdempotencyOptions): void {
  reflect().defineMetadata(METHOD_OPTIONS_KEY, options, prototype, method);
}

/** Reads a decorated method's options (inherited through the prototype chain). */
export function readMethodOptions(prototype: object, method: string | symbol): IdempotencyOptions | undefined {
  return reflect().getMetadata(METHOD_OPTIONS_KEY, prototype, method) as IdempotencyOptions | undefined;
}

/** Records the class-level defaults set by `@IdempotentClass`. */
export function defineClassDefaults(constructor: object, defaults: IdempotencyDefaults): void {
  reflect().defineMetadata(CLASS_DEFAULTS_KEY, defaults, constructor);
}

/** Reads the class-level defaults (a subclass inherits its parent's). */
export function readClassDefaults(constructor: object): IdempotencyDefaults | undefined {
  return reflect().getMetadata(CLASS_DEFAULTS_KEY, constructor) as IdempotencyDefaults | undefined;
}
