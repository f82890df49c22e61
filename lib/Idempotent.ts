import type { EngineBinding } from './engine';
import { IdempotencyConfigError } from './errors';
import type { KeySelector } from './key';
import { wrapFunction } from './makeIdempotent';
import { assertReflectMetadata, defineClassDefaults, defineMethodOptions, readClassDefaults, readMethodOptions } from './metadata';
import { validateOptions, type IdempotencyDefaults, type IdempotencyOptions } from './options';

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
 * services work. Requires `import 'reflect-metadata'` once at the entry point.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
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
    assertReflectMetadata();
    if (typeof key === 'object') {
      const owner = ownerFinder(() => wrapped, key.name, key.static);
      key.addInitializer(function (this: unknown) {
        defineMethodOptions(owner(this).prototype, key.name, options);
      });
      const wrapped = wrapFunction(target as AsyncMethod, options, bindingFor(owner, key.name));
      return wrapped;
    }
    const ctor = (typeof target === 'function' ? target : target.constructor) as Constructor;
    defineMethodOptions(target, key, options);
    (descriptor as PropertyDescriptor).value = wrapFunction((descriptor as PropertyDescriptor).value, options, bindingFor(() => ctor, key));
    return descriptor;
  } as IdempotentMethodDecorator;
}

type Constructor = abstract new (...args: never[]) => unknown;

function isSelector(value: unknown): value is KeySelector {
  return typeof value === 'string' || typeof value === 'function' || Array.isArray(value);
}

function bindingFor(owner: (self: unknown) => Constructor, method: string | symbol): EngineBinding {
  let defaults: { value: IdempotencyDefaults | undefined } | undefined;
  let name: string | undefined;
  return {
    defaultName: (self) => (name ??= `${owner(self).name}.${String(method)}`),
    // Class decorators run after method decorators, so the class defaults are read on first call.
    classDefaults: (self) => (defaults ??= { value: readClassDefaults(owner(self)) }).value,
  };
}

/**
 * TC39 method decorators do not see their class. It is found once, from the first `this`: the
 * object on its prototype chain that holds our wrapper (the class itself for static methods), or,
 * when another decorator replaced the wrapper, the nearest one defining the method.
 */
function ownerFinder(wrapper: () => unknown, method: string | symbol, isStatic: boolean): (self: unknown) => Constructor {
  let owner: Constructor | undefined;
  const toClass = (o: object): Constructor => (isStatic ? o : (o as { constructor: Constructor }).constructor) as Constructor;
  return (self) => {
    if (owner !== undefined) return owner;
    let nearest: object | undefined;
    for (let o = self; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
      const own = Object.getOwnPropertyDescriptor(o, method);
      if (own === undefined) continue;
      if (own.value === wrapper()) return (owner = toClass(o as object));
      nearest ??= o as object;
    }
    if (nearest !== undefined) return (owner = toClass(nearest));
    throw new IdempotencyConfigError(
      `@Idempotent ${String(method)} was called without its instance as \`this\`; bind it (\`handler.${String(method)}.bind(handler)\`) or call it as a method.`,
    );
  };
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
 * The options a decorated method was given, merged over its class defaults, with its resolved
 * namespace. Process-wide defaults (`configureIdempotency`) apply on top at call time.
 *
 * @example
 * ```ts
 * getIdempotencyOptions(PaymentsHandler, 'charge'); // { key: 'body.orderId', name: 'PaymentsHandler.charge' }
 * ```
 */
export function getIdempotencyOptions(target: Constructor, method: string | symbol): IdempotencyOptions | undefined {
  const options = readMethodOptions(target.prototype as object, method) ?? readMethodOptions(target, method);
  if (options === undefined) return undefined;
  return { ...readClassDefaults(target), ...options, name: options.name ?? `${target.name}.${String(method)}` };
}
