import fc from 'fast-check';
import { canonicalJson, hashValue, IdempotencyConfigError, IdempotencyKeyError, makeIdempotent, MemoryStore } from '../../../lib';
import { compileSelector, missingKeyError, MISSING, select, type CompiledSelector } from '../../../lib/core/key/key';
import { CaptureLogger } from '../../helpers/logger';

const RUNS = 10_000;

/** Dot paths built from segments that may or may not exist in the event. */
const segment = fc.oneof(fc.constantFrom('body', 'headers', 'Records', '0', '1', 'id', 'orderId', 'detail', 'idempotency-key', '__proto__', 'constructor', 'length'), fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('.')));
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
const selector = fc.oneof(path, fc.array(path, { minLength: 1, maxLength: 3 }));

/** An object whose property throws when read: a getter, or every trap of a Proxy. */
const hostile = fc.constantFrom(
  () => ({
    get body(): never {
      throw new Error('getter');
    },
  }),
  () => new Proxy({ body: '{}' }, { getOwnPropertyDescriptor: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } }),
);

/** Events of every shape: JSON, strings holding JSON, arbitrary JS values (BigInt, Map, Date, Promise...), hostile objects. */
const event = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true }),
  fc.record({ body: fc.jsonValue().map((v) => JSON.stringify(v)), headers: fc.dictionary(fc.string(), fc.string()) }),
  fc.record({ body: fc.oneof(fc.string(), fc.constant('{"a":1e400,"b":[9007199254740993]}')), promise: fc.constant(null).map(() => Promise.resolve(1)) }),
  fc.tuple(hostile, fc.jsonValue()).map(([make, v]) => ({ headers: make(), detail: make(), Records: [make()], v })),
);

/** Equality of JSON values written independently of the canonical writer: numbers by value (-0 is 0), objects by their members in any order. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** JSON values over a small domain, so that generated pairs are often equal or nearly so. */
const nearJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom<unknown>(0, -0, 1, 1.5, 1e21, '1', '1e+21', '', 'a', null, true, false),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/**
 * A JSON number literal m x 10^e written in one of its forms (`15e-1`, `1.5`, `150e-2`), with
 * values around 2^53 and exponents past the double's range, where doubles collide.
 */
const literal = fc
  .tuple(
    fc.oneof(fc.bigInt({ min: 2n ** 53n - 4n, max: 2n ** 53n + 4n }), fc.bigInt({ min: -20n, max: 20n })),
    fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-400, -399, 308, 309, 400, 401)),
    fc.nat(3),
    fc.constantFrom('e', 'plain'),
  )
  .map(([m, e, zeros, style]) => ({ m: m * 10n ** BigInt(zeros), e: e - zeros, style }))
  .map(({ m, e, style }) => ({ m, e, text: m === 0n ? '0' : style === 'e' || e < -30 || e > 30 ? `${m}e${e}` : plainDecimal(m, e) }));

/** m x 10^e without an exponent: digits, then zeros or a decimal point. */
function plainDecimal(m: bigint, e: number): string {
  const sign = m < 0n ? '-' : '';
  const digits = (m < 0n ? -m : m).toString();
  if (e >= 0) return sign + digits + '0'.repeat(e);
  const padded = digits.padStart(-e + 1, '0');
  return `${sign}${padded.slice(0, e)}.${padded.slice(e)}`;
}

/** m1 x 10^e1 === m2 x 10^e2, by BigInt arithmetic alone. */
function sameDecimal(a: { m: bigint; e: number }, b: { m: bigint; e: number }): boolean {
  const low = Math.min(a.e, b.e);
  return a.m * 10n ** BigInt(a.e - low) === b.m * 10n ** BigInt(b.e - low);
}

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
      fc.property(event, selector, fc.constantFrom('key', 'validate'), (e, s, option) => {
        let compiled: CompiledSelector;
        try {
          compiled = compileSelector(s, option);
        } catch (err) {
          // A path that is not a dot path is refused at start-up, never per call.
          if (err instanceof IdempotencyConfigError) return;
          throw err;
        }
        for (const selected of [compiled, compileSelector(undefined)]) {
          try {
            const value = select(e, selected, new Map());
            if (value === MISSING) expect(missingKeyError('ns', e, selected)).toBeInstanceOf(IdempotencyKeyError);
            else hashValue(value);
          } catch (err) {
            if (!(err instanceof IdempotencyKeyError)) throw err;
          }
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
        const outcome = (v: unknown): string => {
          try {
            return canonicalJson(v);
          } catch (err) {
            if (!(err instanceof IdempotencyKeyError)) throw err;
            return `refused: ${err.message}`;
          }
        };
        const inner = outcome(value);
        expect(outcome(wrapped)).toBe(inner.startsWith('refused: ') ? inner : '['.repeat(depth) + inner + ']'.repeat(depth));
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

  it(`gives one hash to equal JSON values and different hashes to different ones, for ${RUNS} generated pairs`, () => {
    // Equality is jsonEqual, written apart from the canonical writer; pairs from a small domain
    // are often equal or one leaf apart, where a collision would hide.
    const pair = fc.oneof(fc.tuple(fc.jsonValue(), fc.jsonValue()), fc.tuple(nearJson, nearJson), fc.jsonValue().map((v) => [v, JSON.parse(JSON.stringify(v))] as [unknown, unknown]));
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(hashValue(a) === hashValue(b)).toBe(jsonEqual(a, b));
      }),
      { numRuns: RUNS },
    );
  });

  it(`keys two body numbers alike exactly when their decimal values are equal, for ${RUNS} generated pairs of literals`, () => {
    const key = compileSelector('body.id');
    const hashOf = (text: string): string => hashValue(select({ body: `{"id":${text}}` }, key, new Map()));
    const pair = fc.oneof(
      fc.tuple(literal, literal),
      // The same value written another way: m x 10^e as (10m) x 10^(e-1).
      literal.map((a) => [a, { m: a.m * 10n, e: a.e - 1, text: `${a.m * 10n}e${a.e - 1}` }] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(hashOf(a.text) === hashOf(b.text)).toBe(sameDecimal(a, b));
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
    }, { store: new MemoryStore(), logger: new CaptureLogger(), name: 'odd' }); // a function per case: the name is explicit
    await expect(fn(e)).resolves.toBe(1);
    await expect(fn(e)).resolves.toBe(1);
  });

  it('fails a null event (no key) with IdempotencyKeyError by default, and runs it unprotected with a warning under requireKey: false', async () => {
    const logger = new CaptureLogger();
    const strict = makeIdempotent(async function nothing(_event: unknown) {
      return 'ran';
    }, { store: new MemoryStore(), logger });
    await expect(strict(null)).rejects.toThrow(/the event is null \(no `key` is set, so the whole event is the key\)/);
    const lenient = makeIdempotent(async function nothing(_event: unknown) {
      return 'ran';
    }, { store: new MemoryStore(), logger, requireKey: false, name: 'nothing.lenient' }); // a second function: its own name
    await expect(lenient(null)).resolves.toBe('ran');
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
