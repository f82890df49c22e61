import { configureIdempotency, Idempotent, IdempotencyConfigError, makeIdempotent, MemoryStore, resetIdempotencyConfig } from '../../../lib';
import { namesKept } from '../../../lib/core/key/namespace';
import { CaptureLogger } from '../../helpers/logger';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * Default namespaces must not come from names a minifier makes up, and two different classes or
 * functions must not share one. spec/bundling.spec.ts shows the same with real esbuild bundles;
 * this file pins each rule in process (unminified, so the library's own names are intact).
 */
describe('default record namespaces', () => {
  let store: MemoryStore;
  let logger: CaptureLogger;
  beforeEach(() => {
    store = new MemoryStore();
    logger = new CaptureLogger();
    configureIdempotency({ store, logger });
  });
  afterEach(() => resetIdempotencyConfig());

  it('trusts this unminified copy of the library', () => {
    expect([namesKept('class'), namesKept('function')]).toEqual([true, true]);
  });

  it('refuses a class name a minifier would make, when the class is defined, and says what to set', () => {
    const define = (): unknown => {
      class bn {
        @Idempotent('id')
        async handle(event: { id: string }) {
          return event.id;
        }
      }
      return bn;
    };
    expect(define).toThrow(IdempotencyConfigError);
    expect(define).toThrow(/@Idempotent bn\.handle: the class name "bn" looks made by a minifier/);
    expect(define).toThrow(/Set `name` in the options .*esbuild `--keep-names`/);
  });

  it('accepts any class name with an explicit `name`', async () => {
    class En {
      @Idempotent({ key: 'id', name: 'RefundsHandler.handle' })
      async handle(event: { id: string }) {
        return event.id;
      }
    }
    await new En().handle({ id: 'r1' });
    expect(logger.lines.map((l) => l.attributes.namespace)).toEqual(['RefundsHandler.handle']);
  });

  it('refuses a function name a minifier would make, and accepts it with `name`', () => {
    expect(() => makeIdempotent(async function n(_e: unknown) { return 1; })).toThrow(/makeIdempotent "n": the function name looks made by a minifier/);
    expect(() => makeIdempotent(async function n(_e: unknown) { return 1; }, { name: 'n' })).not.toThrow();
  });

  it('refuses a second, different class under a namespace in use, naming the namespace', () => {
    class OrdersHandler {
      @Idempotent('id')
      async handle(event: { id: string }) {
        return `order:${event.id}`;
      }
    }
    expect(OrdersHandler).toBeDefined();
    // Another module's class with the same name (both kept by --keep-names, say).
    const other = (): unknown => {
      class OrdersHandler {
        @Idempotent('id')
        async handle(event: { id: string }) {
          return `refund:${event.id}`;
        }
      }
      return OrdersHandler;
    };
    expect(other).toThrow(/Two different methods resolve to the record namespace "OrdersHandler\.handle"/);
    expect(other).toThrow(/give each its own `name`/);
  });

  describe('one function per default namespace: the same source text is not the same function', () => {
    interface Service {
      run(event: { orderId: string }): Promise<string>;
    }
    const payments: Service = { run: async (e) => `CHARGED ${e.orderId}` };
    const refunds: Service = { run: async (e) => `REFUNDED ${e.orderId}` };

    it('refuses a factory\'s second closure at start-up, so a refund never replays a charge', async () => {
      const handlerFor = (service: Service) =>
        makeIdempotent(async function handleOrder(event: { orderId: string }) { return service.run(event); }, { key: 'orderId' });
      const charge = handlerFor(payments);
      expect(() => handlerFor(refunds)).toThrow(IdempotencyConfigError);
      expect(() => handlerFor(refunds)).toThrow(/Two different functions resolve to the record namespace "handleOrder".*give each its own `name`/);
      await expect(charge({ orderId: 'o-1' })).resolves.toBe('CHARGED o-1');
      // The fix the message gives: a name per closure.
      const named = (service: Service, name: string) =>
        makeIdempotent(async function handleOrder(event: { orderId: string }) { return service.run(event); }, { key: 'orderId', name });
      await expect(named(refunds, 'refunds.handleOrder')({ orderId: 'o-1' })).resolves.toBe('REFUNDED o-1');
      expect(store.size).toBe(2);
    });

    it('refuses a function wrapped again on every call, and says to wrap it once at module scope', async () => {
      const wrapPerCall = () => makeIdempotent(async function settleOrder(event: { id: string }) { return `settled:${event.id}`; }, { key: 'id' });
      await expect(wrapPerCall()({ id: 's1' })).resolves.toBe('settled:s1');
      expect(wrapPerCall).toThrow(/Two different functions resolve to the record namespace "settleOrder", .*: wrap the function once, at module scope/);
    });

    it('lets the same function be wrapped twice: one function, one namespace, shared records', async () => {
      let runs = 0;
      async function countOrder(_event: { id: string }) {
        return ++runs;
      }
      const first = makeIdempotent(countOrder, { key: 'id' });
      const second = makeIdempotent(countOrder, { key: 'id' });
      await expect(first({ id: 'c1' })).resolves.toBe(1);
      await expect(second({ id: 'c1' })).resolves.toBe(1);
      expect(logger.decisions()).toEqual(['miss', 'hit']);
    });

    it('refuses a mixin applied to a second base when the class is defined, so a refund never replays a charge', async () => {
      // TypeScript requires `any[]` in a mixin's base constructor type.
      type Base = new (...args: any[]) => { process(event: { orderId: string }): Promise<string> };
      function Retryable<B extends Base>(BaseClass: B, name?: string) {
        class RetryableHandler extends BaseClass {
          @Idempotent({ key: 'orderId', name })
          async handle(event: { orderId: string }) {
            return this.process(event);
          }
        }
        return RetryableHandler;
      }
      class Payments {
        async process(e: { orderId: string }) { return `CHARGED ${e.orderId}`; }
      }
      class Refunds {
        async process(e: { orderId: string }) { return `REFUNDED ${e.orderId}`; }
      }
      const ChargeHandler = Retryable(Payments);
      expect(() => Retryable(Refunds)).toThrow(/Two different methods resolve to the record namespace "RetryableHandler\.handle".*factory or mixin/);
      const RefundHandler = Retryable(Refunds, 'RefundHandler.handle');
      await expect(new ChargeHandler().handle({ orderId: 'o-1' })).resolves.toBe('CHARGED o-1');
      await expect(new RefundHandler().handle({ orderId: 'o-1' })).resolves.toBe('REFUNDED o-1');
      expect(logger.lines.map((l) => [l.attributes.namespace, l.attributes.decision])).toEqual([
        ['RetryableHandler.handle', 'miss'],
        ['RefundHandler.handle', 'miss'],
      ]);
    });

    it('refuses a module loaded again in this process (hot reload), and accepts it after resetIdempotencyConfig()', () => {
      const load = (): unknown => jest.isolateModules(() => require('../../helpers/reloadedModule'));
      load();
      expect(load).toThrow(/Two different (methods|functions) resolve to the record namespace ".*module evaluated again in this process \(hot reload; in tests, call resetIdempotencyConfig\(\)/);
      resetIdempotencyConfig();
      expect(load).not.toThrow();
    });
  });

  describe('two methods of one class under one namespace', () => {
    it('refuses a static and an instance method of one name when the class is defined', () => {
      const define = (): unknown => {
        class CancelHandler {
          @Idempotent('orderId')
          static async cancel(event: { orderId: string }) {
            return `static ${event.orderId}`;
          }

          @Idempotent('orderId')
          async cancel(event: { orderId: string }) {
            return `instance ${event.orderId}`;
          }
        }
        return CancelHandler;
      };
      expect(define).toThrow(/Two different methods resolve to the record namespace "CancelHandler\.cancel".*a static and an instance method of one name/);
    });

    it('refuses two symbol-named methods of one description when the class is defined', () => {
      const first = Symbol('create');
      const second = Symbol('create');
      const define = (): unknown => {
        class CreateHandler {
          @Idempotent('orderId')
          async [first](event: { orderId: string }) {
            return `first ${event.orderId}`;
          }

          @Idempotent('orderId')
          async [second](event: { orderId: string }) {
            return `second ${event.orderId}`;
          }
        }
        return CreateHandler;
      };
      expect(define).toThrow(/the record namespace "CreateHandler\.Symbol\(create\)".*two symbols of one description/);
    });

    it('runs each on its own records when given its own `name`', async () => {
      class VoidHandler {
        @Idempotent({ key: 'orderId', name: 'VoidHandler.voidAll' })
        static async void(event: { orderId: string }) {
          return `static ${event.orderId}`;
        }

        @Idempotent('orderId')
        async void(event: { orderId: string }) {
          return `instance ${event.orderId}`;
        }
      }
      await expect(VoidHandler.void({ orderId: 'o-1' })).resolves.toBe('static o-1');
      await expect(new VoidHandler().void({ orderId: 'o-1' })).resolves.toBe('instance o-1');
      expect(logger.decisions()).toEqual(['miss', 'miss']);
    });
  });

  describe('a method made idempotent twice', () => {
    function Logged(): MethodDecorator {
      return (_target, _key, descriptor: PropertyDescriptor) => {
        const inner = descriptor.value as (...args: unknown[]) => Promise<unknown>;
        descriptor.value = async function (this: unknown, ...args: unknown[]) {
          return inner.apply(this, args);
        };
        return descriptor;
      };
    }

    it('refuses two @Idempotent on one method when the class is defined (each call would find its own claim in progress)', () => {
      const define = (): unknown => {
        class TwiceHandler {
          @Idempotent('id')
          @Idempotent('id')
          async twice(event: { id: string }) {
            return event.id;
          }
        }
        return TwiceHandler;
      };
      // Asserted on one definition: the inner decorator has claimed the namespace by then.
      const error = thrownBy(define);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toMatch(/@Idempotent: the method TwiceHandler\.twice is already idempotent .*Keep one/);
    });

    it('refuses them with another decorator between them, and on a static method', () => {
      const between = (): unknown => {
        class BetweenHandler {
          @Idempotent('id')
          @Logged()
          @Idempotent('id')
          async run(event: { id: string }) {
            return event.id;
          }
        }
        return BetweenHandler;
      };
      expect(between).toThrow(/@Idempotent: the method BetweenHandler\.run is already idempotent/);
      const statics = (): unknown => {
        class StaticTwice {
          @Idempotent({ key: 'id', name: 'a' })
          @Logged()
          @Idempotent({ key: 'id', name: 'b' })
          static async run(event: { id: string }) {
            return event.id;
          }
        }
        return StaticTwice;
      };
      expect(statics).toThrow(/already idempotent/);
    });

    it('refuses makeIdempotent of a function that is already idempotent', () => {
      const once = makeIdempotent(async function refundOrder(event: { id: string }) { return event.id; }, { key: 'id' });
      expect(() => makeIdempotent(once, { key: 'id' })).toThrow(/makeIdempotent "refundOrder": the function is already idempotent/);
    });
  });
});
