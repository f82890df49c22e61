import { DECORATIONS_KEY } from './constants';
import type { IdempotencyDefaults, IdempotencyOptions } from './options';

/**
 * Where the decorators record what they decorated, and how it is found again from a class. Our own
 * registry (WeakMaps), never `reflect-metadata`: both decorator dialects work without it, and the
 * answer does not depend on whether something else loaded it.
 *
 * A method is recorded under a "holder" known when the decorator runs:
 * - legacy decorators: the class prototype (instance methods) or the class (static methods);
 * - TC39 decorators: the class's `context.metadata` object, which TypeScript and esbuild create
 *   at class definition and attach as `Class[Symbol.metadata]`, so `idempotencyKeyFor` works
 *   before any instance exists. Node 20 has no `Symbol.metadata`: it is polyfilled below with
 *   `Symbol.for('Symbol.metadata')`, the symbol esbuild's helpers also fall back to.
 * Compilers that give no `context.metadata` (TC39 2022-03 implementations) record the method on
 * the prototype when the first instance is constructed, as before.
 */

if (typeof (Symbol as { metadata?: unknown }).metadata !== 'symbol') {
  Object.defineProperty(Symbol, 'metadata', { value: Symbol.for('Symbol.metadata'), configurable: true });
}

/** `Symbol.metadata`: the key of a TC39-decorated class's metadata object. */
function metadataKey(): symbol {
  return (Symbol as { metadata?: symbol }).metadata ?? Symbol.for('Symbol.metadata');
}

/** A class, as far as the registry cares. */
export type Constructor = abstract new (...args: never[]) => unknown;

/** One decorated method, as declared. */
export interface MethodRecord {
  readonly method: string | symbol;
  readonly isStatic: boolean;
  readonly options: IdempotencyOptions;
  /** The class that declares the method, once known (legacy: at decoration; TC39: when first found). */
  owner: Constructor | undefined;
}

interface HolderMethods {
  readonly instance: Map<string | symbol, MethodRecord>;
  readonly static: Map<string | symbol, MethodRecord>;
}

interface Registry {
  readonly methods: WeakMap<object, HolderMethods>;
  readonly classDefaults: WeakMap<object, IdempotencyDefaults>;
}

const registry: Registry = ((globalThis as { [DECORATIONS_KEY]?: Registry })[DECORATIONS_KEY] ??= {
  methods: new WeakMap(),
  classDefaults: new WeakMap(),
});

/** Records a decorated method under its holder (see the file comment). */
export function declareMethod(holder: object, record: MethodRecord): void {
  let methods = registry.methods.get(holder);
  if (methods === undefined) registry.methods.set(holder, (methods = { instance: new Map(), static: new Map() }));
  (record.isStatic ? methods.static : methods.instance).set(record.method, record);
}

function recordIn(holder: unknown, isStatic: boolean, method: string | symbol): MethodRecord | undefined {
  if (holder === null || (typeof holder !== 'object' && typeof holder !== 'function')) return undefined;
  const methods = registry.methods.get(holder as object);
  return (isStatic ? methods?.static : methods?.instance)?.get(method);
}

/** The TC39 metadata object a class defines itself (not the one it inherits). */
export function ownMetadata(target: Constructor): object | undefined {
  const key = metadataKey();
  return Object.prototype.hasOwnProperty.call(target, key) ? ((target as unknown as Record<symbol, object | undefined>)[key] ?? undefined) : undefined;
}

/** `target` and the classes it extends, nearest first. */
function* classChain(target: Constructor): Generator<Constructor> {
  for (let c: unknown = target; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) yield c as Constructor;
}

/**
 * The decorated method `method` of `target` as a call on it would run it: declared by `target` or
 * inherited (instance methods first, then static ones), with its declaring class set as `owner`.
 */
export function findMethod(target: Constructor, method: string | symbol): MethodRecord | undefined {
  for (const isStatic of [false, true]) {
    for (const c of classChain(target)) {
      const record = recordIn(ownMetadata(c), isStatic, method) ?? recordIn(isStatic ? c : c.prototype, isStatic, method);
      if (record !== undefined) {
        record.owner ??= c;
        return record;
      }
    }
  }
  return undefined;
}

/** Records the class-level defaults set by `@IdempotentClass`. */
export function defineClassDefaults(target: Constructor, defaults: IdempotencyDefaults): void {
  registry.classDefaults.set(target, defaults);
}

/** The class-level defaults of `target`: its own, else the nearest class it extends that has some. */
export function readClassDefaults(target: Constructor): IdempotencyDefaults | undefined {
  for (const c of classChain(target)) {
    const defaults = registry.classDefaults.get(c);
    if (defaults !== undefined) return defaults;
  }
  return undefined;
}
