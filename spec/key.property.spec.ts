import fc from 'fast-check';
import { canonicalJson, hashValue, IdempotencyKeyError, makeIdempotent, MemoryStore } from '../lib';
import { compileSelector, select } from '../lib/key';
import { CaptureLogger } from './helpers/logger';

const RUNS = 10_000;

/** Dot paths built from segments that may or may not exist in the event. */
const segment = fc.oneof(fc.constantFrom('body', 'headers', 'Records', '0', '1', 'id', 'orderId', 'detail', 'idempotency-key', '__proto__', 'constructor', 'length'), fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('.')));
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
const selector = fc.oneof(path, fc.array(path, { minLength: 1, maxLength: 3 }));

/** Events of every shape: JSON, strings holding JSON, and arbitrary JS values (BigInt, Map, Date, cycles aside). */
const event = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }),
  fc.record({ body: fc.jsonValue().map((v) => JSON.stringify(v)), headers: fc.dictionary(fc.string(), fc.string()) }),
);

/** The same JSON value with every object's keys in another order. */
function shuffled(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffled(v, rand));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(() => rand() - 0.5);
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffled(v, rand)]));
  }
  return value;
}

describe('key derivation properties (fast-check)', () => {
  it(`never throws anything but IdempotencyKeyError, for ${RUNS} generated events and key paths`, () => {
    fc.assert(
      fc.property(event, selector, (e, s) => {
        try {
          const value = select(e, compileSelector(s), new Map());
          if (typeof value !== 'symbol') hashValue(value);
          hashValue(e);
        } catch (err) {
          if (!(err instanceof IdempotencyKeyError)) throw err;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`writes the same canonical JSON past 256 levels of nesting (the explicit-stack writer) as above, for ${RUNS} generated values`, () => {
    // Wrapped 300 levels deep, a value goes through the iterative writer; alone, through the
    // recursive one. Both must agree to the byte, or deep and shallow events would hash apart.
    const depth = 300;
    fc.assert(
      fc.property(fc.anything({ withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }), (value) => {
        let wrapped: unknown = value;
        for (let i = 0; i < depth; i++) wrapped = [wrapped];
        const inner = value === undefined || typeof value === 'function' || typeof value === 'symbol' ? 'null' : canonicalJson(value);
        expect(canonicalJson(wrapped)).toBe('['.repeat(depth) + inner + ']'.repeat(depth));
      }),
      { numRuns: RUNS },
    );
  });

  it(`gives one hash whatever the order of object keys, for ${RUNS} generated JSON values`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        let x = seed;
        const rand = (): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
        expect(hashValue(shuffled(value, rand))).toBe(hashValue(value));
      }),
      { numRuns: RUNS },
    );
  });

  it(`gives different hashes to different payloads, for ${RUNS} generated pairs`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        // Different JSON meaning, different key; same meaning (e.g. -0 and 0), same key.
        const same = canonicalJson(a) === canonicalJson(b);
        expect(hashValue(a) === hashValue(b)).toBe(same);
      }),
      { numRuns: RUNS },
    );
  });

  it(`writes canonical JSON that means what JSON.stringify means, for ${RUNS} generated values`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value) ?? 'null'));
      }),
      { numRuns: RUNS },
    );
  });

  it(`escapes strings exactly as JSON.stringify does, over all of UTF-16 (lone surrogates, control characters), for ${RUNS} strings`, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (a, b) => {
        expect(canonicalJson(a)).toBe(JSON.stringify(a));
        expect(canonicalJson(b)).toBe(JSON.stringify(b));
        expect(canonicalJson({ [b]: a })).toBe(JSON.stringify({ [b]: a }));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('events of odd shapes through the whole engine', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 10_000; i++) deep = { n: deep };
  const cases: Array<[string, unknown]> = [
    ['a string', 'just a string'],
    ['a number', 42],
    ['an array', [1, 'two', { three: 3 }]],
    ['an object with 10,000 levels of nesting', deep],
    ['huge headers (1 MB value, 5,000 headers)', { headers: { ...Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`x-h-${i}`, String(i)])), big: 'x'.repeat(1024 * 1024) } }],
    ['an object with a null prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ];

  it.each(cases)('runs once and replays for %s', async (_name, e) => {
    let runs = 0;
    const fn = makeIdempotent(async function odd(_event: unknown) {
      return ++runs;
    }, { store: new MemoryStore(), logger: new CaptureLogger() });
    await expect(fn(e)).resolves.toBe(1);
    await expect(fn(e)).resolves.toBe(1);
  });

  it('runs unprotected, with a warning, for a null event (no key)', async () => {
    const logger = new CaptureLogger();
    const fn = makeIdempotent(async function nothing(_event: unknown) {
      return 'ran';
    }, { store: new MemoryStore(), logger });
    await expect(fn(null)).resolves.toBe('ran');
    expect(logger.decisions()).toEqual(['key_missing']);
  });

  it('fails a cyclic event with IdempotencyKeyError before running', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let runs = 0;
    const fn = makeIdempotent(async function cyclicFn(_event: unknown) {
      return ++runs;
    }, { store: new MemoryStore(), logger: new CaptureLogger() });
    await expect(fn(cyclic)).rejects.toThrow(IdempotencyKeyError);
    expect(runs).toBe(0);
  });
});
