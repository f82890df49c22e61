import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { IdempotencyConfigError, IdempotencyResultError, jsonSerializer, makeIdempotent, MemoryStore, richSerializer, type Serializer } from '../../lib';
import { CaptureLogger } from '../helpers/logger';

const sample = () => ({
  at: new Date('2026-11-26T12:00:00.000Z'),
  total: 12345678901234567890n,
  tags: new Set(['a', 'b']),
  byId: new Map<unknown, unknown>([['x', { n: 1 }], [2, new Date(0)]]),
  pdf: Buffer.from('%PDF-1.7'),
  bytes: new Uint8Array([1, 2, 255]),
  missing: undefined,
  list: [1, undefined, NaN, Infinity, -Infinity],
  $t: 'a user key that looks like a tag',
  $$dollar: 'two dollars',
  nested: { deeper: { when: new Date(1) } },
});

describe('richSerializer', () => {
  it('round-trips what JSON loses', () => {
    const value = sample();
    const back = richSerializer.deserialize(richSerializer.serialize(value)) as ReturnType<typeof sample>;
    expect(isDeepStrictEqual(back, value)).toBe(true);
    expect(back).toEqual(value);
    expect(back.byId.get(2)).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(back.pdf)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Object.prototype.hasOwnProperty.call(back, 'missing')).toBe(true);
    // An invalid Date (compared apart: jest compares Dates by getTime(), and NaN !== NaN).
    const invalid = richSerializer.deserialize(richSerializer.serialize({ d: new Date(Number.NaN) })) as { d: Date };
    expect(invalid.d).toBeInstanceOf(Date);
    expect(Number.isNaN(invalid.d.getTime())).toBe(true);
  });

  const roundTrip = (value: unknown): unknown => richSerializer.deserialize(richSerializer.serialize(value));

  it('keeps the holes of a sparse array holes, not null or undefined', () => {
    const sparse = [1, , 3, , ,];
    const back = roundTrip(sparse) as unknown[];
    expect(back).toHaveLength(5);
    expect([0, 1, 2, 3, 4].map((i) => i in back)).toEqual([true, false, true, false, false]);
    expect(isDeepStrictEqual(back, sparse)).toBe(true);
    const huge: unknown[] = [];
    huge[100_000] = 'last';
    expect(richSerializer.serialize(huge).length).toBeLessThan(100);
    expect(isDeepStrictEqual(roundTrip(huge), huge)).toBe(true);
    expect(isDeepStrictEqual(roundTrip({ list: [undefined, , null] }), { list: [undefined, , null] })).toBe(true);
  });

  it('round-trips every typed array, DataView and ArrayBuffer with its own type and bytes', () => {
    const values = [
      new Int8Array([-128, 0, 127]),
      new Uint8Array([0, 255]),
      new Uint8ClampedArray([0, 200, 255]),
      new Int16Array([-32768, 32767]),
      new Uint16Array([65535]),
      new Int32Array([-(2 ** 31), 2 ** 31 - 1]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([1.5, -0, Number.NaN, Infinity]),
      new Float64Array([Math.PI, -0, Number.NaN, -Infinity]),
      new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
      new BigUint64Array([2n ** 64n - 1n]),
      new Float32Array(new ArrayBuffer(16), 4, 2), // a view into a larger buffer: only its bytes
      new DataView(Uint8Array.from([1, 2, 3, 4]).buffer, 1, 2),
      Uint8Array.from([9, 8, 7]).buffer,
      new Float32Array(0),
    ];
    for (const value of values) {
      const back = roundTrip({ value }) as { value: unknown };
      expect(Object.prototype.toString.call(back.value)).toBe(Object.prototype.toString.call(value));
      expect(isDeepStrictEqual(back.value, value)).toBe(true);
    }
  });

  it('keeps the null prototype of an object, at any depth', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, $t: 'Date', nested: Object.assign(Object.create(null) as object, { b: 2 }) });
    const back = roundTrip([bare]) as Array<Record<string, unknown>>;
    expect(Object.getPrototypeOf(back[0])).toBeNull();
    expect(Object.getPrototypeOf(back[0]?.nested)).toBeNull();
    expect(isDeepStrictEqual(back, [bare])).toBe(true);
  });

  it('reads the encodings stored by earlier versions, and still writes them for the types they covered', () => {
    // Written by lambda-idempotency 0.1.0; records with these bytes may be live in a store.
    const stored =
      '{"at":{"$t":"Date","v":"2026-11-26T12:00:00.000Z"},"bad":{"$t":"Date","v":null},"total":{"$t":"BigInt","v":"12345678901234567890"},"tags":{"$t":"Set","v":["a"]},' +
      '"byId":{"$t":"Map","v":[["x",1],[2,{"$t":"Date","v":"1970-01-01T00:00:00.000Z"}]]},"pdf":{"$t":"Buffer","v":"JVBERg=="},"bytes":{"$t":"Uint8Array","v":"AQL/"},' +
      '"missing":{"$t":"undefined"},"list":[1,{"$t":"undefined"},{"$t":"Number","v":"NaN"},{"$t":"Number","v":"Infinity"},{"$t":"Number","v":"-Infinity"},{"$t":"Number","v":"-0"}],"$$t":"user","$$$d":2}';
    const value = {
      at: new Date('2026-11-26T12:00:00.000Z'),
      bad: new Date(Number.NaN),
      total: 12345678901234567890n,
      tags: new Set(['a']),
      byId: new Map<unknown, unknown>([['x', 1], [2, new Date(0)]]),
      pdf: Buffer.from('%PDF'),
      bytes: new Uint8Array([1, 2, 255]),
      missing: undefined,
      list: [1, undefined, NaN, Infinity, -Infinity, -0],
      $t: 'user',
      $$d: 2,
    };
    expect(richSerializer.serialize(value)).toBe(stored);
    const { bad, ...rest } = richSerializer.deserialize(stored) as typeof value;
    const { bad: _bad, ...expected } = value;
    expect(Number.isNaN(bad.getTime())).toBe(true);
    expect(isDeepStrictEqual(rest, expected)).toBe(true);
    // 0.1.0 stored a sparse array with null in its holes, a typed array and a null-prototype
    // object as plain objects: such records still read back as what they were stored as.
    expect(richSerializer.deserialize('[1,null,3]')).toEqual([1, null, 3]);
    expect(isDeepStrictEqual(richSerializer.deserialize('{"0":1.5}'), { 0: 1.5 })).toBe(true);
  });

  // The supported types, nested in each other: fast-check's typed arrays omit the BigInt ones, and
  // invalid Dates are left to the test above (isDeepStrictEqual finds two invalid Dates unequal).
  const binary = fc.oneof(
    fc.bigInt64Array({ maxLength: 4 }),
    fc.bigUint64Array({ maxLength: 4 }),
    fc.uint8Array({ maxLength: 8 }).map((bytes) => new DataView(bytes.buffer)),
    fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
    fc.uint8Array({ maxLength: 8 }).map((bytes) => bytes.buffer),
  );
  const supported = fc.anything({
    values: [fc.boolean(), fc.double(), fc.maxSafeInteger(), fc.string(), fc.constant(null), fc.constant(undefined), fc.bigInt(), fc.date({ noInvalidDate: true }), binary],
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
    withTypedArray: true,
  });

  it('round-trips 2,000 generated values deep-strict-equal to the original (prototypes, holes, -0)', () => {
    fc.assert(
      fc.property(supported, (value) => isDeepStrictEqual(roundTrip(value), value)),
      { numRuns: 2_000 },
    );
  });

  it('keeps an own "__proto__" key a property, never the prototype of the replayed object', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const back = richSerializer.deserialize(richSerializer.serialize(hostile)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('still refuses cycles, so the method fails with IdempotencyResultError', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const fn = makeIdempotent(async function cyclicResult(_e: { id: string }) {
      return cyclic;
    }, { key: 'id', store: new MemoryStore(), logger: new CaptureLogger(), serializer: richSerializer });
    await expect(fn({ id: 'x' })).rejects.toThrow(IdempotencyResultError);
  });
});

describe('serializer option', () => {
  it('replays values equal to the first call with richSerializer', async () => {
    const fn = makeIdempotent(async function quote(_e: { id: string }) {
      return sample();
    }, { key: 'id', store: new MemoryStore(), logger: new CaptureLogger(), serializer: richSerializer });
    const first = await fn({ id: 'q' });
    await expect(fn({ id: 'q' })).resolves.toEqual(first);
  });

  it('keeps a custom serializer output that starts with a marker character intact', async () => {
    const bang: Serializer = { serialize: (v) => `!${JSON.stringify(v)}`, deserialize: (t) => JSON.parse(t.slice(1)) };
    const store = new MemoryStore();
    const fn = makeIdempotent(async function banged(_e: { id: string }) {
      return { ok: true };
    }, { key: 'id', store, logger: new CaptureLogger(), serializer: bang });
    await fn({ id: 'b' });
    await expect(fn({ id: 'b' })).resolves.toEqual({ ok: true });
  });

  it('rejects a serializer without both methods', () => {
    expect(() => makeIdempotent(async function halfSerializer() { return 1; }, { serializer: { serialize: JSON.stringify } as never })).toThrow(IdempotencyConfigError);
    expect(jsonSerializer.deserialize(jsonSerializer.serialize({ a: [1] }))).toEqual({ a: [1] });
  });
});
