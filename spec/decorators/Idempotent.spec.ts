// No `import 'reflect-metadata'`: the decorators must not need it (only NestJS itself does).
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
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
import { httpEvent, lambdaContext } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';

/** A service injected into the handler class, as NestJS or tsyringe would. */
class PaymentsService {
  readonly charges: string[] = [];
  readonly refunds: string[] = [];
  async charge(orderId: string): Promise<{ chargeId: string }> {
    this.charges.push(orderId);
    return { chargeId: `ch_${this.charges.length}` };
  }
  async refund(orderId: string): Promise<{ refundId: string }> {
    this.refunds.push(orderId);
    return { refundId: `re_${this.refunds.length}` };
  }
}

/** Another method decorator, to check stacking in both orders. */
const calls: string[] = [];
function Traced(label: string): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const inner = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    descriptor.value = async function (this: unknown, ...args: unknown[]) {
      calls.push(label);
      return inner.apply(this, args);
    };
    return descriptor;
  };
}

const body = (event: APIGatewayProxyEventV2): { orderId: string } => JSON.parse(event.body ?? '{}') as { orderId: string };

class PaymentsHandler {
  constructor(private readonly payments: PaymentsService) {}

  @Idempotent('body.orderId')
  async charge(event: APIGatewayProxyEventV2, _context: Context) {
    return this.payments.charge(body(event).orderId);
  }

  @Idempotent({ key: 'headers.idempotency-key', validate: 'body', ttlSeconds: 86_400 })
  async refund(event: APIGatewayProxyEventV2, _context: Context) {
    return this.payments.refund(body(event).orderId);
  }

  @Traced('outer')
  @Idempotent({ key: ['body.orderId', 'headers.x-tenant'] })
  async capture(event: APIGatewayProxyEventV2, _context: Context) {
    return this.payments.charge(`capture:${body(event).orderId}`);
  }

  @Idempotent('body.orderId')
  @Traced('inner')
  async authorize(event: APIGatewayProxyEventV2, _context: Context) {
    return this.payments.charge(`auth:${body(event).orderId}`);
  }
}

describe('@Idempotent (legacy decorators)', () => {
  let store: MemoryStore;
  let logger: CaptureLogger;
  let service: PaymentsService;
  let handler: PaymentsHandler;

  beforeEach(() => {
    store = new MemoryStore();
    logger = new CaptureLogger();
    configureIdempotency({ store, logger });
    service = new PaymentsService();
    handler = new PaymentsHandler(service);
    calls.length = 0;
  });
  afterEach(() => resetIdempotencyConfig());

  it('runs a decorated method once and replays its result, using the injected service', async () => {
    const event = httpEvent({ orderId: 'o-1' });
    const first = await handler.charge(event, lambdaContext());
    const second = await handler.charge(event, lambdaContext());
    expect(first).toEqual({ chargeId: 'ch_1' });
    expect(second).toEqual(first);
    expect(service.charges).toEqual(['o-1']);
    expect(logger.decisions()).toEqual(['miss', 'hit']);
  });

  it('keeps a record per method: the same event runs in each of them once', async () => {
    const event = httpEvent({ orderId: 'o-2' }, { 'idempotency-key': 'k-2', 'x-tenant': 't' });
    await handler.charge(event, lambdaContext());
    await handler.capture(event, lambdaContext());
    await handler.authorize(event, lambdaContext());
    expect(service.charges).toEqual(['o-2', 'capture:o-2', 'auth:o-2']);
    const namespaces = logger.lines.map((l) => l.attributes.namespace);
    expect(namespaces).toEqual(['PaymentsHandler.charge', 'PaymentsHandler.capture', 'PaymentsHandler.authorize']);
  });

  it('works when exported as a bound function, as a Lambda handler is', async () => {
    const charge = handler.charge.bind(handler);
    await charge(httpEvent({ orderId: 'o-3' }), lambdaContext());
    await charge(httpEvent({ orderId: 'o-3' }), lambdaContext());
    expect(service.charges).toEqual(['o-3']);
  });

  it('stacks with another decorator in either order', async () => {
    const event = httpEvent({ orderId: 'o-4' }, { 'x-tenant': 't' });
    await handler.capture(event, lambdaContext());
    await handler.capture(event, lambdaContext());
    await handler.authorize(event, lambdaContext());
    await handler.authorize(event, lambdaContext());
    // Outer Traced sees both calls; inner Traced runs only on the miss.
    expect(calls).toEqual(['outer', 'outer', 'inner']);
    expect(service.charges).toEqual(['capture:o-4', 'auth:o-4']);
  });

  it('records each decorated method\'s options as metadata', () => {
    expect(getIdempotencyOptions(PaymentsHandler, 'charge')).toEqual({ key: 'body.orderId', name: 'PaymentsHandler.charge' });
    expect(getIdempotencyOptions(PaymentsHandler, 'refund')).toMatchObject({ key: 'headers.idempotency-key', validate: 'body', ttlSeconds: 86_400 });
    expect(getIdempotencyOptions(PaymentsHandler, 'notDecorated')).toBeUndefined();
  });

  it('wraps once, at decoration time', () => {
    expect(PaymentsHandler.prototype.charge).toBe(handler.charge);
    expect(PaymentsHandler.prototype.charge.name).toBe('charge');
  });

  it('rejects bad options when the decorator is applied, not on the first call', () => {
    expect(() => Idempotent({ ttlSeconds: -1 })).toThrow('Expected `ttlSeconds` to be a positive integer, got -1');
    expect(() => Idempotent('body..x')).toThrow(IdempotencyConfigError);
    expect(() => IdempotentClass({ name: 'x' } as never)).toThrow(/`name` is per method; it cannot be a default \(@IdempotentClass\)/);
    expect(() => IdempotentClass({ key: 'a..b' })).toThrow(IdempotencyConfigError);
  });

  it('works without reflect-metadata (this file never loads it)', async () => {
    expect((Reflect as { getMetadata?: unknown }).getMetadata).toBeUndefined();
    await handler.charge(httpEvent({ orderId: 'o-5' }), lambdaContext());
    await handler.charge(httpEvent({ orderId: 'o-5' }), lambdaContext());
    expect(service.charges).toEqual(['o-5']);
    expect(getIdempotencyOptions(PaymentsHandler, 'refund')).toMatchObject({ key: 'headers.idempotency-key', name: 'PaymentsHandler.refund' });
  });
});

describe('@IdempotentClass and per-instance stores', () => {
  afterEach(() => resetIdempotencyConfig());

  const auditStore = new MemoryStore();

  @IdempotentClass({ ttlSeconds: 120, store: (self: OrdersHandler) => self.store, requireKey: true })
  class OrdersHandler {
    constructor(readonly store: IdempotencyStore) {}

    @Idempotent('detail.orderId')
    async created(event: { detail: { orderId: string } }) {
      return { seen: event.detail.orderId };
    }

    @Idempotent({ key: 'detail.orderId', ttlSeconds: 5 })
    async shipped(event: { detail: { orderId: string } }) {
      return { shipped: event.detail.orderId };
    }

    // Static: `self` is the class, so the class-level store function does not apply here.
    @Idempotent({ key: 'detail.orderId', store: auditStore })
    static async audit(event: { detail: { orderId: string } }) {
      return { audited: event.detail.orderId };
    }
  }

  // A default namespace serves one class (lib/decorators/caller.ts): OrdersHandler's own methods
  // are called on it, so the inheritance test uses a base no call is made on.
  class ShippingHandler {
    runs = 0;
    @Idempotent('detail.orderId')
    async created(_event: { detail: { orderId: string } }) {
      return ++this.runs;
    }
  }
  class ExpressShippingHandler extends ShippingHandler {}

  it('uses the store injected into each instance', async () => {
    configureIdempotency({ logger: new CaptureLogger() });
    const a = new MemoryStore();
    const b = new MemoryStore();
    await new OrdersHandler(a).created({ detail: { orderId: '1' } });
    await new OrdersHandler(b).created({ detail: { orderId: '2' } });
    expect([a.size, b.size]).toEqual([1, 1]);
  });

  it('applies class defaults below method options and above process defaults', async () => {
    const store = new MemoryStore();
    const complete = jest.spyOn(store, 'complete');
    configureIdempotency({ ttlSeconds: 999, logger: new CaptureLogger() });
    const handler = new OrdersHandler(store);
    await handler.created({ detail: { orderId: '1' } });
    await handler.shipped({ detail: { orderId: '1' } });
    expect(complete.mock.calls.map(([request]) => request.ttlMs)).toEqual([120_000, 5_000]);
    await expect(handler.created({ detail: {} } as never)).rejects.toThrow(/no idempotency key in the event: the `key` path 'detail\.orderId' found nothing/);
    expect(getIdempotencyOptions(OrdersHandler, 'shipped')).toMatchObject({ ttlSeconds: 5, requireKey: true, name: 'OrdersHandler.shipped' });
  });

  it('puts a subclass inheriting the method in front of the defining class in the namespace, and keeps the defining class for static methods', async () => {
    const logger = new CaptureLogger();
    const store = new MemoryStore();
    configureIdempotency({ logger, store });
    const express = new ExpressShippingHandler();
    await expect(express.created({ detail: { orderId: '1' } })).resolves.toBe(1);
    await expect(express.created({ detail: { orderId: '1' } })).resolves.toBe(1);
    await OrdersHandler.audit({ detail: { orderId: '1' } });
    expect(logger.lines.map((l) => [l.attributes.namespace, l.attributes.decision])).toEqual([
      ['ExpressShippingHandler/ShippingHandler.created', 'miss'],
      ['ExpressShippingHandler/ShippingHandler.created', 'hit'],
      ['OrdersHandler.audit', 'miss'],
    ]);
  });
});

describe('inherited methods: idempotencyKeyFor names the record the call writes', () => {
  afterEach(() => resetIdempotencyConfig());

  // One base per subclass, so each case has its own records.
  @IdempotentClass({ prefix: 'base', ttlSeconds: 60 })
  class BaseJob {
    runs = 0;
    @Idempotent('id')
    async run(_event: { id: string }) {
      return ++this.runs;
    }
  }
  @IdempotentClass({ prefix: 'base', ttlSeconds: 60 })
  class BaseTask {
    runs = 0;
    @Idempotent('id')
    async run(_event: { id: string }) {
      return ++this.runs;
    }
  }
  // The namespace is the subclass's, then the declaring class's; class defaults are the nearest ones of the class the
  // call is made on, so a subclass's own defaults reach the methods it inherits, for the call and
  // for idempotencyKeyFor alike.
  @IdempotentClass({ prefix: 'sub' })
  class NightlyJob extends BaseJob {}
  class HourlyTask extends BaseTask {}

  it.each([
    ['with its own class defaults', NightlyJob, 'sub', 'NightlyJob/BaseJob'],
    ['without', HourlyTask, 'base', 'HourlyTask/BaseTask'],
  ])('a subclass %s: the key is its own namespace (its name, then the declaring class\'s) under the nearest class defaults, and deleting it lets the next call run', async (_label, Job, prefix, base) => {
    const store = new MemoryStore();
    configureIdempotency({ store, logger: new CaptureLogger() });
    const job = new Job();
    const event = { id: `job-${Job.name}` };
    await expect(job.run(event)).resolves.toBe(1);
    const key = idempotencyKeyFor(Job, 'run', event) as string;
    expect(key).toMatch(new RegExp(`^${prefix}:${base}\\.run:[0-9a-f]{64}$`));
    await expect(store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed });
    expect(store.size).toBe(1);
    await expect(job.run(event)).resolves.toBe(1); // replayed
    await expect(store.delete(key)).resolves.toBe(true);
    await expect(job.run(event)).resolves.toBe(2); // runs again
    // Class defaults layer along the chain, the nearest class winning option by option.
    expect(getIdempotencyOptions(Job, 'run')).toEqual({ key: 'id', prefix, ttlSeconds: 60, name: `${base}.run` });
  });
});

describe('a class decorator that returns a subclass (tracing, mixin-style decorators)', () => {
  afterEach(() => resetIdempotencyConfig());

  // TypeScript requires `any[]` in a mixin's base constructor type.
  type Class = new (...args: any[]) => object;
  function Traced<T extends Class>(target: T): T {
    return class TracedHandler extends target {};
  }
  function Wrapped<T extends Class>(target: T): T {
    return class extends target {};
  }

  @Traced
  class ChargeHandler {
    @Idempotent('orderId')
    async handle(event: { orderId: string }) {
      return `CHARGED ${event.orderId}`;
    }
  }
  @Traced
  class RefundHandler {
    @Idempotent('orderId')
    async handle(event: { orderId: string }) {
      return `REFUNDED ${event.orderId}`;
    }
  }

  it('a named replacement: records named after it, then the class that declares the method, so one tracing decorator on two classes never lets a refund replay a charge', async () => {
    const store = new MemoryStore();
    const logger = new CaptureLogger();
    configureIdempotency({ store, logger });
    const event = { orderId: 'o-1' };
    const refundKey = idempotencyKeyFor(RefundHandler, 'handle', event) as string;
    expect(refundKey).toMatch(/^idempotency:TracedHandler\/RefundHandler\.handle:[0-9a-f]{64}$/);
    await expect(new ChargeHandler().handle(event)).resolves.toBe('CHARGED o-1');
    await expect(new RefundHandler().handle(event)).resolves.toBe('REFUNDED o-1');
    expect(logger.lines.map((l) => l.attributes.namespace)).toEqual(['TracedHandler/ChargeHandler.handle', 'TracedHandler/RefundHandler.handle']);
    await expect(store.get(refundKey)).resolves.toMatchObject({ status: RecordStatus.Completed });
    expect(getIdempotencyOptions(ChargeHandler, 'handle')).toEqual({ key: 'orderId', name: 'TracedHandler/ChargeHandler.handle' });
  });

  it('applies @IdempotentClass placed above it: encrypted under its prefix, and idempotencyKeyFor agrees', async () => {
    @IdempotentClass({ prefix: 'cards', encryption: { key: randomBytes(32), keyId: 'k1' } })
    @Wrapped
    class CardHandler {
      @Idempotent('orderId')
      async handle(event: { orderId: string }) {
        return { card: '4111 1111 1111 1111', order: event.orderId };
      }
    }
    const store = new MemoryStore();
    configureIdempotency({ store, logger: new CaptureLogger() });
    const event = { orderId: 'o-1' };
    await new CardHandler().handle(event);
    const key = idempotencyKeyFor(CardHandler, 'handle', event) as string;
    expect(key).toMatch(/^cards:CardHandler\.handle:[0-9a-f]{64}$/);
    const record = await store.get(key);
    expect(record).toMatchObject({ status: RecordStatus.Completed });
    expect(JSON.stringify(record)).not.toContain('4111');
    expect(store.size).toBe(1);
    expect(getIdempotencyOptions(CardHandler, 'handle')).toMatchObject({ prefix: 'cards', name: 'CardHandler.handle' });
  });
});
