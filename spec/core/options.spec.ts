import { randomBytes } from 'node:crypto';
import {
  configureIdempotency,
  getIdempotencyOptions,
  hashValue,
  Idempotent,
  IdempotentClass,
  idempotencyKeyFor,
  IdempotencyConfigError,
  makeIdempotent,
  MemoryStore,
  RecordStatus,
  resetIdempotencyConfig,
  type IdempotencyDefaults,
} from '../../lib';
import { expectPositiveInteger } from '../../lib/core/check';
import { OPTION_NAMES, OPTION_TABLE, withDefaults, type OptionTable } from '../../lib/core/optionTable';
import { validateOptions } from '../../lib/core/validateOptions';
import { CaptureLogger } from '../helpers/logger';

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
    [{ logger: { info() {} } }, 'Expected `logger` to have info, warn and error methods (a Powertools Logger), or log, warn and error (a NestJS Logger), got an object'],
    [{ ttlSecs: 5 }, 'Unknown option `ttlSecs` in makeIdempotent'],
    [{ waitSeconds: 0 }, 'Expected `waitSeconds` to be a positive integer, got 0'],
    [{ name: '' }, 'Expected `name` to be a non-empty string, got ""'],
    [{ renewLease: 1 }, 'Expected `renewLease` to be a boolean, got 1'],
    [{ onInProgress: 'block' }, "Expected `onInProgress` to be 'fail' or 'wait', got \"block\""],
    [{ onReplay: true }, 'Expected `onReplay` to be a function, got true'],
    [{ cacheError: 'yes' }, 'Expected `cacheError` to be a function, got "yes"'],
    [{ serializer: JSON }, 'Expected `serializer` to have serialize and deserialize methods, got an object'],
    [{ localCache: 100 }, 'Expected `localCache` to be { maxEntries: <positive integer> }, got 100'],
    [{ localCache: { maxEntries: 0 } }, 'Expected `localCache.maxEntries` to be a positive integer, got 0'],
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

  it('checks every option of the table: each refuses a value of no kind it takes', () => {
    for (const name of OPTION_NAMES) {
      expect(() => validateOptions({ [name]: Symbol('wrong') }, 'makeIdempotent')).toThrow(IdempotencyConfigError);
    }
  });

  it('does not check an option given as `undefined` (not set at that level)', () => {
    expect(() => validateOptions(Object.fromEntries(OPTION_NAMES.map((name) => [name, undefined])), 'makeIdempotent')).not.toThrow();
  });

  it.each([
    ['ttlSecs', 'ttlSeconds'],
    ['ttl', 'ttlSeconds'],
    ['lease', 'leaseSeconds'],
    ['TTLSeconds', 'ttlSeconds'],
    ['cacheResults', 'cacheResult'],
  ])('refuses the unknown option `%s`, suggesting `%s`', (given, meant) => {
    expect(() => makeIdempotent(fn, { [given]: 5 } as never)).toThrow(`Unknown option \`${given}\` in makeIdempotent; did you mean \`${meant}\`? Known options: store, logger,`);
  });

  it('lists the known options of the scope: `name` is not one of configureIdempotency', () => {
    expect(() => makeIdempotent(fn, { colour: 'red' } as never)).toThrow(/^Unknown option `colour` in makeIdempotent; known options: store, .*, encryption, name\.$/);
    expect(() => configureIdempotency({ colour: 'red' } as never)).toThrow(/^Unknown option `colour` in configureIdempotency; known options: store, .*, encryption\.$/);
    expect(() => configureIdempotency({ nam: 'x' } as never)).toThrow(/^Unknown option `nam` in configureIdempotency; known options/); // no suggestion of `name`
    expect(() => makeIdempotent(fn, { nam: 'x' } as never)).toThrow('did you mean `name`?');
  });

  it('needs a name for an anonymous function', () => {
    expect(() => makeIdempotent(async (_e: unknown) => 1)).toThrow(/name the function .* or pass `name`/);
    expect(() => makeIdempotent(async (_e: unknown) => 1, { name: 'anon' })).not.toThrow();
  });
});

describe('the option table', () => {
  it('fills every unset option that has a default, keeping the ones set', () => {
    const { logger, ...rest } = withDefaults({ ttlSeconds: 60, prefix: undefined, key: 'id' });
    expect(rest).toEqual({
      key: 'id',
      ttlSeconds: 60,
      requireKey: true,
      prefix: 'idempotency',
      onStoreError: 'fail',
      maxResultBytes: 6 * 1024 * 1024,
      eventArgIndex: 0,
      onInProgress: 'fail',
      waitSeconds: 10,
      renewLease: false,
      serializer: OPTION_TABLE.serializer.default,
    });
    expect(typeof (logger as { info?: unknown }).info).toBe('function');
  });

  it('leaves the options it is given unchanged', () => {
    const options = { ttlSeconds: undefined };
    withDefaults(options);
    expect(options).toEqual({ ttlSeconds: undefined });
  });

  it('has a row for every option and no other: the compiler says so', () => {
    const { ttlSeconds: _dropped, ...withoutTtl } = OPTION_TABLE;
    // @ts-expect-error an option of IdempotencyOptions with no row
    expect(withoutTtl satisfies OptionTable).not.toHaveProperty('ttlSeconds');
    // @ts-expect-error a row for an option IdempotencyOptions does not have
    expect({ ...OPTION_TABLE, ttl: { check: expectPositiveInteger } } satisfies OptionTable).toHaveProperty('ttl');
    // @ts-expect-error a default of another type than the option's
    expect({ ...OPTION_TABLE, ttlSeconds: { default: '1h', check: expectPositiveInteger } } satisfies OptionTable).toBeDefined();
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

describe('an option given as `undefined` is not set at that level', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  // An optional setting read from the environment, as users write it: unset here.
  const fromEnv = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);
  let clock: number;
  let store: MemoryStore;
  beforeEach(() => {
    clock = 1_000_000;
    store = new MemoryStore({ now: () => clock });
  });
  afterEach(() => resetIdempotencyConfig());

  /** Whether the record of `key` is still stored after `ms` more have passed (the real TTL). */
  async function storedAfter(key: string, ms: number): Promise<boolean> {
    clock += ms;
    return (await store.get(key)) !== undefined;
  }

  it('method level: `ttlSeconds: undefined` keeps configureIdempotency\'s TTL, not the built-in hour', async () => {
    configureIdempotency({ store, logger: new CaptureLogger(), ttlSeconds: 86_400 });
    const settle = makeIdempotent(async function settleInvoice(_e: { id: string }) { return 'ok'; }, { key: 'id', ttlSeconds: fromEnv('UNSET_TTL_FOR_TEST') });
    await settle({ id: 'i1' });
    const key = `idempotency:settleInvoice:${hashValue('i1')}`;
    await expect(storedAfter(key, HOUR + 1_000)).resolves.toBe(true);
    await expect(storedAfter(key, DAY - HOUR)).resolves.toBe(false);
  });

  it('process level: configureIdempotency({ ttlSeconds: undefined }) keeps the earlier value', async () => {
    configureIdempotency({ store, logger: new CaptureLogger(), ttlSeconds: 86_400 });
    configureIdempotency({ ttlSeconds: fromEnv('UNSET_TTL_FOR_TEST'), store: undefined });
    const settle = makeIdempotent(async function settleLater(_e: { id: string }) { return 'ok'; }, { key: 'id' });
    await settle({ id: 'i2' }); // the store set first is kept too
    await expect(storedAfter(`idempotency:settleLater:${hashValue('i2')}`, HOUR + 1_000)).resolves.toBe(true);
  });

  it('method level: `store: undefined` uses the configured store', async () => {
    configureIdempotency({ store, logger: new CaptureLogger() });
    const settle = makeIdempotent(async function settleWithStore(_e: { id: string }) { return 'ok'; }, { key: 'id', store: undefined });
    await expect(settle({ id: 'i3' })).resolves.toBe('ok');
    expect(store.size).toBe(1);
  });

  it('method level: `encryption: undefined` keeps results encrypted when encryption is configured process-wide', async () => {
    configureIdempotency({ store, logger: new CaptureLogger(), encryption: { key: randomBytes(32) } });
    const profile = makeIdempotent(async function loadProfile(_e: { id: string }) { return { email: 'ada@example.com' }; }, { key: 'id', encryption: undefined });
    await profile({ id: 'u1' });
    const record = await store.get(`idempotency:loadProfile:${hashValue('u1')}`);
    expect(record).toMatchObject({ status: RecordStatus.Completed });
    expect(JSON.stringify(record)).not.toContain('ada@example.com');
    await expect(profile({ id: 'u1' })).resolves.toEqual({ email: 'ada@example.com' }); // and it still replays
  });

  describe('class level, the same for calls, getIdempotencyOptions and idempotencyKeyFor', () => {
    const classDefaults: IdempotencyDefaults = { key: 'detail.id', prefix: 'jobs', ttlSeconds: 600, store: undefined };

    @IdempotentClass(classDefaults)
    class ExportJob {
      runs = 0;
      @Idempotent({ key: undefined, ttlSeconds: undefined, prefix: undefined })
      async run(_event: { detail: { id: string }; at?: number }) {
        return ++this.runs;
      }
    }

    it('a method\'s `undefined` keeps the class value; the class\'s `undefined` keeps the process value', async () => {
      configureIdempotency({ store, logger: new CaptureLogger(), ttlSeconds: 86_400 });
      const job = new ExportJob();
      await job.run({ detail: { id: 'e1' }, at: 1 });
      // key 'detail.id' from the class: another event with the same id is a repeat.
      await expect(job.run({ detail: { id: 'e1' }, at: 2 })).resolves.toBe(1);
      const key = idempotencyKeyFor(ExportJob, 'run', { detail: { id: 'e1' } }) as string;
      expect(key).toBe(`jobs:ExportJob.run:${hashValue('e1')}`);
      await expect(storedAfter(key, 590_000)).resolves.toBe(true); // the class's 600 s, not the built-in 3,600 s
      await expect(storedAfter(key, 20_000)).resolves.toBe(false);
      expect(getIdempotencyOptions(ExportJob, 'run')).toEqual({ key: 'detail.id', prefix: 'jobs', ttlSeconds: 600, name: 'ExportJob.run' });
    });
  });
});
