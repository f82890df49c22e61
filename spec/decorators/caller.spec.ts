import { configureIdempotency, getIdempotencyOptions, Idempotent, idempotencyKeyFor, IdempotencyConfigError, MemoryStore, RecordStatus, resetIdempotencyConfig } from '../../lib';
import { CaptureLogger } from '../helpers/logger';

/**
 * Legacy decorators (experimentalDecorators). A default namespace is the DECLARING class's, so
 * classes inheriting one decorated method would share its records: CreateInvoice replayed
 * SendEmail's "email sent for o-1" and never ran. One class per default namespace; any other is
 * refused before a store is called. The TC39 twin is caller.standard.spec.ts.
 */

type OrderCreated = { detail: { orderId: string } };
const event: OrderCreated = { detail: { orderId: 'o-1' } };

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

  it('siblings: the second class is refused before any store call, never replayed the first one\'s result', async () => {
    const { store, claims } = storeWithSpies();
    const email = new SendEmail();
    await expect(email.handle(event)).resolves.toBe('email sent for o-1');
    expect(claims).toHaveBeenCalledTimes(1);
    const invoice = new CreateInvoice();
    const refused = invoice.handle(event);
    await expect(refused).rejects.toThrow(IdempotencyConfigError);
    await expect(invoice.handle(event)).rejects.toThrow(/called on CreateInvoice, but its default record namespace "OrderCreatedHandler\.handle" already serves calls on SendEmail/);
    await expect(invoice.handle(event)).rejects.toThrow(/decorate handle in each class instead of in OrderCreatedHandler.*or pass `name`/);
    expect(invoice.ran).toEqual([]);
    expect(claims).toHaveBeenCalledTimes(1); // refused before the store
    expect(store.size).toBe(1);
    // The first class keeps working, under the key it always had.
    await expect(email.handle(event)).resolves.toBe('email sent for o-1');
    expect(idempotencyKeyFor(SendEmail, 'handle', event)).toMatch(/^idempotency:OrderCreatedHandler\.handle:[0-9a-f]{64}$/);
    // idempotencyKeyFor agrees with the call: no key for the refused class.
    expect(() => idempotencyKeyFor(CreateInvoice, 'handle', event)).toThrow(/called on CreateInvoice/);
    expect(() => getIdempotencyOptions(CreateInvoice, 'handle')).toThrow(/called on CreateInvoice/);
  });
});

describe('a concrete base class and a subclass overriding what the method calls, both used', () => {
  function hierarchy() {
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
    return { OrdersHandler, PriorityOrdersHandler };
  }

  it('the subclass is refused once the base was called', async () => {
    const { OrdersHandler, PriorityOrdersHandler } = hierarchy();
    const { store } = storeWithSpies();
    await expect(new OrdersHandler().handle(event)).resolves.toBe('o-1: fee 5');
    await expect(new PriorityOrdersHandler().handle(event)).rejects.toThrow(/called on PriorityOrdersHandler, but .* already serves calls on OrdersHandler/);
    expect(store.size).toBe(1);
  });

  it('the base is refused once the subclass was called', async () => {
    const { OrdersHandler, PriorityOrdersHandler } = hierarchy();
    const { store } = storeWithSpies();
    await expect(new PriorityOrdersHandler().handle(event)).resolves.toBe('o-1: fee 50');
    await expect(new OrdersHandler().handle(event)).rejects.toThrow(/called on OrdersHandler, but .* already serves calls on PriorityOrdersHandler/);
    expect(store.size).toBe(1);
  });
});

describe('what keeps working', () => {
  it('the fix the error names: the method decorated in each class, the base undecorated, gives each class its own records', async () => {
    abstract class Base {
      async handle(e: OrderCreated) {
        return this.process(e);
      }
      abstract process(e: OrderCreated): Promise<string>;
    }
    class SendEmailFixed extends Base {
      @Idempotent('detail.orderId')
      override async handle(e: OrderCreated) {
        return super.handle(e);
      }
      async process(e: OrderCreated) {
        return `email sent for ${e.detail.orderId}`;
      }
    }
    class CreateInvoiceFixed extends Base {
      @Idempotent('detail.orderId')
      override async handle(e: OrderCreated) {
        return super.handle(e);
      }
      async process(e: OrderCreated) {
        return `invoice created for ${e.detail.orderId}`;
      }
    }
    const { store } = storeWithSpies();
    await expect(new SendEmailFixed().handle(event)).resolves.toBe('email sent for o-1');
    await expect(new CreateInvoiceFixed().handle(event)).resolves.toBe('invoice created for o-1');
    expect(idempotencyKeyFor(CreateInvoiceFixed, 'handle', event)).toMatch(/^idempotency:CreateInvoiceFixed\.handle:/);
    expect(store.size).toBe(2);
  });

  it('a static method inherited by two classes: the second is refused too', async () => {
    abstract class Job {
      @Idempotent('id')
      static async run(e: { id: string }) {
        return `${this.name} ${e.id}`;
      }
    }
    class Nightly extends Job {}
    class Hourly extends Job {}
    storeWithSpies();
    await expect(Nightly.run({ id: '1' })).resolves.toBe('Nightly 1');
    await expect(Hourly.run({ id: '1' })).rejects.toThrow(/called on Hourly, but .* already serves calls on Nightly/);
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
    expect(idempotencyKeyFor(Second, 'handle', event)).toBe(idempotencyKeyFor(First, 'handle', event));
    expect(store.size).toBe(1);
  });

  it('a class decorator returning `class extends target {}`: its one class keeps the declaring class\'s key, and a subclass of it alone works', async () => {
    type Class = new (...args: any[]) => object; // TypeScript requires `any[]` in a mixin's base constructor type
    function Wrapped<T extends Class>(target: T): T {
      return class extends target {};
    }
    @Wrapped
    class CardHandler {
      runs = 0;
      @Idempotent('orderId')
      async handle(e: { orderId: string }) {
        return `${e.orderId} ${++this.runs}`;
      }
    }
    const { store } = storeWithSpies();
    const key = idempotencyKeyFor(CardHandler, 'handle', { orderId: 'o-1' }) as string;
    expect(key).toMatch(/^idempotency:CardHandler\.handle:[0-9a-f]{64}$/);
    const handler = new CardHandler();
    await expect(handler.handle({ orderId: 'o-1' })).resolves.toBe('o-1 1');
    await expect(new CardHandler().handle({ orderId: 'o-1' })).resolves.toBe('o-1 1');
    await expect(store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed });
    expect(getIdempotencyOptions(CardHandler, 'handle')).toEqual({ key: 'orderId', name: 'CardHandler.handle' });

    @Wrapped
    class BaseHandler {
      @Idempotent('orderId')
      async handle(e: { orderId: string }) {
        return e.orderId;
      }
    }
    class OnlySubclass extends BaseHandler {}
    await expect(new OnlySubclass().handle({ orderId: 'o-2' })).resolves.toBe('o-2');
    expect(idempotencyKeyFor(OnlySubclass, 'handle', { orderId: 'o-2' })).toMatch(/^idempotency:BaseHandler\.handle:/);
  });
});
