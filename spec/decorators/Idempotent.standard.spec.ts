import { randomBytes } from 'node:crypto';
import {
  configureIdempotency,
  getIdempotencyOptions,
  Idempotent,
  IdempotentClass,
  idempotencyKeyFor,
  IdempotencyConfigError,
  MemoryStore,
  RecordStatus,
  resetIdempotencyConfig,
  type IdempotencyStore,
} from '../../lib';
import { CaptureLogger } from '../helpers/logger';

/**
 * Compiled by tsconfig.standard.json: TypeScript 5 TC39 decorators, no experimentalDecorators,
 * and no `reflect-metadata` (TypeScript 5 users without the flag do not load it). The same
 * behaviour as the legacy dialect, before any instance exists too.
 */

class Ledger {
  readonly entries: string[] = [];
  async record(entry: string): Promise<number> {
    this.entries.push(entry);
    return this.entries.length;
  }
}

const seen: string[] = [];
function traced<This, Args extends unknown[], R>(label: string) {
  return (method: (this: This, ...args: Args) => Promise<R>, _context: ClassMethodDecoratorContext<This>) =>
    async function (this: This, ...args: Args): Promise<R> {
      seen.push(label);
      return method.apply(this, args);
    };
}

/** Defines a class while `Symbol.metadata` is absent: TypeScript's helper then passes `context.metadata: undefined`, as TC39 2022-03 compilers do. */
function withoutSymbolMetadata<T>(define: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(Symbol, 'metadata') as PropertyDescriptor;
  delete (Symbol as { metadata?: symbol }).metadata;
  try {
    return define();
  } finally {
    Object.defineProperty(Symbol, 'metadata', saved);
  }
}

const staticStore = new MemoryStore();

@IdempotentClass({ ttlSeconds: 300, store: (self: LedgerHandler) => self.store })
class LedgerHandler {
  constructor(
    private readonly ledger: Ledger,
    readonly store: IdempotencyStore,
  ) {}

  @Idempotent('id')
  async credit(event: { id: string; amount: number }) {
    return this.ledger.record(`credit:${event.id}:${event.amount}`);
  }

  @Idempotent({ key: 'id', validate: 'amount' })
  async debit(event: { id: string; amount: number }) {
    return this.ledger.record(`debit:${event.id}`);
  }

  @traced('outer')
  @Idempotent('id')
  async transfer(event: { id: string }) {
    return this.ledger.record(`transfer:${event.id}`);
  }

  @Idempotent({ key: 'id', store: staticStore })
  static async reconcile(event: { id: string }) {
    return `reconciled:${event.id}`;
  }
}
// A default namespace serves one class (lib/decorators/caller.ts): the inheritance tests use a base
// no call is made on, and one subclass of it.
@IdempotentClass({ ttlSeconds: 300, store: (self: BaseLedgerHandler) => self.store })
abstract class BaseLedgerHandler {
  constructor(
    private readonly ledger: Ledger,
    readonly store: IdempotencyStore,
  ) {}

  @Idempotent('id')
  async credit(event: { id: string; amount: number }) {
    return this.ledger.record(`credit:${event.id}:${event.amount}`);
  }
}
class SubLedgerHandler extends BaseLedgerHandler {}

describe('@Idempotent (TC39 standard decorators)', () => {
  let logger: CaptureLogger;
  beforeEach(() => {
    logger = new CaptureLogger();
    configureIdempotency({ logger });
    seen.length = 0;
  });
  afterEach(() => resetIdempotencyConfig());

  it('runs once per key and replays, keeping `this` and the injected services', async () => {
    const ledger = new Ledger();
    const handler = new LedgerHandler(ledger, new MemoryStore());
    await expect(handler.credit({ id: 'c1', amount: 5 })).resolves.toBe(1);
    await expect(handler.credit({ id: 'c1', amount: 5 })).resolves.toBe(1);
    await expect(handler.debit({ id: 'c1', amount: 5 })).resolves.toBe(2);
    expect(ledger.entries).toEqual(['credit:c1:5', 'debit:c1']);
    expect(logger.lines.map((l) => [l.attributes.namespace, l.attributes.decision])).toEqual([
      ['LedgerHandler.credit', 'miss'],
      ['LedgerHandler.credit', 'hit'],
      ['LedgerHandler.debit', 'miss'],
    ]);
  });

  it('validates the payload', async () => {
    const handler = new LedgerHandler(new Ledger(), new MemoryStore());
    await handler.debit({ id: 'd1', amount: 5 });
    await expect(handler.debit({ id: 'd1', amount: 6 })).rejects.toThrow(/different payload/);
  });

  it('stacks with another standard decorator', async () => {
    const handler = new LedgerHandler(new Ledger(), new MemoryStore());
    await handler.transfer({ id: 't1' });
    await handler.transfer({ id: 't1' });
    expect(seen).toEqual(['outer', 'outer']);
  });

  it('applies class defaults and names records after the defining class, a subclass inheriting the method in front, and for statics', async () => {
    const store = new MemoryStore();
    const complete = jest.spyOn(store, 'complete');
    await new SubLedgerHandler(new Ledger(), store).credit({ id: 's1', amount: 1 });
    await LedgerHandler.reconcile({ id: 'r1' });
    expect(complete.mock.calls[0]?.[0].ttlMs).toBe(300_000);
    expect(logger.lines.map((l) => l.attributes.namespace)).toEqual(['SubLedgerHandler/BaseLedgerHandler.credit', 'LedgerHandler.reconcile']);
    expect(staticStore.size).toBe(1);
  });

  it('reads the options and computes keys at class definition, before any instance exists, without reflect-metadata', () => {
    expect((Reflect as { getMetadata?: unknown }).getMetadata).toBeUndefined();
    class NeverConstructed {
      @Idempotent({ key: 'id', validate: 'amount' })
      async pay(_event: { id: string; amount: number }) {
        return 1;
      }
    }
    expect(getIdempotencyOptions(NeverConstructed, 'pay')).toEqual({ key: 'id', validate: 'amount', name: 'NeverConstructed.pay' });
    expect(idempotencyKeyFor(NeverConstructed, 'pay', { id: 'p1', amount: 1 })).toMatch(/^idempotency:NeverConstructed\.pay:[0-9a-f]{64}$/);
    expect(getIdempotencyOptions(LedgerHandler, 'debit')).toMatchObject({ key: 'id', validate: 'amount', ttlSeconds: 300, name: 'LedgerHandler.debit' });
    expect(getIdempotencyOptions(LedgerHandler, 'reconcile')).toMatchObject({ key: 'id', name: 'LedgerHandler.reconcile' });
  });

  it('an inherited method: idempotencyKeyFor(SubClass) is the key the call writes, and deleting it lets the next call run', async () => {
    const store = new MemoryStore();
    const ledger = new Ledger();
    const event = { id: 'inherit-1', amount: 3 };
    // Asked before any instance exists, as an operator script would.
    const key = idempotencyKeyFor(SubLedgerHandler, 'credit', event) as string;
    expect(key).toMatch(/^idempotency:SubLedgerHandler\/BaseLedgerHandler\.credit:[0-9a-f]{64}$/);
    const handler = new SubLedgerHandler(ledger, store);
    await expect(handler.credit(event)).resolves.toBe(1);
    await expect(store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed });
    await expect(handler.credit(event)).resolves.toBe(1);
    await expect(store.delete(key)).resolves.toBe(true);
    await expect(handler.credit(event)).resolves.toBe(2);
    expect(getIdempotencyOptions(SubLedgerHandler, 'credit')).toMatchObject({ ttlSeconds: 300, name: 'SubLedgerHandler/BaseLedgerHandler.credit' });
  });

  it('works with a compiler that gives no context.metadata: recorded when the first instance is constructed', async () => {
    const Legacyish = withoutSymbolMetadata(() => {
      class NoMetadata {
        @Idempotent('id')
        async run(event: { id: string }) {
          return event.id;
        }
      }
      return NoMetadata;
    });
    expect(Object.getOwnPropertySymbols(Legacyish)).toEqual([]);
    expect(getIdempotencyOptions(Legacyish, 'run')).toBeUndefined();
    configureIdempotency({ store: new MemoryStore() });
    const instance = new Legacyish();
    expect(getIdempotencyOptions(Legacyish, 'run')).toEqual({ key: 'id', name: 'NoMetadata.run' });
    await expect(instance.run({ id: 'n1' })).resolves.toBe('n1');
    expect(logger.lines.map((l) => [l.attributes.namespace, l.attributes.decision])).toEqual([['NoMetadata.run', 'miss']]);
  });

  it('refuses a minifier-like class name when the first instance is constructed, and in idempotencyKeyFor before that', () => {
    class Qn {
      @Idempotent('id')
      async run(event: { id: string }) {
        return event.id;
      }

      @Idempotent('id')
      static async audit(event: { id: string }) {
        return event.id;
      }
    }
    expect(() => idempotencyKeyFor(Qn, 'run', { id: 'q' })).toThrow(/the class name "Qn" looks made by a minifier/);
    expect(() => new Qn()).toThrow(IdempotencyConfigError);
    expect(() => new Qn()).toThrow(/Set `name` in the options/);
    // A static method: on its first call (esbuild --keep-names renames a class after its static initializers).
    return expect(Qn.audit({ id: 'q' })).rejects.toThrow(/@Idempotent Qn\.audit: the class name "Qn"/);
  });

  it('explains how to fix a call without its instance', async () => {
    // A fresh class, so no earlier call has cached the owner.
    class Fresh {
      @Idempotent('id')
      async run(event: { id: string }) {
        return event.id;
      }
    }
    const run = Fresh.prototype.run;
    await expect(run.call(undefined, { id: 'x' })).rejects.toThrow(IdempotencyConfigError);
    await expect(run.call(undefined, { id: 'x' })).rejects.toThrow(/bind it/);
  });

  it('layers a subclass\'s own class defaults over its parent\'s for the methods it inherits, in calls and idempotencyKeyFor', async () => {
    @IdempotentClass({ ttlSeconds: 300, store: (self: BranchBase) => self.store })
    class BranchBase {
      constructor(readonly store: IdempotencyStore) {}
      @Idempotent('id')
      async credit(event: { id: string; amount: number }) {
        return event.amount;
      }
    }
    @IdempotentClass({ prefix: 'branch' })
    class BranchLedgerHandler extends BranchBase {}
    const store = new MemoryStore();
    const event = { id: 'b1', amount: 1 };
    const key = idempotencyKeyFor(BranchLedgerHandler, 'credit', event) as string;
    expect(key).toMatch(/^branch:BranchLedgerHandler\/BranchBase\.credit:[0-9a-f]{64}$/);
    await new BranchLedgerHandler(store).credit(event);
    await expect(store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed });
    // ttlSeconds and the per-instance store still come from BranchBase's defaults.
    expect(getIdempotencyOptions(BranchLedgerHandler, 'credit')).toMatchObject({ prefix: 'branch', ttlSeconds: 300, name: 'BranchLedgerHandler/BranchBase.credit' });
  });
});

describe('a class decorator that returns a subclass (TC39: the metadata object sits on the replacement)', () => {
  let logger: CaptureLogger;
  let store: MemoryStore;
  beforeEach(() => {
    logger = new CaptureLogger();
    store = new MemoryStore();
    configureIdempotency({ logger, store });
  });
  afterEach(() => resetIdempotencyConfig());

  // TypeScript requires `any[]` in a mixin's base constructor type.
  type Class = new (...args: any[]) => object;
  function Traced<T extends Class>(target: T, _context: ClassDecoratorContext<T>): T {
    return class TracedHandler extends target {};
  }
  function Wrapped<T extends Class>(target: T, _context: ClassDecoratorContext<T>): T {
    return class extends target {};
  }

  @Traced
  class ChargeHandler {
    @Idempotent('orderId')
    async handle(event: { orderId: string }) {
      return `CHARGED ${event.orderId}`;
    }

    @Idempotent('orderId')
    static async audit(event: { orderId: string }) {
      return `audited ${event.orderId}`;
    }
  }
  @Traced
  class RefundHandler {
    @traced('outer')
    @Idempotent('orderId')
    async handle(event: { orderId: string }) {
      return `REFUNDED ${event.orderId}`;
    }
  }

  it('names records after the class that declares the method, before any instance too: a refund never replays a charge', async () => {
    const event = { orderId: 'o-1' };
    expect(getIdempotencyOptions(ChargeHandler, 'handle')).toEqual({ key: 'orderId', name: 'ChargeHandler.handle' });
    expect(getIdempotencyOptions(ChargeHandler, 'audit')).toEqual({ key: 'orderId', name: 'ChargeHandler.audit' });
    const refundKey = idempotencyKeyFor(RefundHandler, 'handle', event) as string;
    expect(refundKey).toMatch(/^idempotency:RefundHandler\.handle:[0-9a-f]{64}$/);
    await expect(new ChargeHandler().handle(event)).resolves.toBe('CHARGED o-1');
    await expect(new RefundHandler().handle(event)).resolves.toBe('REFUNDED o-1');
    await expect(ChargeHandler.audit(event)).resolves.toBe('audited o-1');
    expect(logger.lines.map((l) => l.attributes.namespace)).toEqual(['ChargeHandler.handle', 'RefundHandler.handle', 'ChargeHandler.audit']);
    await expect(store.get(refundKey)).resolves.toMatchObject({ status: RecordStatus.Completed });
  });

  it('applies @IdempotentClass placed above an anonymous replacement: encrypted under its prefix, and idempotencyKeyFor agrees', async () => {
    @IdempotentClass({ prefix: 'cards', encryption: { key: randomBytes(32), keyId: 'k1' } })
    @Wrapped
    class CardHandler {
      @Idempotent('orderId')
      async handle(event: { orderId: string }) {
        return { card: '4111 1111 1111 1111', order: event.orderId };
      }
    }
    const event = { orderId: 'o-1' };
    const key = idempotencyKeyFor(CardHandler, 'handle', event) as string;
    expect(key).toMatch(/^cards:CardHandler\.handle:[0-9a-f]{64}$/);
    await new CardHandler().handle(event);
    const record = await store.get(key);
    expect(record).toMatchObject({ status: RecordStatus.Completed });
    expect(JSON.stringify(record)).not.toContain('4111');
    expect(store.size).toBe(1);
  });
});

describe('Symbol.metadata, as other code may set it', () => {
  afterEach(() => resetIdempotencyConfig());

  it('is writable, so a hand-written polyfill that assigns it does not throw in strict code', () => {
    const symbols = Symbol as { metadata?: symbol };
    const before = symbols.metadata;
    expect(() => {
      symbols.metadata = symbols.metadata ?? Symbol('Symbol.metadata');
    }).not.toThrow();
    expect(symbols.metadata).toBe(before);
  });

  it('still finds classes decorated before another library redefined it, and those decorated after', async () => {
    configureIdempotency({ store: new MemoryStore(), logger: new CaptureLogger() });
    const saved = Object.getOwnPropertyDescriptor(Symbol, 'metadata') as PropertyDescriptor;
    class DecoratedBefore {
      @Idempotent('id')
      async run(event: { id: string }) {
        return `before:${event.id}`;
      }
    }
    Object.defineProperty(Symbol, 'metadata', { value: Symbol('Symbol.metadata'), configurable: true, writable: true });
    try {
      class DecoratedAfter {
        @Idempotent('id')
        async run(event: { id: string }) {
          return `after:${event.id}`;
        }
      }
      expect(getIdempotencyOptions(DecoratedBefore, 'run')).toEqual({ key: 'id', name: 'DecoratedBefore.run' });
      expect(getIdempotencyOptions(DecoratedAfter, 'run')).toEqual({ key: 'id', name: 'DecoratedAfter.run' });
      await expect(new DecoratedBefore().run({ id: '1' })).resolves.toBe('before:1');
      await expect(new DecoratedAfter().run({ id: '1' })).resolves.toBe('after:1');
    } finally {
      Object.defineProperty(Symbol, 'metadata', saved);
    }
  });
});
