import { configureIdempotency, IdempotencyConfigError, makeIdempotent, MemoryStore, resetIdempotencyConfig } from '../lib';
import { CaptureLogger } from './helpers/logger';

describe('option validation', () => {
  const fn = async function handler(_event: unknown) {
    return 1;
  };

  it.each([
    [{ ttlSeconds: -1 }, 'Expected `ttlSeconds` to be a positive integer, got -1'],
    [{ ttlSeconds: 1.5 }, 'Expected `ttlSeconds` to be a positive integer, got 1.5'],
    [{ leaseSeconds: 0 }, 'Expected `leaseSeconds` to be a positive integer, got 0'],
    [{ maxResultBytes: '10' }, 'Expected `maxResultBytes` to be a positive integer, got "10"'],
    [{ eventArgIndex: -1 }, 'Expected `eventArgIndex` to be a non-negative integer, got -1'],
    [{ prefix: ' ' }, 'Expected `prefix` to be a non-empty string, got " "'],
    [{ requireKey: 'yes' }, 'Expected `requireKey` to be a boolean, got "yes"'],
    [{ onStoreError: 'ignore' }, "Expected `onStoreError` to be 'fail' or 'continue', got \"ignore\""],
    [{ store: {} }, 'Expected `store` to be an IdempotencyStore (RedisStore, MemoryStore) or a function (self) => store, got an object'],
    [{ logger: { info() {} } }, 'Expected `logger` to have info, warn and error methods (a Powertools Logger), got an object'],
    [{ ttlSecs: 5 }, 'Unknown option `ttlSecs` in makeIdempotent'],
  ])('rejects %j with a message that says what was expected', (options, message) => {
    expect(() => makeIdempotent(fn, options as never)).toThrow(IdempotencyConfigError);
    expect(() => makeIdempotent(fn, options as never)).toThrow(message);
  });

  it('validates configureIdempotency up front', () => {
    expect(() => configureIdempotency({ ttlSeconds: 0 })).toThrow('Expected `ttlSeconds` to be a positive integer, got 0');
    expect(() => configureIdempotency({ name: 'x' } as never)).toThrow(/`name` is per method/);
    expect(() => configureIdempotency({ key: 'body..orderId' })).toThrow(/dot path like 'body.orderId', got "body..orderId"/);
    expect(() => configureIdempotency({ validate: [] })).toThrow(IdempotencyConfigError);
  });

  it('needs a name for an anonymous function', () => {
    expect(() => makeIdempotent(async (_e: unknown) => 1)).toThrow(/name the function .* or pass `name`/);
    expect(() => makeIdempotent(async (_e: unknown) => 1, { name: 'anon' })).not.toThrow();
  });
});

describe('configureIdempotency', () => {
  afterEach(() => resetIdempotencyConfig());

  it('applies later configuration to functions wrapped earlier (no first-config-wins)', async () => {
    const first = new MemoryStore();
    const second = new MemoryStore();
    const logger = new CaptureLogger();
    const wrapped = makeIdempotent(async function work(event: { id: string }) {
      return event.id;
    }, { key: 'id' });
    configureIdempotency({ store: first, logger });
    await wrapped({ id: 'a' });
    configureIdempotency({ store: second });
    await wrapped({ id: 'b' });
    expect(first.size).toBe(1);
    expect(second.size).toBe(1);
    expect(logger.decisions()).toEqual(['miss', 'miss']); // the logger set first was kept (merge)
  });

  it('lets per-function options override process defaults', async () => {
    const processStore = new MemoryStore();
    const ownStore = new MemoryStore();
    configureIdempotency({ store: processStore, logger: new CaptureLogger() });
    const wrapped = makeIdempotent(async function own(_e: string) {
      return 1;
    }, { store: ownStore });
    await wrapped('event');
    expect(processStore.size).toBe(0);
    expect(ownStore.size).toBe(1);
  });
});
