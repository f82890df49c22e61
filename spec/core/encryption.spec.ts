import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyPayloadMismatchError, makeIdempotent, type EncryptionOptions } from '../../lib';
import { createSealer, type SealContext } from '../../lib/core/encryption';
import { useRedis } from '../helpers/redisFixture';
import { CaptureLogger } from '../helpers/logger';

interface ProfileEvent {
  readonly id: string;
  readonly amount?: number;
  readonly fail?: boolean;
  readonly nothing?: boolean;
}

/** A seal as lambda-idempotency 0.1.x wrote it: `#<keyId>.<base64>`, the record key as AAD. */
function legacySeal(key: Buffer, keyId: string, plaintext: string, recordKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(recordKey));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `#${keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** The fields of a completed record `C|<validationHash>|t<token>|v<payload>` (0.1: no token). */
function completed(raw: string): { hash: string; payload: string } {
  const match = /^C\|([^|]*)\|(?:t[^|]+\|)?v(.*)$/s.exec(raw);
  if (match === null) throw new Error(`not a completed record with a payload: ${raw.slice(0, 40)}`);
  return { hash: match[1] as string, payload: match[2] as string };
}

describe('encryption at rest (real Redis)', () => {
  const redis = useRedis();

  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let runs = 0;
  let prefix = '';
  beforeEach(() => {
    runs = 0;
    prefix = `enc-${randomUUID()}`;
  });

  const wrap = (encryption: EncryptionOptions | undefined, extra: { validate?: string; cacheError?: (e: unknown) => boolean } = {}) =>
    makeIdempotent(
      async function profile(e: ProfileEvent) {
        runs++;
        if (e.fail) throw Object.assign(new Error('email jane@example.com bounced'), { name: 'BounceError' });
        if (e.nothing) return undefined;
        return { name: 'Jane Doe', email: 'jane@example.com' };
      },
      { key: 'id', name: 'profile', prefix, store: () => redis.store, logger: new CaptureLogger(), encryption, ...extra },
    );

  /** The one record this test wrote (the key is read back, not recomputed, so it tracks key derivation). */
  async function onlyRecord(): Promise<{ key: string; raw: string }> {
    const keys = await redis.admin.keys(`${prefix}:*`);
    expect(keys).toHaveLength(1);
    const key = keys[0] as string;
    return { key, raw: (await redis.admin.get(key)) as string };
  }

  it('stores results, stored failures and undefined results sealed in Redis, and replays them', async () => {
    const fn = wrap({ key: oldKey, keyId: '2026-05' }, { cacheError: () => true });
    const id = randomUUID();
    const first = await fn({ id });
    const { key, raw } = await onlyRecord();
    expect(raw).toMatch(/^C\|\|t[^|]+\|v#2:2026-05:[A-Za-z0-9+/=]+$/);
    expect(raw).not.toContain('jane');
    await expect(fn({ id })).resolves.toEqual(first);

    await redis.admin.del(key);
    await expect(fn({ id, fail: true })).rejects.toThrow('bounced');
    expect((await onlyRecord()).raw).toMatch(/^C\|\|t[^|]+\|v#2:2026-05:/);
    expect((await onlyRecord()).raw).not.toContain('jane');
    await expect(fn({ id, fail: true })).rejects.toMatchObject({ name: 'BounceError', idempotentReplay: true });

    // An undefined result is sealed too: a record with no payload is never ours to replay.
    await redis.admin.del(key);
    await expect(fn({ id, nothing: true })).resolves.toBeUndefined();
    expect((await onlyRecord()).raw).toMatch(/^C\|\|t[^|]+\|v#2:2026-05:/);
    await expect(fn({ id, nothing: true })).resolves.toBeUndefined();
    expect(runs).toBe(3);
  });

  it.each([
    ['a plaintext result', 'C||v{"paid":999999}'],
    ['a plaintext result escaped as a serializer text', 'C||v\\{"paid":999999}'],
    ['a plaintext stored failure', 'C||v!{"name":"CardDeclined","message":"planted"}'],
    ['a record with no payload (an undefined result)', 'C||u'],
  ])('refuses %s planted in Redis, without running the method', async (_kind, planted) => {
    const fn = wrap({ key: oldKey });
    const id = randomUUID();
    await fn({ id });
    const { key } = await onlyRecord();
    await redis.admin.set(key, planted);
    runs = 0;
    await expect(fn({ id })).rejects.toThrow(IdempotencyCorruptRecordError);
    await expect(fn({ id })).rejects.toThrow(/not encrypted, but `encryption` is configured; delete the key, or set `encryption.acceptPlaintext: true`/);
    expect(runs).toBe(0);
  });

  it('refuses a planted plaintext result that carries the validation hash of the retried payload', async () => {
    const fn = wrap({ key: oldKey }, { validate: 'amount' });
    const id = randomUUID();
    await fn({ id, amount: 10 });
    const { key, raw } = await onlyRecord();
    await redis.admin.set(key, `C|${completed(raw).hash}|v{"paid":999999}`);
    runs = 0;
    await expect(fn({ id, amount: 10 })).rejects.toThrow(IdempotencyCorruptRecordError);
    expect(runs).toBe(0);
  });

  it.each([
    ['a result', {}],
    ['a stored failure', { fail: true }],
    ['an undefined result', { nothing: true }],
  ])('refuses %s whose validation hash was blanked or swapped, so a different payload cannot replay it', async (_kind, shape) => {
    const fn = wrap({ key: oldKey }, { validate: 'amount', cacheError: () => true });
    const id = randomUUID();
    // The hash an attacker would write: the one the store keeps for amount 999 (another record).
    await fn({ id: `probe-${id}`, amount: 999, ...shape }).catch(() => undefined);
    const probe = (await onlyRecord()).key;
    const hashOf999 = completed((await redis.admin.get(probe)) as string).hash;
    await redis.admin.del(probe);

    await fn({ id, amount: 10, ...shape }).catch(() => undefined);
    const { key, raw } = await onlyRecord();
    const { hash, payload } = completed(raw);
    expect(hash).not.toBe('');
    runs = 0;

    await redis.admin.set(key, `C||v${payload}`);
    await expect(fn({ id, amount: 999, ...shape })).rejects.toThrow(IdempotencyCorruptRecordError);
    await expect(fn({ id, amount: 999, ...shape })).rejects.toThrow(/integrity check/);

    await redis.admin.set(key, `C|${hashOf999}|v${payload}`);
    await expect(fn({ id, amount: 999, ...shape })).rejects.toThrow(IdempotencyCorruptRecordError);

    // Any other hash: the mismatch check or the seal refuses it; either way nothing runs.
    await redis.admin.set(key, `C|${'f'.repeat(64)}|v${payload}`);
    await expect(fn({ id, amount: 10, ...shape })).rejects.toThrow(IdempotencyPayloadMismatchError);
    expect(runs).toBe(0);

    // The untouched record still replays for its own payload.
    await redis.admin.set(key, raw);
    await expect(fn({ id, amount: 10, ...shape }).then(() => 'replayed', (e: { idempotentReplay?: boolean }) => (e.idempotentReplay ? 'replayed' : e))).resolves.toBe('replayed');
    expect(runs).toBe(0);
  });

  it('detects tampering and records copied from another key, never running the method', async () => {
    const fn = wrap({ key: oldKey, keyId: '2026-05' });
    const a = randomUUID();
    await fn({ id: a });
    const recordA = await onlyRecord();
    const b = randomUUID();
    await fn({ id: b });
    const keyB = (await redis.admin.keys(`${prefix}:*`)).find((k) => k !== recordA.key) as string;
    const raw = recordA.raw;
    const flipped = raw.slice(0, -6) + (raw.at(-6) === 'A' ? 'B' : 'A') + raw.slice(-5);
    await redis.admin.set(recordA.key, flipped);
    await redis.admin.set(keyB, raw); // a valid seal, but for another record
    runs = 0;
    await expect(fn({ id: a })).rejects.toThrow(IdempotencyCorruptRecordError);
    await expect(fn({ id: b })).rejects.toThrow(/integrity check/);
    expect(runs).toBe(0);
  });

  it('rotates keys: old records open with previousKeys, new ones are sealed with the new key id', async () => {
    const before = wrap({ key: oldKey, keyId: '2026-05' });
    const id = randomUUID();
    const first = await before({ id });
    const { key, raw: sealedBefore } = await onlyRecord();
    const after = wrap({ key: newKey, keyId: '2026-11', previousKeys: { '2026-05': oldKey } });
    await expect(after({ id })).resolves.toEqual(first);
    await redis.admin.del(key);
    await after({ id });
    expect((await onlyRecord()).raw).toMatch(/^C\|\|t[^|]+\|v#2:2026-11:/);

    await redis.admin.set(key, sealedBefore);
    await expect(wrap({ key: newKey, keyId: '2026-11' })({ id })).rejects.toThrow(/key id "2026-05", which is not configured/);
    await expect(wrap(undefined)({ id })).rejects.toThrow(/encrypted, but no `encryption` key is configured/);
    expect(runs).toBe(2);
  });

  it('seals and opens with key ids that contain dots, across a rotation', async () => {
    const v1 = wrap({ key: oldKey, keyId: 'k.1' });
    const id = randomUUID();
    const first = await v1({ id });
    await expect(v1({ id })).resolves.toEqual(first);
    const v2 = wrap({ key: newKey, keyId: 'k.2', previousKeys: { 'k.1': oldKey } });
    await expect(v2({ id })).resolves.toEqual(first);
    expect(runs).toBe(1);
    expect((await onlyRecord()).raw).toMatch(/^C\|\|t[^|]+\|v#2:k\.1:/);
  });

  it('replays results stored before encryption was turned on only with acceptPlaintext, and seals new ones', async () => {
    const plain = wrap(undefined);
    const id = randomUUID();
    const nothing = randomUUID();
    const first = await plain({ id });
    await plain({ id: nothing, nothing: true });
    expect(await redis.admin.mget(...(await redis.admin.keys(`${prefix}:*`)))).toEqual(expect.arrayContaining([expect.stringMatching(/^C\|\|t[^|]+\|v\{/), expect.stringMatching(/^C\|\|t[^|]+\|u$/)]));

    await expect(wrap({ key: oldKey })({ id })).rejects.toThrow(IdempotencyCorruptRecordError);
    const migrating = wrap({ key: oldKey, acceptPlaintext: true });
    await expect(migrating({ id })).resolves.toEqual(first);
    await expect(migrating({ id: nothing, nothing: true })).resolves.toBeUndefined();
    const fresh = randomUUID();
    await migrating({ id: fresh });
    const sealed = (await redis.admin.mget(...(await redis.admin.keys(`${prefix}:*`)))).filter((raw) => raw?.includes('#2:'));
    expect(sealed).toHaveLength(1);
    expect(runs).toBe(3);
  });

  it('refuses records sealed by 0.1.x (validation hash not authenticated) unless acceptLegacySeals is set', async () => {
    const fn = wrap({ key: oldKey, keyId: 'k.1' }, { validate: 'amount' });
    const id = randomUUID();
    await fn({ id, amount: 10 });
    const { key, raw } = await onlyRecord();
    // What 0.1.x stored for this call; its key id with a dot could never be opened by 0.1.x itself.
    const legacy = `C|${completed(raw).hash}|v${legacySeal(oldKey, 'k.1', '{"name":"Jane Doe"}', key)}`;
    await redis.admin.set(key, legacy);
    runs = 0;
    await expect(fn({ id, amount: 10 })).rejects.toThrow(/sealed by lambda-idempotency 0\.1\.x.*`encryption\.acceptLegacySeals: true`/);

    const upgrading = wrap({ key: newKey, keyId: 'k.2', previousKeys: { 'k.1': oldKey }, acceptLegacySeals: true }, { validate: 'amount' });
    await expect(upgrading({ id, amount: 10 })).resolves.toEqual({ name: 'Jane Doe' });
    // The weakness the switch accepts for one TTL: a 0.1.x seal does not cover the hash.
    await redis.admin.set(key, `C||v${completed(legacy).payload}`);
    await expect(upgrading({ id, amount: 999 })).resolves.toEqual({ name: 'Jane Doe' });
    expect(runs).toBe(0);
  });

  it('rejects bad options with a message that names the option and never the key', () => {
    const short = Buffer.from('not-32-bytes-secret-material');
    expect(() => wrap({ key: short })).toThrow(IdempotencyConfigError);
    expect(() => wrap({ key: short })).not.toThrow(/secret-material/);
    expect(() => wrap({ key: oldKey.toString('base64'), keyId: 'bad id!' })).toThrow(/keyId/);
    expect(() => wrap({ key: oldKey, previousKeys: { 'old:1': oldKey } })).toThrow(/previousKeys key id/);
    expect(() => wrap({ key: oldKey, previousKeys: 'k0' as never })).toThrow('Expected `encryption.previousKeys` to be an object of key id to key.');
    expect(() => wrap({ key: oldKey, keyId: 7 as never })).toThrow(/keyId/);
    expect(() => wrap({ key: oldKey, acceptPlaintext: 'yes' as never })).toThrow('Expected `encryption.acceptPlaintext` to be a boolean, got "yes"');
    expect(() => wrap({ key: oldKey, acceptPlainText: true } as never)).toThrow(/Unknown option `encryption.acceptPlainText`; expected one of key, keyId, previousKeys, acceptPlaintext, acceptLegacySeals/);
  });
});

describe('sealed payload format', () => {
  const key = Buffer.alloc(32, 7);
  const context: SealContext = { recordKey: 'idempotency:profile:0f0f', status: 'COMPLETED', validationHash: undefined };

  it('binds record key, status and validation hash: a seal opens only in its own context', () => {
    const sealer = createSealer({ key });
    const sealed = sealer.seal('{"ok":true}', context);
    expect(sealer.open(sealed, context)).toBe('{"ok":true}');
    for (const other of [
      { ...context, recordKey: 'idempotency:profile:0f0e' },
      { ...context, status: 'IN_PROGRESS' },
      { ...context, validationHash: 'ab' },
    ]) {
      expect(() => sealer.open(sealed, other)).toThrow(IdempotencyCorruptRecordError);
    }
    const hashed = sealer.seal('x', { ...context, validationHash: 'ab' });
    expect(() => sealer.open(hashed, context)).toThrow(/integrity check/);
    // An empty hash and no hash are one stored form (`C||...`), so they are one context.
    expect(sealer.open(sealer.seal('x', { ...context, validationHash: '' }), context)).toBe('x');
  });

  it('still opens the exact strings 0.1.0 stored, dotted key ids included, when acceptLegacySeals is set', () => {
    // Written by lambda-idempotency 0.1.0 with key Buffer.alloc(32, 7) for context.recordKey.
    const dotted = '#k.1.PMbTS2jMig5kWcLX6fyGTQR7OwbT1fdm0KozAS69gqgVpItbCg5ooc8jqtSuUUQ=';
    const plain = '#2026-05.XgdcdTx5gMTGKDBrU5p6jkD3DaWl4CaXDnJfO1N/gNRJMT8rOl2BYfIu+d0I16o=';
    const legacy = createSealer({ key, keyId: 'k.2', previousKeys: { 'k.1': key, '2026-05': key }, acceptLegacySeals: true });
    expect(legacy.open(dotted, context)).toBe('{"name":"Jane Doe"}');
    expect(legacy.open(plain, context)).toBe('{"name":"Jane Doe"}');
    expect(() => legacy.open(plain, { ...context, recordKey: 'idempotency:profile:0f0e' })).toThrow(IdempotencyCorruptRecordError);
    expect(() => createSealer({ key, keyId: '2026-05' }).open(plain, context)).toThrow(/acceptLegacySeals/);
  });

  it('does not open a current seal rewritten in the 0.1.x form (no downgrade to the weaker binding)', () => {
    const sealer = createSealer({ key, acceptLegacySeals: true });
    const sealed = sealer.seal('{"ok":true}', { ...context, validationHash: 'ab' });
    const rewritten = sealed.replace(/^#2:k1:/, '#k1.');
    expect(rewritten).not.toBe(sealed);
    expect(() => sealer.open(rewritten, context)).toThrow(/integrity check/);
  });

  it('refuses a sealed string whose key id is missing or malformed, without echoing it', () => {
    const sealer = createSealer({ key });
    expect(() => sealer.open('#2:nocolon', context)).toThrow(IdempotencyCorruptRecordError);
    expect(() => sealer.open(`#2:${'x y'.repeat(100)}:AAAA`, context)).toThrow(/no valid key id/);
  });
});
