import { configureIdempotency, getIdempotencyOptions, Idempotent, idempotencyKeyFor, IdempotencyConfigError, MemoryStore, RecordStatus, resetIdempotencyConfig } from '../../lib';
import { CaptureLogger } from '../helpers/logger';

/**
 * Legacy decorators (experimentalDecorators). A call through a subclass inheriting a decorated
 * method writes under the subclass's name in front of the declaring class's
 * (`SendEmail/OrderCreatedHandler.handle`): under the declaring class's alone, CreateInvoice
 * replayed SendEmail's "email sent for o-1" and never ran (also across processes:
 * caller.processes.spec.ts). A call on the declaring class keeps its key; a class that only stands
 * in for its parent (no name, or its parent's) takes its parent's namespace, and two classes
 * meeting on one namespace in a process are refused. The TC39 twin is caller.standard.spec.ts.
 */

type OrderCreated = { detail: { orderId: string } };
const event: OrderCreated = { detail: { orderId: 'o-1' } };
/** SHA-256 of the canonical JSON of 'o-1': the key hash of `event`. */
const HASH = '00d5c8b71f851bbe47626a189b20fb19c11753e244bb658095c370ba3798f85c';
// TypeScript requires `any[]` in a mixin's base constructor type.
type Class = new (...args: any[]) => object;

function storeWithSpies(): { store: MemoryStore; claims: jest.SpyInstance } {
  const store = new MemoryStore();
  configureIdempotency({ store, logger: new CaptureLogger() });
  return { store, claims: jest.spyOn(store, 'claim') };
}

afterEach(() => resetIdempotencyConfig());

describe('a decorated method inherited by two classes', () => {
  abstract class OrderCreatedHandler {
    readonly ran: string[] = [];
    @Idempotent('detail.orderId')
    async handle(e: OrderCreated) {
      return this.process(e);
    }
    abstract process(e: OrderCreated): Promise<string>;
  }
  class SendEmail extends OrderCreatedHandler {
    async process(e: OrderCreated) {
      this.ran.push('email');
      return `email sent for ${e.detail.orderId}`;
    }
  }
  class CreateInvoice extends OrderCreatedHandler {
    async process(e: OrderCreated) {
      this.ran.push('invoice');
      return `invoice created for ${e.detail.orderId}`;
    }
  }

  it('siblings: each class has its own records and runs its own code once, never replaying the other\'s result', async () => {
    const { store } = storeWithSpies();
    const email = new SendEmail();
    const invoice = new CreateInvoice();
    await expect(email.handle(event)).resolves.toBe('email sent for o-1');
    await expect(invoice.handle(event)).resolves.toBe('invoice created for o-1');
    await expect(email.handle(event)).resolves.toBe('email sent for o-1');
    await expect(invoice.handle(event)).resolves.toBe('invoice created for o-1');
    expect([email.ran, invoice.ran]).toEqual([['email'], ['invoice']]);
    // idempotencyKeyFor names the record each call wrote.
    expect(idempotencyKeyFor(SendEmail, 'handle', event)).toBe(`idempotency:SendEmail/OrderCreatedHandler.handle:${HASH}`);
    expect(idempotencyKeyFor(CreateInvoice, 'handle', event)).toBe(`idempotency:CreateInvoice/OrderCreatedHandler.handle:${HASH}`);
    await expect(store.get(`idempotency:SendEmail/OrderCreatedHandler.handle:${HASH}`)).resolves.toMatchObject({ status: RecordStatus.Completed });
    await expect(store.get(`idempotency:CreateInvoice/OrderCreatedHandler.handle:${HASH}`)).resolves.toMatchObject({ status: RecordStatus.Completed });
    expect(store.size).toBe(2);
    expect(getIdempotencyOptions(CreateInvoice, 'handle')).toEqual({ key: 'detail.orderId', name: 'CreateInvoice/OrderCreatedHandler.handle' });
    // On the abstract base itself: the declaring class's namespace.
    expect(idempotencyKeyFor(OrderCreatedHandler as never, 'handle' as never, event)).toBe(`idempotency:OrderCreatedHandler.handle:${HASH}`);
  });

  it('a class name a minifier made up is refused for a subclass too, before any store call', async () => {
    class Bn extends OrderCreatedHandler {
      async process() {
        return 'minified';
      }
    }
    const { claims } = storeWithSpies();
    await expect(new Bn().handle(event)).rejects.toThrow(IdempotencyConfigError);
    await expect(new Bn().handle(event)).rejects.toThrow(/Bn\/OrderCreatedHandler\.handle: the class name "Bn" looks made by a minifier.*Set `name`/);
    expect(() => idempotencyKeyFor(Bn, 'handle', event)).toThrow(/looks made by a minifier/);
    expect(claims).not.toHaveBeenCalled();
  });
});

describe('a concrete base class and a subclass overriding what the method calls, both used', () => {
  class OrdersHandler {
    @Idempotent('detail.orderId')
    async handle(e: OrderCreated) {
      return `${e.detail.orderId}: fee ${this.fee()}`;
    }
    fee(): number {
      return 5;
    }
  }
  class PriorityOrdersHandler extends OrdersHandler {
    override fee(): number {
      return 50;
    }
  }

  it('the base keeps its key, the subclass gets its own: each runs its own code', async () => {
    const { store } = storeWithSpies();
    await expect(new PriorityOrdersHandler().handle(event)).resolves.toBe('o-1: fee 50');
    await expect(new OrdersHandler().handle(event)).resolves.toBe('o-1: fee 5');
    await expect(new OrdersHandler().handle(event)).resolves.toBe('o-1: fee 5');
    await expect(store.get(`idempotency:OrdersHandler.handle:${HASH}`)).resolves.toMatchObject({ status: RecordStatus.Completed });
    expect(idempotencyKeyFor(OrdersHandler, 'handle', event)).toBe(`idempotency:OrdersHandler.handle:${HASH}`);
    expect(idempotencyKeyFor(PriorityOrdersHandler, 'handle', event)).toBe(`idempotency:PriorityOrdersHandler/OrdersHandler.handle:${HASH}`);
    expect(store.size).toBe(2);
  });

  it('a class that stands in for the base (no name, or the base\'s) takes its namespace, so next to the base it is refused', async () => {
    const Anonymous = (<T extends Class>(base: T) => class extends base {})(OrdersHandler);
    const SameName = (<T extends Class>(base: T) => class OrdersHandler extends base {})(OrdersHandler);
    const { store } = storeWithSpies();
    await expect(new OrdersHandler().handle(event)).resolves.toBe('o-1: fee 5');
    await expect(new Anonymous().handle(event)).rejects.toThrow(/called on \(an anonymous class\), but its default record namespace "OrdersHandler\.handle" already serves calls on OrdersHandler.*give each class a name of its own/);
    await expect(new SameName().handle(event)).rejects.toThrow(/called on OrdersHandler, but its default record namespace "OrdersHandler\.handle" already serves calls on OrdersHandler/);
    expect(() => idempotencyKeyFor(Anonymous, 'handle' as never, event)).toThrow(IdempotencyConfigError);
    expect(store.size).toBe(1);
  });
});

describe('what keeps working', () => {
  it('a static method inherited by two classes: each has its own records', async () => {
    abstract class Job {
      @Idempotent('id')
      static async run(e: { id: string }) {
        return `${this.name} ${e.id}`;
      }
    }
    class Nightly extends Job {}
    class Hourly extends Job {}
    const { store } = storeWithSpies();
    await expect(Nightly.run({ id: '1' })).resolves.toBe('Nightly 1');
    await expect(Hourly.run({ id: '1' })).resolves.toBe('Hourly 1');
    expect(idempotencyKeyFor(Hourly, 'run', { id: '1' })).toMatch(/^idempotency:Hourly\/Job\.run:[0-9a-f]{64}$/);
    expect(store.size).toBe(2);
  });

  it('an explicit `name` shares records deliberately: the second class replays the first one\'s result', async () => {
    abstract class Shared {
      @Idempotent({ key: 'detail.orderId', name: 'OrderCreated.handle' })
      async handle(e: OrderCreated) {
        return this.process(e);
      }
      abstract process(e: OrderCreated): Promise<string>;
    }
    class First extends Shared {
      async process() {
        return 'first';
      }
    }
    class Second extends Shared {
      async process() {
        return 'second';
      }
    }
    const { store } = storeWithSpies();
    await expect(new First().handle(event)).resolves.toBe('first');
    await expect(new Second().handle(event)).resolves.toBe('first');
    expect(idempotencyKeyFor(Second, 'handle', event)).toBe(`idempotency:OrderCreated.handle:${HASH}`);
    expect(idempotencyKeyFor(First, 'handle', event)).toBe(`idempotency:OrderCreated.handle:${HASH}`);
    expect(store.size).toBe(1);
  });

  it('class decorators returning `class extends target {}`, anonymous or of the same name, keep the declaring class\'s key; a subclass of one gets its own', async () => {
    function Wrapped<T extends Class>(target: T): T {
      return class extends target {};
    }
    function Renamed<T extends Class>(target: T): T {
      return { [target.name]: class extends target {} }[target.name] as T;
    }
    @Wrapped
    class CardHandler {
      runs = 0;
      @Idempotent('detail.orderId')
      async handle(e: OrderCreated) {
        return `${e.detail.orderId} ${++this.runs}`;
      }
    }
    @Renamed
    class GiftHandler {
      @Idempotent('detail.orderId')
      async handle(e: OrderCreated) {
        return `gift ${e.detail.orderId}`;
      }
    }
    const { store } = storeWithSpies();
    expect(GiftHandler.name).toBe('GiftHandler');
    expect(idempotencyKeyFor(CardHandler, 'handle', event)).toBe(`idempotency:CardHandler.handle:${HASH}`);
    await expect(new CardHandler().handle(event)).resolves.toBe('o-1 1');
    await expect(new CardHandler().handle(event)).resolves.toBe('o-1 1');
    await expect(store.get(`idempotency:CardHandler.handle:${HASH}`)).resolves.toMatchObject({ status: RecordStatus.Completed });
    await expect(new GiftHandler().handle(event)).resolves.toBe('gift o-1');
    expect(getIdempotencyOptions(GiftHandler, 'handle')).toEqual({ key: 'detail.orderId', name: 'GiftHandler.handle' });

    class OnlySubclass extends CardHandler {}
    await expect(new OnlySubclass().handle(event)).resolves.toBe('o-1 1');
    expect(idempotencyKeyFor(OnlySubclass, 'handle', event)).toBe(`idempotency:OnlySubclass/CardHandler.handle:${HASH}`);
    // A wrapped subclass: the wrapper stands in for it.
    @Wrapped
    class WrappedSubclass extends CardHandler {}
    expect(idempotencyKeyFor(WrappedSubclass, 'handle', event)).toBe(`idempotency:WrappedSubclass/CardHandler.handle:${HASH}`);
    expect(store.size).toBe(3);
  });
});
