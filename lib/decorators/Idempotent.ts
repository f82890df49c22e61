import type { EngineBinding } from '../engine/engine';
import { IdempotencyConfigError } from '../core/errors';
import type { KeySelector } from '../core/key/key';
import { isIdempotent, wrapFunction } from '../wrapper/makeIdempotent';
import { callClass, declareMethod, defineClassDefaults, findMethod, readClassDefaults, resolveDeclaringClass, type Constructor, type MethodRecord } from './metadata';
import type { IdempotencyDefaults, IdempotencyOptions } from '../core/options';
import { layerOptions } from '../core/processDefaults';
import { carryMetadata } from './reflectMetadata';
import { claimCaller, defaultNamespace } from './caller';
import { validateOptions } from '../core/validateOptions';

/** An async method: idempotent methods always return a promise. */
type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * The type a method that is not async meets when it is decorated: its one property is the fix, so
 * the compiler's error says it (one error, instead of every overload's mismatch).
 *
 * @example
 * ```ts
 * // error: Property '@Idempotent decorates async methods only: ...' is missing in type ...
 * class Orders { @Idempotent('id') create(e: { id: string }) { return 1; } }
 * ```
 */
export interface ExpectedAnAsyncMethod {
  readonly '@Idempotent decorates async methods only: declare the method async (or make it return a Promise)': never;
}

/**
 * The TC39 context of any method, whatever its `this` type: `ClassMethodDecoratorContext` alone
 * means `ClassMethodDecoratorContext<unknown>`, whose method can be called on an unknown `this`,
 * and the context of a method declaring `this: Orders` is not one.
 */
export type AnyMethodContext = ClassMethodDecoratorContext<never>;

/** `unknown` (no constraint) for an async method, else {@link ExpectedAnAsyncMethod}. */
type AsyncMethodCheck<Method> = Method extends AsyncMethod ? unknown : ExpectedAnAsyncMethod;

/**
 * A decorator usable in both dialects: legacy `experimentalDecorators` (NestJS) and TC39 standard
 * decorators (TypeScript 5 without the flag). Only async methods can be decorated; another method
 * gets one error that says so ({@link ExpectedAnAsyncMethod}).
 *
 * @example
 * ```ts
 * const byOrder: IdempotentMethodDecorator = Idempotent('body.orderId');
 * ```
 */
export interface IdempotentMethodDecorator {
  // One signature for both dialects (not two overloads): a mismatch is then reported once, with
  // its cause, instead of as every overload's failure. `Site` is the property key (legacy) or the
  // decorator context (TC39). The check sits on the descriptor (legacy) or the context (TC39):
  // there the compiler prints the missing property, whose name is the fix.
  <Method, Site extends string | symbol | AnyMethodContext>(
    targetOrMethod: Site extends AnyMethodContext ? Method : object,
    site: Site & (Site extends AnyMethodContext ? AsyncMethodCheck<Method> : unknown),
    descriptor?: TypedPropertyDescriptor<Method> & AsyncMethodCheck<Method>,
  ): Site extends AnyMethodContext ? Method : TypedPropertyDescriptor<Method>;
}

/**
 * Makes a class method idempotent. Pass the key's dot path (or paths, or a function), or the full
 * options. The method is wrapped once, when the decorator is applied; `this` is kept, so injected
 * services work. Works in both decorator dialects without `reflect-metadata` (NestJS needs it for
 * itself). The record namespace is `ClassName.method` of the class a call is made on (a subclass
 * inheriting the method gets its own; a class decorator's wrapper keeps its class's) unless `name`
 * is set; a class name a minifier made up is refused (see "Bundling and deploying"), and so is a
 * second class taking one default namespace in a process (see caller.ts).
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
  const owner = (isStatic ? target : target.constructor) as Constructor;
  const label = `${owner.name}.${String(method)}`;
  const record = newRecord(method, isStatic, options, descriptor.value as AsyncMethod, undefined);
  record.owner = owner;
  declareOnce(target, record, label);
  defaultNamespace(record, owner); // refuses an untrustworthy default namespace now, at start-up
  // Metadata other decorators (NestJS' @Post, @UseGuards) kept on the method goes with it.
  descriptor.value = carryMetadata(descriptor.value as object, wrapFunction(descriptor.value, options, bindingFor(record, () => owner)));
}

/**
 * TC39 decorators do not see their class. The method is recorded under `context.metadata`, which
 * becomes `Class[Symbol.metadata]`; the declaring class is found from there (see
 * `resolveDeclaringClass`). Instance methods resolve (and check) it when an instance is
 * constructed; static ones on their first call, because esbuild's `--keep-names` only renames the
 * class after its static initializers ran.
 */
function decorateStandard(value: AsyncMethod, context: ClassMethodDecoratorContext, options: IdempotencyOptions): AsyncMethod {
  const holder = (context.metadata ?? undefined) as object | undefined;
  const record = newRecord(context.name, context.static, options, value, holder);
  declareOnce(holder, record, String(context.name));
  const owner = (self: unknown): Constructor => resolveDeclaringClass(self, record) ?? calledWithoutInstance(record);
  const wrapped = wrapFunction(value, options, bindingFor(record, owner));
  record.installed = wrapped;
  if (!context.static) {
    // At every construction: refuses an untrustworthy default namespace, and a second class
    // taking it (see caller.ts), before any call.
    context.addInitializer(function (this: unknown) {
      const target = callClass(this, false, owner(this));
      claimCaller(record, target, defaultNamespace(record, target));
    });
  }
  return wrapped;
}

function newRecord(method: string | symbol, isStatic: boolean, options: IdempotencyOptions, declared: AsyncMethod, holder: object | undefined): MethodRecord {
  return { method, isStatic, options, declared, holder, installed: undefined, owner: undefined, calledOn: new Map() };
}

/**
 * Records the method under its holder, refusing a second `@Idempotent` on it (directly on ours,
 * or with another decorator between): the outer one would claim the key, and the inner one then
 * find that claim in progress on every call.
 */
function declareOnce(holder: object | undefined, record: MethodRecord, label: string): void {
  if (isIdempotent(record.declared) || (holder !== undefined && declareMethod(holder, record) !== undefined)) throw decoratedTwice(label);
}

function decoratedTwice(label: string): IdempotencyConfigError {
  return new IdempotencyConfigError(
    `@Idempotent: the method ${label} is already idempotent (two @Idempotent or @IdempotentHttp decorators on it), so every call would find its own claim in progress. Keep one.`,
  );
}

function calledWithoutInstance(record: MethodRecord): never {
  throw new IdempotencyConfigError(
    `@Idempotent ${String(record.method)} was called without its instance as \`this\`; bind it (\`handler.${String(record.method)}.bind(handler)\`) or call it as a method.`,
  );
}

/** A decorated method as a call on `target` (or an instance of it) sees it: options, class defaults, namespace. */
interface DecoratedMethod {
  readonly options: IdempotencyOptions;
  readonly classDefaults: IdempotencyDefaults | undefined;
  readonly namespace: string;
}

function decoratedMethod(record: MethodRecord, target: Constructor): DecoratedMethod {
  const namespace = defaultNamespace(record, target);
  claimCaller(record, target, namespace);
  return { options: record.options, classDefaults: readClassDefaults(target), namespace };
}

/**
 * The namespace and the class defaults are those of the class the call is made on (see caller.ts;
 * defaults set above a class-replacing decorator, or on a subclass, apply), looked up per class,
 * since one method serves every subclass.
 */
function bindingFor(record: MethodRecord, owner: (self: unknown) => Constructor): EngineBinding {
  return {
    defaultName: (self) => {
      const target = callClass(self, record.isStatic, owner(self)); // owner first: TC39 finds the declaring class there
      const namespace = defaultNamespace(record, target);
      claimCaller(record, target, namespace);
      return namespace;
    },
    classDefaults: (self) => readClassDefaults(callClass(self, record.isStatic, owner(self))),
  };
}

/**
 * Sets idempotency defaults for every `@Idempotent` method called on a class or its subclasses,
 * the methods they inherit included (method options still win). A call layers the defaults of
 * every class on the chain of the class it is made on, the nearest winning option by option, so
 * defaults set above a class decorator that returns a subclass apply too. Works in both decorator
 * dialects.
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
 * namespace (`ClassName.method` of `target`, as a call on it takes it: a subclass inheriting
 * the method has its own). Works in both decorator dialects before any instance exists. Process-wide defaults
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
  const { options, classDefaults, namespace } = decoratedMethod(record, target);
  return { ...layerOptions(classDefaults, options), name: namespace };
}

/**
 * A decorated method of `target` (declared or inherited) as a call on it derives it; throws
 * {@link IdempotencyConfigError} when `target` has no such `@Idempotent` method.
 */
export function describeDecoratedMethod(target: Constructor, method: string | symbol): DecoratedMethod {
  const record = findMethod(target, method);
  if (record === undefined) throw new IdempotencyConfigError(`${target.name}.${String(method)} is not an @Idempotent method.`);
  return decoratedMethod(record, target);
}
