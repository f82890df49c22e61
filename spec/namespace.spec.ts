import { configureIdempotency, Idempotent, IdempotencyConfigError, makeIdempotent, MemoryStore, resetIdempotencyConfig } from '../lib';
import { namesKept } from '../lib/namespace';
import { CaptureLogger } from './helpers/logger';

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
    expect(other).toThrow(/Two different classes resolve to the record namespace "OrdersHandler\.handle"/);
    expect(other).toThrow(/Set `name`/);
  });

  it('lets the same class be defined again (a class factory, a module evaluated twice), sharing its records', async () => {
    let runs = 0;
    const define = () => {
      class InvoiceHandler {
        @Idempotent('id')
        async handle(_event: { id: string }) {
          return ++runs;
        }
      }
      return InvoiceHandler;
    };
    const First = define();
    const Second = define();
    expect(First).not.toBe(Second);
    await new First().handle({ id: 'i1' });
    await expect(new Second().handle({ id: 'i1' })).resolves.toBe(1);
    expect(runs).toBe(1);
  });

  it('refuses a second, different function with the same name, but not the same function wrapped again', async () => {
    const wrapPerCall = () => makeIdempotent(async function settleOrder(event: { id: string }) { return `settled:${event.id}`; }, { key: 'id' });
    await wrapPerCall()({ id: 's1' });
    await expect(wrapPerCall()({ id: 's1' })).resolves.toBe('settled:s1');
    expect(logger.decisions()).toEqual(['miss', 'hit']);
    expect(() => makeIdempotent(async function settleOrder(event: { id: string }) { return `refunded:${event.id}`; }, { key: 'id' })).toThrow(
      /Two different functions resolve to the record namespace "settleOrder"/,
    );
    expect(() => makeIdempotent(async function settleOrder(_e: unknown) { return 0; }, { name: 'settleOrder.v2' })).not.toThrow();
  });
});
