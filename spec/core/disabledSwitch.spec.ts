import { configureIdempotency, IdempotencyConfigError, makeIdempotent, MemoryStore, resetIdempotencyConfig } from '../../lib';
import { readDisabledSwitch } from '../../lib/core/disabledSwitch';
import { CountingStore } from '../helpers/countingStore';
import { CaptureLogger } from '../helpers/logger';

/** IDEMPOTENCY_DISABLED: idempotency off for tests and local runs, refused inside Lambda unless forced. */
describe('IDEMPOTENCY_DISABLED', () => {
  let logger: CaptureLogger;
  let store: CountingStore;
  const env = { ...process.env };

  beforeEach(() => {
    logger = new CaptureLogger();
    store = new CountingStore(new MemoryStore());
  });
  afterEach(() => {
    process.env = { ...env };
    resetIdempotencyConfig();
  });

  function charger(name: string): { charge: (event: { orderId: string }) => Promise<number>; runs: () => number } {
    let runs = 0;
    const charge = makeIdempotent(async (_event: { orderId: string }) => ++runs, { key: 'orderId', name, store, logger });
    return { charge, runs: () => runs };
  }

  it('=true runs the method every time without calling the store, and says so in one warn line per process', async () => {
    process.env.IDEMPOTENCY_DISABLED = 'true';
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    const first = charger('Disabled.first');
    const second = charger('Disabled.second');
    expect(await first.charge({ orderId: 'o-1' })).toBe(1);
    expect(await first.charge({ orderId: 'o-1' })).toBe(2);
    await second.charge({ orderId: 'o-1' });
    await second.charge({} as { orderId: string }); // no key: not even read
    expect(first.runs() + second.runs()).toBe(4);
    expect(store.calls).toEqual({ claim: 0, complete: 0, release: 0, renewLease: 0, get: 0, delete: 0 });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'warn', attributes: { warning: 'idempotency_disabled', forced: false } });
    expect(logger.lines[0]?.message).toMatch(/DISABLED by IDEMPOTENCY_DISABLED=true.*tests and local runs only/);
  });

  it('says it at configureIdempotency when that comes first, and not again at the calls', async () => {
    process.env.IDEMPOTENCY_DISABLED = '1';
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    configureIdempotency({ logger });
    expect(logger.lines.map((l) => l.attributes)).toEqual([expect.objectContaining({ warning: 'idempotency_disabled' })]);
    await charger('Disabled.configured').charge({ orderId: 'o-1' });
    expect(logger.lines).toHaveLength(1);
  });

  it('=true is refused inside Lambda (AWS_LAMBDA_FUNCTION_NAME set): at configuration and at every call, the method never running', async () => {
    process.env.IDEMPOTENCY_DISABLED = 'true';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'payments';
    expect(() => configureIdempotency({ logger })).toThrow(IdempotencyConfigError);
    expect(() => configureIdempotency({ logger })).toThrow(/refused inside a Lambda function.*IDEMPOTENCY_DISABLED=force/);
    const { charge, runs } = charger('Disabled.refused');
    await expect(charge({ orderId: 'o-1' })).rejects.toThrow(IdempotencyConfigError);
    await expect(charge({ orderId: 'o-1' })).rejects.toThrow(/refused inside a Lambda function/);
    expect(runs()).toBe(0);
    expect(logger.lines).toEqual([]);
  });

  it('=force turns it off inside Lambda too, and the warn line says it was forced', async () => {
    process.env.IDEMPOTENCY_DISABLED = 'force';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'payments';
    const { charge, runs } = charger('Disabled.forced');
    await charge({ orderId: 'o-1' });
    await charge({ orderId: 'o-1' });
    expect(runs()).toBe(2);
    expect(store.calls.claim).toBe(0);
    expect(logger.lines.map((l) => l.attributes)).toEqual([expect.objectContaining({ warning: 'idempotency_disabled', forced: true })]);
  });

  it('a logger whose warn is async and rejects (a NestJS LoggerService) leaves no unhandled rejection', async () => {
    process.env.IDEMPOTENCY_DISABLED = 'true';
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    let warned = 0;
    const nest = { log() {}, error() {}, warn: async () => { warned++; throw new Error('log sink down'); } };
    const charge = makeIdempotent(async (_event: { orderId: string }) => 'ran', { key: 'orderId', name: 'Disabled.asyncLogger', store, logger: nest });
    await expect(charge({ orderId: 'o-1' })).resolves.toBe('ran');
    expect(warned).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50)); // jest fails the test on an unhandled rejection
  });

  it('unset, empty, false or 0 leave idempotency on', async () => {
    for (const value of [undefined, '', 'false', '0', 'FALSE']) {
      if (value === undefined) delete process.env.IDEMPOTENCY_DISABLED;
      else process.env.IDEMPOTENCY_DISABLED = value;
      resetIdempotencyConfig();
      const { charge, runs } = charger(`Disabled.on${JSON.stringify(value ?? 'unset').replace(/\W/g, '')}`);
      await charge({ orderId: 'o-1' });
      await charge({ orderId: 'o-1' });
      expect(runs()).toBe(1);
    }
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('refuses any other value, naming what it accepts', () => {
    expect(readDisabledSwitch({ IDEMPOTENCY_DISABLED: 'yes' })).toEqual({
      refused: new IdempotencyConfigError('Expected `IDEMPOTENCY_DISABLED` to be `true`, `false` or `force`, got "yes".'),
    });
    expect(readDisabledSwitch({ IDEMPOTENCY_DISABLED: ' True ' })).toEqual({ disabled: true, forced: false });
  });
});
