import { randomBytes, randomUUID } from 'node:crypto';
import { hashValue, IdempotencyConfigError, IdempotencyCorruptRecordError, makeIdempotent } from '../lib';
import { useRedis } from './helpers/redisServer';
import { CaptureLogger } from './helpers/logger';

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
