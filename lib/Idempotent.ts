import type { EngineBinding } from './engine';
import { IdempotencyConfigError } from './errors';
import type { KeySelector } from './key';
import { wrapFunction } from './makeIdempotent';
import { declareMethod, defineClassDefaults, findMethod, ownMetadata, readClassDefaults, type Constructor, type MethodRecord } from './metadata';
import { classNamespace } from './namespace';
import { layerOptions, validateOptions, type IdempotencyDefaults, type IdempotencyOptions } from './options';

/** An async method: idempotent methods always return a promise. */
type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * A decorator usable in both dialects: legacy `experimentalDecorators` (NestJS) and TC39 standard
 * decorators (TypeScript 5 without the flag). Only async methods can be decorated.
 *
 * @example
 * ```ts
 * const byOrder: IdempotentMethodDecorator = Idempotent('body.orderId');
 * ```
 */
export interface IdempotentMethodDecorator {
  <T extends AsyncMethod>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T>;
  <T extends AsyncMethod>(value: T, context: ClassMethodDecoratorContext): T;
}

/**
 * Makes a class method idempotent. Pass the key's dot path (or paths, or a function), or the full
 * options. The method is wrapped once, when the decorator is applied; `this` is kept, so injected
 * services work. Works in both decorator dialects without `reflect-metadata` (NestJS needs it for
 * itself). The record namespace is `ClassName.method` of the declaring class unless `name` is set;
 * a class name a minifier made up is refused at start-up (see "Bundling and deploying").
 *
 * @example
 * ```ts
 * import { Idempotent, configureIdempotency, RedisStore } from 'lambda-idempotency';
 *
 * configureIdempotency({ store: new RedisStore(process.env.REDIS_URL!) });
 *
 * class PaymentsHandler {
 *   constructor(private readonly payments: PaymentsService) {}
 *
 *   @Idempotent('body.orderId')
 *   async charge(event: APIGatewayProxyEventV2, context: Context) { return this.payments.charge(event); }
 *
 *   @Idempotent({ key: 'headers.idempotency-key', validate: 'body', ttlSeconds: 86_400 })
 *   async refund(event: APIGatewayProxyEventV2, context: Context) { return this.payments.refund(event); }
 * }
 * ```
 */
export function Idempotent(keyOrOptions: KeySelector | IdempotencyOptions = {}): IdempotentMethodDecorator {
  const options: IdempotencyOptions = isSelector(keyOrOptions) ? { key: keyOrOptions } : keyOrOptions;
  validateOptions(options, '@Idempotent');
  return function decorate(target: object, key: string | symbol | ClassMethodDecoratorContext, descriptor?: PropertyDescriptor) {
    if (typeof key === 'object') return decorateStandard(target as AsyncMethod, key, options);
    decorateLegacy(target, key, descriptor as PropertyDescriptor, options);
    return descriptor;
  } as IdempotentMethodDecorator;
}

function isSelector(value: unknown): value is KeySelector {
  return typeof value === 'string' || typeof value === 'function' || Array.isArray(value);
}

/** Legacy decorators see their class: the method is recorded, and its namespace checked, at class definition. */
function decorateLegacy(target: object, method: string | symbol, descriptor: PropertyDescriptor, options: IdempotencyOptions): void {
  const isStatic = typeof target === 'function';
  const record: MethodRecord = { method, isStatic, options, owner: (isStatic ? target : target.constructor) as Constructor };
  declareMethod(target, record);
  decoratedMethod(record); // refuses an untrustworthy default namespace now, at start-up
  descriptor.value = wrapFunction(descriptor.value, options, bindingFor(record, () => record.owner as Constructor));
}

/**
 * TC39 decorators do not see their class. The method is recorded under `context.metadata`, which
 * becomes `Class[Symbol.metadata]`; the declaring class is the one on `this`'s chain that owns
 * that object. Instance methods resolve (and check) it when an instance is constructed; static
 * ones on their first call, because esbuild's `--keep-names` only renames the class after its
 * static initializers ran.
 */
function decorateStandard(value: AsyncMethod, context: ClassMethodDecoratorContext, options: IdempotencyOptions): AsyncMethod {
  const record: MethodRecord = { method: context.name, isStatic: context.static, options, owner: undefined };
  const holder = (context.metadata ?? undefined) as object | undefined;
  if (holder !== undefined) declareMethod(holder, record);
  const owner = (self: unknown): Constructor => (record.owner ??= findDeclaringClass(self, record, holder, () => wrapped));
  const wrapped = wrapFunction(value, options, bindingFor(record, owner));
  if (!context.static) {
    let checked = false;
    context.addInitializer(function (this: unknown) {
      if (checked) return;
      owner(this);
      decoratedMethod(record); // refuses an untrustworthy default namespace at every construction
      checked = true;
    });
  }
  return wrapped;
}

function findDeclaringClass(self: unknown, record: MethodRecord, holder: object | undefined, wrapper: () => unknown): Constructor {
  const found = holder !== undefined ? classWithMetadata(self, record, holder) : classWithWrapper(self, record, wrapper());
  if (found !== undefined) return found;
  throw new IdempotencyConfigError(
    `@Idempotent ${String(record.method)} was called without its instance as \`this\`; bind it (\`handler.${String(record.method)}.bind(handler)\`) or call it as a method.`,
  );
}

/** The classes on `self`'s chain, nearest first: for an instance method, its prototypes' own constructors. */
function* classesOf(self: unknown, isStatic: boolean): Generator<Constructor> {
  for (let o = self; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
    const c = isStatic ? o : Object.prototype.hasOwnProperty.call(o, 'constructor') ? (o as { constructor: unknown }).constructor : undefined;
    if (typeof c === 'function') yield c as Constructor;
  }
}

function classWithMetadata(self: unknown, record: MethodRecord, holder: object): Constructor | undefined {
  for (const c of classesOf(self, record.isStatic)) if (ownMetadata(c) === holder) return c;
  return undefined;
}

/**
 * Without a metadata object from the compiler: the class whose prototype holds our wrapper, or,
 * when another decorator replaced it, the nearest one defining the method. Recorded there, so
 * `getIdempotencyOptions` finds it from then on.
 */
function classWithWrapper(self: unknown, record: MethodRecord, wrapper: unknown): Constructor | undefined {
  let nearest: Constructor | undefined;
  let holding: Constructor | undefined;
  for (const c of classesOf(self, record.isStatic)) {
    const own = Object.getOwnPropertyDescriptor(record.isStatic ? c : c.prototype, record.method);
    if (own === undefined) continue;
    nearest ??= c;
    if (own.value === wrapper) {
      holding = c;
      break;
    }
  }
  const owner = holding ?? nearest;
  if (owner !== undefined) declareMethod(record.isStatic ? owner : owner.prototype, record);
  return owner;
}

/** A decorated method as a call sees it: options, class defaults, namespace. */
interface DecoratedMethod {
  readonly options: IdempotencyOptions;
  readonly classDefaults: IdempotencyDefaults | undefined;
  readonly namespace: string;
}

/**
 * The one derivation of a decorated method's namespace and class defaults, from its declaring
 * class, used by the engine on every call and by `getIdempotencyOptions` / `idempotencyKeyFor`,
 * so an operator's key is the key a call writes, also for an inherited method.
 */
function decoratedMethod(record: MethodRecord): DecoratedMethod {
  const owner = record.owner as Constructor;
  return {
    options: record.options,
    classDefaults: readClassDefaults(owner),
    namespace: record.options.name ?? classNamespace(owner, record.method),
  };
}

function bindingFor(record: MethodRecord, owner: (self: unknown) => Constructor): EngineBinding {
  // Resolved on the first call, when the class decorator (which runs after method decorators) has run.
  let resolved: DecoratedMethod | undefined;
  const resolve = (self: unknown): DecoratedMethod => {
    if (resolved === undefined) {
      owner(self);
      resolved = decoratedMethod(record);
    }
    return resolved;
  };
  return { defaultName: (self) => resolve(self).namespace, classDefaults: (self) => resolve(self).classDefaults };
}

/**
 * Sets idempotency defaults for every `@Idempotent` method of a class (method options still
 * win). Works in both decorator dialects; subclasses inherit the defaults.
 *
 * @example
 * ```ts
 * @IdempotentClass({ ttlSeconds: 86_400, store: (self: OrdersHandler) => self.store })
 * class OrdersHandler {
 *   constructor(readonly store: IdempotencyStore) {}
 *   @Idempotent('detail.orderId') async created(event: EventBridgeEvent<'Created', Order>) { ... }
 * }
 * ```
 */
export function IdempotentClass(defaults: IdempotencyDefaults): <T extends Constructor>(target: T, context?: ClassDecoratorContext) => T {
  validateOptions(defaults, '@IdempotentClass', 'defaults');
  return (target) => {
    defineClassDefaults(target, defaults);
    return target;
  };
}

/**
 * The options a decorated method was given, layered over its class defaults, with its resolved
 * namespace (`ClassName.method` of the class that declares it, also when asked through a
 * subclass). Works in both decorator dialects before any instance exists. Process-wide defaults
 * (`configureIdempotency`) apply on top at call time.
 *
 * @example
 * ```ts
 * getIdempotencyOptions(PaymentsHandler, 'charge'); // { key: 'body.orderId', name: 'PaymentsHandler.charge' }
 * ```
 */
export function getIdempotencyOptions(target: Constructor, method: string | symbol): IdempotencyOptions | undefined {
  const record = findMethod(target, method);
  if (record === undefined) return undefined;
  const { options, classDefaults, namespace } = decoratedMethod(record);
  return { ...layerOptions(classDefaults, options), name: namespace };
}

/**
 * A decorated method of `target` (declared or inherited) as a call on it derives it; throws
 * {@link IdempotencyConfigError} when `target` has no such `@Idempotent` method.
 */
export function describeDecoratedMethod(target: Constructor, method: string | symbol): DecoratedMethod {
  const record = findMethod(target, method);
  if (record === undefined) throw new IdempotencyConfigError(`${target.name}.${String(method)} is not an @Idempotent method.`);
  return decoratedMethod(record);
}
