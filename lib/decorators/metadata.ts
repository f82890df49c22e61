import { DECORATIONS_KEY } from '../core/constants';
import type { IdempotencyDefaults, IdempotencyOptions } from '../core/options';
import { layerOptions } from '../core/processDefaults';
import { sharedState } from '../core/processState';

/**
 * Where the decorators record what they decorated, and how it is found again from a class. Our own
 * registry (WeakMaps), never `reflect-metadata`: both decorator dialects work without it, and the
 * answer does not depend on whether something else loaded it. All reflection on classes lives here.
 *
 * A method is recorded under a "holder" known when the decorator runs:
 * - legacy decorators: the class prototype (instance methods) or the class (static methods);
 * - TC39 decorators: the class's `context.metadata` object, which TypeScript and esbuild create
 *   at class definition and attach as `Class[Symbol.metadata]` to the class the class decorators
 *   return (a replacement subclass, when one returns `class extends target {}`), so
 *   `idempotencyKeyFor` works before any instance exists. Node 20 has no `Symbol.metadata`: it is
 *   polyfilled below with `Symbol.for('Symbol.metadata')`, the symbol esbuild's helpers also fall
 *   back to.
 * Compilers that give no `context.metadata` (TC39 2022-03 implementations) record the method on
 * the prototype when the first instance is constructed.
 *
 * The class that DECLARES a method (its namespace) is the one whose prototype (or itself, for a
 * static method) owns the method as an own property; the class a call is made ON (its class
 * defaults) is the instance's class, or the class a static method is called on.
 */

/** A function, as far as the registry cares. */
type AnyFunction = (...args: never[]) => unknown;

/**
 * Writable and configurable, as a built-in would be: a hand-written polyfill that assigns it
 * (`Symbol.metadata = Symbol.metadata ?? Symbol(...)`) must not throw in strict code.
 */
function polyfillSymbolMetadata(): symbol {
  const current = (Symbol as { metadata?: unknown }).metadata;
  if (typeof current === 'symbol') return current;
  const key = Symbol.for('Symbol.metadata');
  Object.defineProperty(Symbol, 'metadata', { value: key, writable: true, configurable: true });
  return key;
}

/** `Symbol.metadata` when this copy loaded: classes defined then carry their metadata under it. */
const METADATA_AT_LOAD = polyfillSymbolMetadata();

/**
 * Every key a class's metadata may sit under: the symbol at load, the current one (another
 * library may have redefined `Symbol.metadata` since), and esbuild's fallback.
 */
function metadataKeys(): symbol[] {
  const keys = [METADATA_AT_LOAD];
  for (const key of [(Symbol as { metadata?: unknown }).metadata, Symbol.for('Symbol.metadata')]) {
    if (typeof key === 'symbol' && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** A class, as far as the registry cares. */
export type Constructor = abstract new (...args: never[]) => unknown;

/** One decorated method, as declared. */
export interface MethodRecord {
  readonly method: string | symbol;
  readonly isStatic: boolean;
  readonly options: IdempotencyOptions;
  /** The function the decorator was given: its default namespace belongs to it alone. */
  readonly declared: AnyFunction;
  /** TC39: the `context.metadata` object, when the compiler gave one. */
  readonly holder: object | undefined;
  /** TC39: what the decorator returned, to recognise the declaring class by. */
  installed: AnyFunction | undefined;
  /** The class that declares the method, once known (legacy: at decoration; TC39: when first found). */
  owner: Constructor | undefined;
  /** Per default namespace, the one class it serves once a call (or a look-up) was made on one (see caller.ts). */
  readonly calledOn: Map<string, Constructor>;
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

/**
 * Records a decorated method under its holder (see the file comment). Returns the record already
 * there when the method was decorated before (a second `@Idempotent` on it), and records nothing.
 */
export function declareMethod(holder: object, record: MethodRecord): MethodRecord | undefined {
  let methods = registry.methods.get(holder);
  if (methods === undefined) registry.methods.set(holder, (methods = { instance: new Map(), static: new Map() }));
  const byName = record.isStatic ? methods.static : methods.instance;
  const existing = byName.get(record.method);
  if (existing !== undefined && existing !== record) return existing;
  byName.set(record.method, record);
  return undefined;
}

function recordIn(holder: unknown, isStatic: boolean, method: string | symbol): MethodRecord | undefined {
  if (holder === null || (typeof holder !== 'object' && typeof holder !== 'function')) return undefined;
  const methods = registry.methods.get(holder as object);
  return (isStatic ? methods?.static : methods?.instance)?.get(method);
}

/** The TC39 metadata objects a class defines itself (not the ones it inherits), under any key. */
function ownMetadata(target: Constructor): object[] {
  const found: object[] = [];
  for (const key of metadataKeys()) {
    const own = Object.getOwnPropertyDescriptor(target, key)?.value as unknown;
    if (typeof own === 'object' && own !== null && !found.includes(own)) found.push(own);
  }
  return found;
}

/** `target` and the classes it extends, nearest first. */
function* classChain(target: Constructor): Generator<Constructor> {
  for (let c: unknown = target; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) yield c as Constructor;
}

/** The classes on `self`'s chain, nearest first: for an instance, its prototypes' own constructors. */
function* classesOf(self: unknown, isStatic: boolean): Generator<Constructor> {
  if (isStatic) {
    yield* typeof self === 'function' ? classChain(self as Constructor) : [];
    return;
  }
  for (let o = self; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
    const c = Object.prototype.hasOwnProperty.call(o, 'constructor') ? (o as { constructor: unknown }).constructor : undefined;
    if (typeof c === 'function' && c.prototype === o) yield c as Constructor;
  }
}

/**
 * The class among `classes` (nearest first) that declares the method: the one owning what the
 * decorator installed; when a decorator above `@Idempotent` replaced that, the nearest one
 * owning the method at all.
 */
function declaringClass(classes: Iterable<Constructor>, record: MethodRecord): Constructor | undefined {
  let nearest: Constructor | undefined;
  for (const c of classes) {
    const own = Object.getOwnPropertyDescriptor(record.isStatic ? c : c.prototype, record.method);
    if (own === undefined) continue;
    if (own.value === record.installed) return c;
    nearest ??= c;
  }
  return nearest;
}

/**
 * TC39: the class that declares `record`'s method, seen from `self` (an instance, or a class for
 * a static method). The search starts at the class carrying the method's metadata object, which
 * is the class the class decorators returned, so a replacement subclass (`class TracedHandler
 * extends target {}`) is passed over for the class it wraps, and a subclass overriding the method
 * is never taken for its parent. Recorded on the record (and, without metadata, under the
 * prototype, so `getIdempotencyOptions` finds it from then on).
 */
export function resolveDeclaringClass(self: unknown, record: MethodRecord): Constructor | undefined {
  if (record.owner !== undefined) return record.owner;
  const classes = [...classesOf(self, record.isStatic)];
  const holder = record.holder;
  const start = holder === undefined ? -1 : classes.findIndex((c) => ownMetadata(c).includes(holder));
  const owner = declaringClass(start < 0 ? classes : classes.slice(start), record) ?? classes[start];
  if (owner === undefined) return undefined;
  record.owner = owner;
  if (holder === undefined) declareMethod(record.isStatic ? owner : owner.prototype, record);
  return owner;
}

/**
 * The decorated method `method` of `target` as a call on it would run it: declared by `target` or
 * inherited (instance methods first, then static ones), with its declaring class set as `owner`.
 */
export function findMethod(target: Constructor, method: string | symbol): MethodRecord | undefined {
  for (const isStatic of [false, true]) {
    const chain = [...classChain(target)];
    for (const [i, c] of chain.entries()) {
      for (const holder of [...ownMetadata(c), isStatic ? c : c.prototype]) {
        const record = recordIn(holder, isStatic, method);
        if (record === undefined) continue;
        record.owner ??= declaringClass(chain.slice(i), record) ?? c;
        return record;
      }
    }
  }
  return undefined;
}

/**
 * The class a call on `target` (or an instance of it) counts as, for the one class a default
 * namespace serves: the declaring class for itself and for the class its class decorators
 * returned in its place (TC39: the one carrying the method's metadata), else `target`.
 */
export function callingClass(record: MethodRecord, target: Constructor): Constructor {
  const owner = record.owner ?? target;
  return target === owner || (record.holder !== undefined && ownMetadata(target).includes(record.holder)) ? owner : target;
}

/** Records the class-level defaults set by `@IdempotentClass`. */
export function defineClassDefaults(target: Constructor, defaults: IdempotencyDefaults): void {
  registry.classDefaults.set(target, defaults);
  resolved.byClass = new WeakMap();
}

// Per class a call is made on: its layered class defaults, one object per class (the engine
// caches its merge on that identity). Emptied when any class gets defaults, by any copy of the
// package: the registry is shared, so is this cache of it.
const resolved = /* @__PURE__ */ sharedState('resolved-class-defaults', 1, () => ({ byClass: new WeakMap<object, { readonly defaults: IdempotencyDefaults | undefined }>() }));

/**
 * The class-level defaults of `target`: those of every class on its chain that has some, the
 * nearest winning option by option, so a subclass that sets `ttlSeconds` keeps its parent's
 * `encryption`.
 */
export function readClassDefaults(target: Constructor): IdempotencyDefaults | undefined {
  let cached = resolved.byClass.get(target);
  if (cached === undefined) {
    const levels = [...classChain(target)].map((c) => registry.classDefaults.get(c)).filter((d) => d !== undefined);
    const defaults = levels.length <= 1 ? levels[0] : layerOptions(...levels.reverse());
    resolved.byClass.set(target, (cached = { defaults }));
  }
  return cached.defaults;
}

/**
 * The class a call on `self` is made on: the instance's class (for a static method, `self`),
 * when it is the declaring class `owner` or extends it; else `owner` (a method called with
 * another object as `this`, or none).
 */
export function callClass(self: unknown, isStatic: boolean, owner: Constructor): Constructor {
  const first = isStatic ? self : instanceClass(self);
  return typeof first === 'function' && (first === owner || Object.prototype.isPrototypeOf.call(owner, first)) ? (first as Constructor) : owner;
}

/** The first of {@link classesOf}, without a generator: this runs on every call. */
function instanceClass(self: unknown): unknown {
  for (let o = self; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
    if (!Object.prototype.hasOwnProperty.call(o, 'constructor')) continue;
    const c = (o as { constructor: unknown }).constructor;
    if (typeof c === 'function' && c.prototype === o) return c;
  }
  return undefined;
}
