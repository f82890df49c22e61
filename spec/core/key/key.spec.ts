import {
  hashValue,
  IdempotencyConfigError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
  makeIdempotent,
  MemoryStore,
  type IdempotencyOptions,
} from '../../../lib';
import { compileSelector, recordKeyPrefix, select } from '../../../lib/core/key/key';
import { canonicalDecimal } from '../../../lib/core/key/exactNumber';
import { httpEvent } from '../../helpers/lambda';
import { CaptureLogger } from '../../helpers/logger';

/** An idempotent function that counts its runs and returns the run number, on its own memory store. */
function counted(options: IdempotencyOptions): { fn: (event: unknown) => Promise<number>; runs: () => number; logger: CaptureLogger; store: MemoryStore } {
  let runs = 0;
  const logger = new CaptureLogger();
  const store = new MemoryStore();
  const fn = makeIdempotent(async function charge(_event: unknown) {
    return ++runs;
  }, { store, logger, name: 'charge', ...options }); // a function per test: the name is explicit
  return { fn, runs: () => runs, logger, store };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('record keys stay as they were', () => {
  // Computed on the code before exact numbers and value checks: records written by it must still
  // be found, so an ordinary event keeps its key.
  it.each<[string, unknown, string]>([
    ['a string', 'order-42', '90140eb1a898639024d3752994bf84b1d40cfe639f70bcbdf7d047bf72274a1d'],
    ['a number', 42, '73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049'],
    ['1e21', 1e21, '241c4643fa70b1dcde1205b71be4e3bebb17e9f880c8e1a33d0ead6c27271d3c'],
    ['a small fraction', -0.5e-7, 'a1db480410921ba5bd77fafcb3d0d62ca1bd3a06dc655e14ca92fbf17ee5eb07'],
    ['the largest safe integer', 9007199254740991, 'f40b423c2dd95ff2b2f027e22208f438cf7242862e5e746860e697308c9add26'],
    ['an object', { b: [1, 'two', { d: null, c: true }], a: 'é🚀"\\\n' }, '830d8a9fd4edbd287e53a7a843cfb01bf3e5da6e908945b86be4969cbeb449ad'],
    ['an array', ['tenant-1', 'order-9'], 'b9bedb64b934c793e88e850d0d16c29bc1c03462052a058fa18dfef14ee6efa7'],
  ])('hashes %s as before', (_name, value, hash) => {
    expect(hashValue(value)).toBe(hash);
  });

  const event = httpEvent({ orderId: 'o-1', amountCents: 1999, lines: [{ sku: 'A', qty: 2 }] }, { 'Idempotency-Key': 'k-1' });
  const numbers = { body: '{"amount":1.5e3,"n":1e21,"id":9007199254740991,"f":0.30000000000000004,"t":1700000000000}' };
  it.each<[string, unknown, string | string[] | undefined, string]>([
    ['a whole API Gateway event', event, undefined, '073e81a147296c5417534b17b24c142f89648508ced4f9ceebda9a7db9712f9f'],
    ['a header key', event, 'headers.idempotency-key', 'f613e2ddb1ed1aefc2d87a1bc773c3a3e671f40809ffe8875486d58482e5259a'],
    ['a body number written with an exponent', numbers, 'body.amount', '9f69998560dcfd8016442e0a32e959191df095817a164ce844c64ec5a8b0cc1b'],
    ['body numbers that a double holds exactly', numbers, ['body.n', 'body.id', 'body.f', 'body.t'], '12896a4fa39ea7cbedeba5e1450118bfa592c1992fc6cdeaa97aa05a9adf50bf'],
  ])('keys %s as before', (_name, e, key, hash) => {
    expect(hashValue(select(e, compileSelector(key), new Map()))).toBe(hash);
  });

  it('is a 64-character hex SHA-256 after <prefix>:<namespace>:', () => {
    expect(recordKeyPrefix('idempotency', 'Payments.charge') + hashValue('order-1')).toMatch(/^idempotency:Payments\.charge:[0-9a-f]{64}$/);
  });
});

describe('distinct requests never share a key', () => {
  it('runs two orders whose JSON ids differ above 2^53 separately', async () => {
    const { fn, runs } = counted({ key: 'body.orderId' });
    await expect(fn({ body: '{"orderId":9007199254740993}' })).resolves.toBe(1);
    await expect(fn({ body: '{"orderId":9007199254740992}' })).resolves.toBe(2);
    await expect(fn({ body: '{"orderId": 9007199254740993 }' })).resolves.toBe(1);
    expect(runs()).toBe(2);
  });

  it('keeps 1e400 and 1e401 apart (both Infinity as doubles), and 1.0 with 1', async () => {
    const { fn } = counted({ key: 'body.n' });
    await expect(fn({ body: '{"n":1e400}' })).resolves.toBe(1);
    await expect(fn({ body: '{"n":1e401}' })).resolves.toBe(2);
    await expect(fn({ body: '{"n":1.0}' })).resolves.toBe(3);
    await expect(fn({ body: '{"n":1}' })).resolves.toBe(3);
  });

  it('gives a big body id the key of the same BigInt from a key function', () => {
    const fromBody = select({ body: '{"id":9007199254740993}' }, compileSelector('body.id'), new Map());
    expect(hashValue(fromBody)).toBe(hashValue(9007199254740993n));
    expect(hashValue(fromBody)).not.toBe(hashValue(9007199254740992n));
  });

  it('refuses a different amount above 2^53 under validate, instead of replaying', async () => {
    const { fn } = counted({ key: 'body.orderId', validate: 'body.amount' });
    await fn({ body: '{"orderId":"o-1","amount":9007199254740993}' });
    await expect(fn({ body: '{"orderId":"o-1","amount":9007199254740992}' })).rejects.toThrow(IdempotencyPayloadMismatchError);
  });

  it('refuses an async key function before running, instead of keying every event as {}', async () => {
    const { fn, runs } = counted({ key: async (e: { id: string }) => e.id });
    const err = await rejection(fn({ id: 'a' }));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/key functions must be synchronous/);
    await expect(fn({ id: 'b' })).rejects.toThrow(IdempotencyKeyError);
    expect(runs()).toBe(0);
  });

  it.each<[string, (id: string) => unknown, RegExp]>([
    ['a Map', (id) => new Map([['id', id]]), /a Map/],
    ['a Set', (id) => new Set([id]), /a Set/],
    ['a boxed string', (id) => Object(id), /a boxed String/],
    ['a Date', (id) => new Date(id === 'a' ? 0 : 1), /a Date; return `date\.toISOString\(\)`/],
    ['an object holding a Promise', (id) => ({ id: Promise.resolve(id) }), /a Promise/],
  ])('refuses a key function returning %s, instead of keying it as {}', async (_name, key, found) => {
    const { fn, runs } = counted({ key: (e: { id: string }) => key(e.id) });
    const err = await rejection(fn({ id: 'a' }));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/^The value of the `key` function cannot be hashed faithfully/);
    expect(err.message).toMatch(found);
    expect(runs()).toBe(0);
  });
});

describe('a key path that finds nothing', () => {
  it('fails the call by default, naming the path and the slip, without running the method', async () => {
    const { fn, runs, logger } = counted({ key: 'body.orderID' });
    const err = await rejection(fn(httpEvent({ orderId: 'o-1' })));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/^charge: no idempotency key in the event: the `key` path 'body\.orderID' found nothing \('body' has no property 'orderID'; a property differing only in letter case exists/);
    expect(runs()).toBe(0);
    expect(logger.lines).toEqual([]);
  });

  it('runs without idempotency with requireKey: false, and the key_missing line names the path', async () => {
    const { fn, runs, logger } = counted({ key: 'body.orderID', requireKey: false });
    await expect(fn(httpEvent({ orderId: 'o-1' }))).resolves.toBe(1);
    await expect(fn(httpEvent({ orderId: 'o-1' }))).resolves.toBe(2);
    expect(runs()).toBe(2);
    expect(logger.lines[0]).toMatchObject({
      level: 'warn',
      attributes: { decision: 'key_missing', namespace: 'charge', error: { name: 'IdempotencyKeyError', code: 'IDEMPOTENCY_KEY', message: expect.stringContaining("`key` path 'body.orderID' found nothing") } },
    });
    expect(JSON.stringify(logger.lines)).not.toContain('o-1');
  });

  it('fails a body that is not JSON with IdempotencyKeyError, the parse error as the cause', async () => {
    const { fn, runs } = counted({ key: 'body.orderId' });
    const err = await rejection(fn({ body: 'orderId=o-1' }));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/'body' is a string that is not valid JSON/);
    expect(err.message).not.toContain('o-1');
    expect(err.cause).toBeInstanceOf(SyntaxError);
    expect(runs()).toBe(0);
  });

  it('reads Records[0].messageId as Records.0.messageId', async () => {
    const { fn, runs } = counted({ key: 'Records[0].messageId' });
    const sqs = { Records: [{ messageId: 'm-1', body: '{}' }] };
    await expect(fn(sqs)).resolves.toBe(1);
    await expect(fn(sqs)).resolves.toBe(1);
    expect(runs()).toBe(1);
  });

  it('refuses paths in other libraries\' syntax when the function is wrapped', () => {
    for (const key of ['$.body.orderId', 'powertools_json(body).orderId', 'body.orderId ']) {
      expect(() => counted({ key })).toThrow(IdempotencyConfigError);
    }
  });
});

describe('reading the event fails only with IdempotencyKeyError', () => {
  it('wraps a getter on the key path that throws, before running', async () => {
    const { fn, runs } = counted({ key: 'detail.id' });
    const event = {
      get detail(): unknown {
        throw new TypeError('not loaded');
      },
    };
    const err = await rejection(fn(event));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/`key` path 'detail\.id' from the event threw/);
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(runs()).toBe(0);
  });

  it('wraps a getter on the validate path that throws', async () => {
    const { fn } = counted({ key: 'id', validate: 'body' });
    const event = {
      id: 'a',
      get body(): unknown {
        throw new Error('boom');
      },
    };
    await expect(fn(event)).rejects.toThrow(IdempotencyKeyError);
  });
});

describe('validation', () => {
  it('replays the same JSON body with its keys in another order, instead of a 422', async () => {
    const { fn, runs } = counted({ key: 'headers.idempotency-key', validate: 'body' });
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: '{"orderId":"o-1","amount":5}' })).resolves.toBe(1);
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: '{ "amount": 5, "orderId": "o-1" }' })).resolves.toBe(1);
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: '{"orderId":"o-1","amount":6}' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(runs()).toBe(1);
  });

  it('compares a body that is not JSON as text', async () => {
    const { fn } = counted({ key: 'headers.idempotency-key', validate: 'body' });
    await fn({ headers: { 'idempotency-key': 'k' }, body: 'a=1&b=2' });
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: 'a=1&b=2' })).resolves.toBe(1);
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: 'b=2&a=1' })).rejects.toThrow(IdempotencyPayloadMismatchError);
  });

  it('replays a request without a body (API Gateway leaves `body` out)', async () => {
    const { fn, runs } = counted({ key: 'headers.idempotency-key', validate: 'body' });
    await expect(fn({ headers: { 'idempotency-key': 'k' } })).resolves.toBe(1);
    await expect(fn({ headers: { 'idempotency-key': 'k' } })).resolves.toBe(1);
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: '{}' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(runs()).toBe(1);
  });

  it('fails a validate path that finds nothing, instead of letting a different payload replay', async () => {
    const { fn, runs } = counted({ key: 'headers.idempotency-key', validate: 'bodyy' });
    const err = await rejection(fn({ headers: { 'idempotency-key': 'k' }, body: '{"amount":5}' }));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/`validate` path 'bodyy' found nothing/);
    expect(runs()).toBe(0);
  });

  it('still replays a byte-identical retry of a record stored by version 0.1.x, which hashed the body text', async () => {
    const { fn, runs, store } = counted({ key: 'headers.idempotency-key', validate: 'body' });
    const body = '{"orderId":"o-1","amount":5}';
    const recordKey = recordKeyPrefix('idempotency', 'charge') + hashValue('k');
    const legacyHash = hashValue(body);
    await store.claim({ key: recordKey, token: 't', leaseMs: 60_000, ttlMs: 60_000, validationHash: legacyHash });
    await store.complete({ key: recordKey, token: 't', payload: '41', validationHash: legacyHash, ttlMs: 60_000 });
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body })).resolves.toBe(41);
    await expect(fn({ headers: { 'idempotency-key': 'k' }, body: '{"orderId":"o-1","amount":6}' })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(runs()).toBe(0);
  });
});

describe('hostile bodies', () => {
  it('reads a number literal with a long zero run in linear time (a crafted body cannot stall the claim)', () => {
    // /0+$/ backtracked on every zero run: 100 KB took seconds, 1 MB minutes.
    const literal = '1' + '0'.repeat(200_000) + '1';
    const started = process.hrtime.bigint();
    // Booleans, not the 200 KB texts: a failure message must stay readable.
    expect(/^1\.0{200000}1e\+200001$/.test(canonicalDecimal(literal))).toBe(true);
    expect(/^1\.0{200000}1$/.test(canonicalDecimal(`1.${'0'.repeat(200_000)}1`))).toBe(true);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1_000);
  });

  it('refuses a base64 body that is not UTF-8 instead of reading its bytes as U+FFFD (café and cafè are not one key)', async () => {
    const latin1 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');
    const { fn, runs } = counted({ key: 'body.ref', name: 'latin1Key' });
    for (const ref of ['caf\u00e9', 'caf\u00e8']) {
      const err = await rejection(fn({ isBase64Encoded: true, body: latin1(JSON.stringify({ ref })) }));
      expect(err).toBeInstanceOf(IdempotencyKeyError);
      expect(err.message).toContain('not valid JSON');
    }
    expect(runs()).toBe(0);

    const validated = counted({ key: 'headers.idempotency-key', validate: 'body', name: 'latin1Validate' });
    await validated.fn({ headers: { 'idempotency-key': 'k' }, isBase64Encoded: true, body: latin1('{"ref":"caf\u00e9"}') });
    await expect(validated.fn({ headers: { 'idempotency-key': 'k' }, isBase64Encoded: true, body: latin1('{"ref":"caf\u00e8"}') })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(validated.runs()).toBe(1);
  });

  it('never quotes a body that is not JSON in the error or its cause', async () => {
    const { fn } = counted({ key: 'body.orderId', name: 'notJson' });
    const err = await rejection(fn({ body: 'PAN=4111111111111111&amount=5' }));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    const text = `${err.message} ${String(err.cause)} ${(err.cause as Error).message}`;
    expect(text).not.toContain('PAN');
    expect(text).not.toContain('4111');
  });
});
