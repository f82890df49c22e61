import { randomUUID } from 'node:crypto';
import { configureIdempotency, Idempotent, idempotencyKeyFor, MemoryStore, RecordStatus, resetIdempotencyConfig } from '../../lib';
import { useRedis } from '../helpers/redisFixture';
import { CaptureLogger } from '../helpers/logger';

/**
 * `idempotencyKeyFor`: the record key a decorated method's call writes, for inspecting or resetting
 * that record. Inherited methods, class defaults and the TC39 dialect are covered beside the
 * decorators (spec/decorators/Idempotent*.spec.ts) and the options (spec/core/options.spec.ts).
 */
describe('idempotencyKeyFor', () => {
  afterEach(() => resetIdempotencyConfig());

  describe('on a real redis-server', () => {
    const redis = useRedis({ store: { commandTimeoutMs: 5_000 } });

    class Orders {
      runs = 0;
      @Idempotent({ key: 'detail.orderId', prefix: 'ops' })
      async ship(_e: { detail: { orderId: string } }) {
        return ++this.runs;
      }
    }

    it('computes the record key of a method for an event, reads the record, and resets it', async () => {
      configureIdempotency({ store: () => redis.store, logger: new CaptureLogger() });
      const orders = new Orders();
      const event = { detail: { orderId: randomUUID() } };
      await orders.ship(event);
      const key = idempotencyKeyFor(Orders, 'ship', event) as string;
      expect(key).toMatch(/^ops:Orders\.ship:[0-9a-f]{64}$/);
      await expect(redis.store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed, payload: '1' });
      await expect(orders.ship(event)).resolves.toBe(1);
      await expect(redis.store.delete(key)).resolves.toBe(true);
      await expect(orders.ship(event)).resolves.toBe(2);
      expect(idempotencyKeyFor(Orders, 'ship', { detail: {} })).toBeUndefined();
      // A name the compiler does not know (a private method, plain JavaScript) is checked at run time.
      expect(() => idempotencyKeyFor(Orders, 'nope' as never, event)).toThrow(/not an @Idempotent method/);
    });
  });

  it('names the record a static method writes, for a class never constructed', async () => {
    const store = new MemoryStore();
    configureIdempotency({ store, logger: new CaptureLogger() });
    class Ledger {
      @Idempotent('entryId')
      static async post(event: { entryId: string }) {
        return `posted ${event.entryId}`;
      }
    }
    const event = { entryId: 'e-1' };
    const key = idempotencyKeyFor(Ledger, 'post', event) as string;
    expect(key).toMatch(/^idempotency:Ledger\.post:[0-9a-f]{64}$/);
    await expect(store.get(key)).resolves.toBeUndefined();
    await Ledger.post(event);
    await expect(store.get(key)).resolves.toMatchObject({ status: RecordStatus.Completed });
  });

  it('finds a method decorated by another copy of the library in the process (a bundle beside a dependency)', () => {
    class Refunds {
      @Idempotent('refundId')
      async refund(event: { refundId: string }) {
        return event.refundId;
      }
    }
    let otherCopy!: typeof import('../../lib');
    jest.isolateModules(() => {
      otherCopy = require('../../lib') as typeof import('../../lib');
    });
    expect(otherCopy.idempotencyKeyFor).not.toBe(idempotencyKeyFor);
    const event = { refundId: 'r-1' };
    expect(otherCopy.idempotencyKeyFor(Refunds, 'refund', event)).toBe(idempotencyKeyFor(Refunds, 'refund', event));
    expect(idempotencyKeyFor(Refunds, 'refund', event)).toMatch(/^idempotency:Refunds\.refund:[0-9a-f]{64}$/);
  });
});
