import { configureIdempotency, Idempotent, IdempotencyConfigError, MemoryStore, resetIdempotencyConfig } from '../../../lib';
import { CaptureLogger } from '../../helpers/logger';

/**
 * spec/namespace.spec.ts's rules for TC39 standard decorators (tsconfig.standard.json): one
 * method per default namespace, one `@Idempotent` per method. TC39 decorators do not see their
 * class, so an instance method's namespace is checked when the first instance is constructed, a
 * static one's on its first call; both before any record is written.
 */
describe('default record namespaces (TC39 standard decorators)', () => {
  let store: MemoryStore;
  let logger: CaptureLogger;
  beforeEach(() => {
    store = new MemoryStore();
    logger = new CaptureLogger();
    configureIdempotency({ store, logger });
  });
  afterEach(() => resetIdempotencyConfig());

  it('refuses a mixin applied to a second base when its first instance is constructed, so a refund never replays a charge', async () => {
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
    const RefundHandler = Retryable(Refunds);
    await expect(new ChargeHandler().handle({ orderId: 'o-1' })).resolves.toBe('CHARGED o-1');
    expect(() => new RefundHandler()).toThrow(IdempotencyConfigError);
    expect(() => new RefundHandler()).toThrow(/Two different methods resolve to the record namespace "RetryableHandler\.handle".*factory or mixin/);
    const NamedRefundHandler = Retryable(Refunds, 'RefundHandler.handle');
    await expect(new NamedRefundHandler().handle({ orderId: 'o-1' })).resolves.toBe('REFUNDED o-1');
    expect(logger.lines.map((l) => [l.attributes.namespace, l.attributes.decision])).toEqual([
      ['RetryableHandler.handle', 'miss'],
      ['RefundHandler.handle', 'miss'],
    ]);
  });

  it('refuses a static and an instance method of one name: the second to be checked, before it runs', async () => {
    let staticRuns = 0;
    class CancelHandler {
      @Idempotent('orderId')
      static async cancel(event: { orderId: string }) {
        staticRuns++;
        return `static ${event.orderId}`;
      }

      @Idempotent('orderId')
      async cancel(event: { orderId: string }) {
        return `instance ${event.orderId}`;
      }
    }
    await expect(new CancelHandler().cancel({ orderId: 'o-1' })).resolves.toBe('instance o-1');
    await expect(CancelHandler.cancel({ orderId: 'o-1' })).rejects.toThrow(
      /Two different methods resolve to the record namespace "CancelHandler\.cancel".*a static and an instance method of one name/,
    );
    expect(staticRuns).toBe(0);
    expect(store.size).toBe(1);
  });

  it('refuses two symbol-named methods of one description when the first instance is constructed', () => {
    const first = Symbol('create');
    const second = Symbol('create');
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
    expect(() => new CreateHandler()).toThrow(/the record namespace "CreateHandler\.Symbol\(create\)".*two symbols of one description/);
  });

  it('refuses two @Idempotent on one method when the class is defined, with or without a decorator between them', () => {
    function logged<This, Args extends unknown[], R>(method: (this: This, ...args: Args) => Promise<R>, _context: ClassMethodDecoratorContext<This>) {
      return async function (this: This, ...args: Args): Promise<R> {
        return method.apply(this, args);
      };
    }
    const direct = (): unknown => {
      class TwiceHandler {
        @Idempotent('id')
        @Idempotent('id')
        async twice(event: { id: string }) {
          return event.id;
        }
      }
      return TwiceHandler;
    };
    const between = (): unknown => {
      class BetweenHandler {
        @Idempotent('id')
        @logged
        @Idempotent('id')
        static async run(event: { id: string }) {
          return event.id;
        }
      }
      return BetweenHandler;
    };
    expect(direct).toThrow(IdempotencyConfigError);
    expect(direct).toThrow(/@Idempotent: the method twice is already idempotent .*Keep one/);
    expect(between).toThrow(/@Idempotent: the method run is already idempotent/);
  });
});
