import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  hashValue,
  IdempotencyConfigError,
  IdempotencyCorruptRecordError,
  IdempotencyResultError,
  jsonSerializer,
  makeIdempotent,
  MemoryStore,
  richSerializer,
  type Serializer,
} from '../lib';
import { useRedis } from './helpers/redisServer';
import { CaptureLogger } from './helpers/logger';

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

  // Invalid Dates are left to the test above: jest compares Dates by getTime(), and NaN !== NaN.
  const hasInvalidDate = (v: unknown, seen = new Set<unknown>()): boolean => {
    if (v instanceof Date) return Number.isNaN(v.getTime());
    if (v === null || typeof v !== 'object' || seen.has(v)) return false;
    seen.add(v);
    const children = v instanceof Map ? [...v.keys(), ...v.values()] : v instanceof Set ? [...v] : Object.values(v);
    return children.some((c) => hasInvalidDate(c, seen));
  };

  it('round-trips 2,000 generated values equal to the original, -0 included', () => {
    const [negativeZero] = richSerializer.deserialize(richSerializer.serialize([-0])) as number[];
    expect(Object.is(negativeZero, -0)).toBe(true);
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: false, withSparseArray: false, withTypedArray: false, withBoxedValues: false }).filter((v) => !hasInvalidDate(v)), (value) => {
        expect(richSerializer.deserialize(richSerializer.serialize(value))).toEqual(value);
      }),
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
    expect(() => makeIdempotent(async function f() { return 1; }, { serializer: { serialize: JSON.stringify } as never })).toThrow(IdempotencyConfigError);
    expect(jsonSerializer.deserialize(jsonSerializer.serialize({ a: [1] }))).toEqual({ a: [1] });
  });
});

describe('encryption at rest (real Redis)', () => {
  const redis = useRedis();

  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let runs = 0;
  const wrap = (encryption: { key: Buffer | string; keyId?: string; previousKeys?: Record<string, Buffer> } | undefined, cacheError?: (e: unknown) => boolean) =>
    makeIdempotent(async function profile(e: { id: string; fail?: boolean }) {
      runs++;
      if (e.fail) throw Object.assign(new Error('email jane@example.com bounced'), { name: 'BounceError' });
      return { name: 'Jane Doe', email: 'jane@example.com' };
    }, { key: 'id', store: () => redis.store, logger: new CaptureLogger(), encryption, ...(cacheError ? { cacheError } : {}) });
  const recordKey = (id: string): string => `idempotency:profile:${hashValue(id)}`;

  it('stores results and stored failures unreadable in Redis, and replays them', async () => {
    const fn = wrap({ key: oldKey, keyId: '2026-05' }, () => true);
    const id = randomUUID();
    const first = await fn({ id });
    const raw = (await redis.admin.get(recordKey(id))) as string;
    expect(raw).toMatch(/^C\|\|v#2026-05\./);
    expect(raw).not.toContain('jane');
    await expect(fn({ id })).resolves.toEqual(first);

    const failing = randomUUID();
    await expect(fn({ id: failing, fail: true })).rejects.toThrow('bounced');
    expect(await redis.admin.get(recordKey(failing))).not.toContain('jane');
    await expect(fn({ id: failing, fail: true })).rejects.toMatchObject({ name: 'BounceError', idempotentReplay: true });
  });

  it('detects tampering and records copied from another key, never running the method', async () => {
    const fn = wrap({ key: oldKey, keyId: '2026-05' });
    const a = randomUUID();
    const b = randomUUID();
    await fn({ id: a });
    await fn({ id: b });
    const raw = (await redis.admin.get(recordKey(a))) as string;
    const flipped = raw.slice(0, -6) + (raw.at(-6) === 'A' ? 'B' : 'A') + raw.slice(-5);
    await redis.admin.set(recordKey(a), flipped);
    await redis.admin.set(recordKey(b), raw); // a valid seal, but for another record
    runs = 0;
    await expect(fn({ id: a })).rejects.toThrow(IdempotencyCorruptRecordError);
    await expect(fn({ id: b })).rejects.toThrow(/integrity check/);
    expect(runs).toBe(0);
  });

  it('rotates keys: old records open with previousKeys, new ones are sealed with the new key id', async () => {
    const before = wrap({ key: oldKey, keyId: '2026-05' });
    const id = randomUUID();
    const first = await before({ id });
    const after = wrap({ key: newKey, keyId: '2026-11', previousKeys: { '2026-05': oldKey } });
    await expect(after({ id })).resolves.toEqual(first);
    const fresh = randomUUID();
    await after({ id: fresh });
    expect(await redis.admin.get(recordKey(fresh))).toMatch(/^C\|\|v#2026-11\./);

    const forgotten = wrap({ key: newKey, keyId: '2026-11' });
    await expect(forgotten({ id })).rejects.toThrow(/key id "2026-05", which is not configured/);
    await expect(wrap(undefined)({ id })).rejects.toThrow(/encrypted, but no `encryption` key is configured/);
  });

  it('rejects a key that is not 32 bytes without printing it', () => {
    const short = Buffer.from('not-32-bytes-secret-material');
    expect(() => wrap({ key: short })).toThrow(IdempotencyConfigError);
    expect(() => wrap({ key: short })).not.toThrow(/secret-material/);
    expect(() => wrap({ key: oldKey.toString('base64'), keyId: 'bad id!' })).toThrow(/keyId/);
  });
});
