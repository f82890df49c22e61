import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyStoreError, RedisStore, type IdempotencyError } from '../../../lib';
import { sleep } from '../../helpers/lambda';
import { startRedisServer, type RedisServer } from '../../helpers/redisServer';

/**
 * The error rules of RedisStore against a real redis-server: each failure is one IdempotencyError
 * subclass by what would fix it, the driver's error as cause, and a message naming the store and
 * the operation, never the key, the command's arguments or the password.
 */

const key = (): string => `idempotency:Orders.create:${randomUUID()}`;

/** Every method of `store` on `k`, each with the operation name its error must give. */
function everyOperation(store: RedisStore, k: string, token: string, payload: string): Array<[string, () => Promise<unknown>]> {
  return [
    ['claim', () => store.claim({ key: k, token, leaseMs: 5_000, ttlMs: 5_000 })],
    ['complete', () => store.complete({ key: k, token, payload, ttlMs: 5_000 })],
    ['release', () => store.release({ key: k, token })],
    ['renewLease', () => store.renewLease({ key: k, token, leaseMs: 5_000 })],
    ['get', () => store.get(k)],
    ['delete', () => store.delete(k)],
  ];
}

async function failureOf(call: () => Promise<unknown>): Promise<IdempotencyError> {
  return call().then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as IdempotencyError,
  );
}

function expectNothingShown(error: unknown, ...hidden: string[]): void {
  const shown = inspect(error, { depth: 5 });
  for (const text of hidden) expect(shown).not.toContain(text);
}

describe('RedisStore when its redis-server is killed under it', () => {
  let server: RedisServer;
  let store: RedisStore;
  beforeAll(async () => {
    server = await startRedisServer();
    store = new RedisStore(server.url, { connectTimeoutMs: 300, commandTimeoutMs: 300 });
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('fails every operation with IdempotencyStoreError (an outage), then works again once the server is back', async () => {
    const k = key();
    const [token, payload] = [`token-${randomUUID()}`, `payload-${randomUUID()}`];
    await expect(store.claim({ key: k, token, leaseMs: 5_000, ttlMs: 5_000 })).resolves.toMatchObject({ outcome: 'claimed' });
    await server.kill();
    for (const [operation, call] of everyOperation(store, k, token, payload)) {
      const error = await failureOf(call);
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect(error.code).toBe('IDEMPOTENCY_STORE');
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).toMatch(new RegExp(`^RedisStore ${operation} failed: .*; an outage: calls succeed again once Redis answers`));
      expectNothingShown(error, k, token, payload);
    }
    await server.start();
    // The client reconnects on its own (backing off up to 1 s); calls made before then still fail.
    // Polled with reads: a claim that timed out meanwhile may still land once it reconnects.
    let answered = false;
    for (const end = Date.now() + 5_000; !answered && Date.now() < end; ) {
      answered = await store.get(key()).then(() => true, () => sleep(100).then(() => false));
    }
    await expect(store.claim({ key: key(), token, leaseMs: 5_000, ttlMs: 5_000 })).resolves.toMatchObject({ outcome: 'claimed' });
  });
});

describe('RedisStore misconfigured: IdempotencyConfigError naming the fix, never failing open', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    await admin.acl('SETUSER', 'noeval', 'on', '>noeval-pw', '~*', '+@all', '-eval', '-evalsha');
    await admin.acl('SETUSER', 'guarded', 'on', '>right-pw', '~*', '+@all');
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it.each([
    ['a wrong password', () => `redis://guarded:wrong-pw-${randomUUID()}@127.0.0.1:${server.port}`, /WRONGPASS.*check the user and password in the URL/],
    ['a database the server does not have', () => `${server.url}/99`, /refused to select the database the URL names.*name a database the server has/],
  ])('%s fails every operation the same way', async (_what, url, reason) => {
    const target = url();
    const store = new RedisStore(target);
    const password = /:([^:@/]+)@/.exec(target)?.[1] ?? 'no password in this URL';
    try {
      const k = key();
      for (const [operation, call] of everyOperation(store, k, 'tok', 'payload')) {
        const error = await failureOf(call);
        expect(error).toBeInstanceOf(IdempotencyConfigError);
        expect(error.code).toBe('IDEMPOTENCY_CONFIG');
        expect(error.cause).toBeInstanceOf(Error);
        expect(error.message).toMatch(new RegExp(`^RedisStore ${operation} failed: `));
        expect(error.message).toMatch(reason);
        expect(error.message).toMatch(/even with onStoreError 'continue'/);
        expectNothingShown(error, k, password);
      }
    } finally {
      await store.close();
    }
  });

  it('a user without EVAL (NOPERM) fails the completion, with the ACL to grant and no record or password shown', async () => {
    const store = new RedisStore(`redis://noeval:noeval-pw@127.0.0.1:${server.port}`);
    try {
      const k = key();
      const payload = `{"card":"4111-${randomUUID()}"}`;
      await expect(store.claim({ key: k, token: 'tok', leaseMs: 5_000, ttlMs: 5_000 })).resolves.toMatchObject({ outcome: 'claimed' });
      const error = await failureOf(() => store.complete({ key: k, token: 'tok', payload, ttlMs: 5_000 }));
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect(error.message).toMatch(/^RedisStore complete failed: Redis refused the command \(NOPERM.*\+eval \+evalsha/);
      expectNothingShown(error, k, payload, 'noeval-pw');
    } finally {
      await store.close();
    }
  });

  it('a key of another Redis type is IdempotencyCorruptRecordError naming the recovery, not the key', async () => {
    const store = new RedisStore(server.url);
    try {
      const k = key();
      await admin.hset(k, 'status', 'COMPLETED');
      const error = await failureOf(() => store.claim({ key: k, token: 'tok', leaseMs: 5_000, ttlMs: 5_000 }));
      expect(error).toBeInstanceOf(IdempotencyCorruptRecordError);
      expect(error.code).toBe('IDEMPOTENCY_CORRUPT_RECORD');
      expect(error.message).toMatch(/^RedisStore claim failed: the key holds a Redis type other than a string; delete the record to recover/);
      expectNothingShown(error, k);
    } finally {
      await store.close();
    }
  });
});
