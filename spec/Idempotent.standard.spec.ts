import 'reflect-metadata';
import { configureIdempotency, getIdempotencyOptions, Idempotent, IdempotentClass, IdempotencyConfigError, MemoryStore, resetIdempotencyConfig, type IdempotencyStore } from '../lib';
import { CaptureLogger } from './helpers/logger';

/**
 * Compiled by tsconfig.standard.json: TypeScript 5 TC39 decorators, no experimentalDecorators.
 * The same behaviour as the legacy dialect.
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
class SubLedgerHandler extends LedgerHandler {}

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

  it('applies class defaults and names records after the defining class, also for subclasses and statics', async () => {
    const store = new MemoryStore();
    const complete = jest.spyOn(store, 'complete');
    await new SubLedgerHandler(new Ledger(), store).credit({ id: 's1', amount: 1 });
    await LedgerHandler.reconcile({ id: 'r1' });
    expect(complete.mock.calls[0]?.[4]).toBe(300_000);
    expect(logger.lines.map((l) => l.attributes.namespace)).toEqual(['LedgerHandler.credit', 'LedgerHandler.reconcile']);
    expect(staticStore.size).toBe(1);
  });

  it('records the options as metadata once an instance exists', () => {
    new LedgerHandler(new Ledger(), new MemoryStore());
    expect(getIdempotencyOptions(LedgerHandler, 'debit')).toMatchObject({ key: 'id', validate: 'amount', ttlSeconds: 300, name: 'LedgerHandler.debit' });
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
});
