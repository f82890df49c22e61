import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import {
  hashValue,
  IdempotencyConfigError,
  IdempotencyCorruptRecordError,
  IdempotencyStoreError,
  makeIdempotent,
  RedisStore,
} from '../../lib';
import { freePort, useRedis } from '../helpers/redisServer';
import { CaptureLogger } from '../helpers/logger';

describe('RedisStore construction', () => {
  it('rejects a URL of another scheme without echoing it', () => {
    expect(() => new RedisStore('http://user:hunter2@example.com')).toThrow(IdempotencyConfigError);
    expect(() => new RedisStore('http://user:hunter2@example.com')).not.toThrow(/hunter2/);
  });

  it('rejects something that is not an ioredis client', () => {
    expect(() => new RedisStore({} as never)).toThrow(/Expected an ioredis `Redis` or `Cluster` client/);
  });

  it('leaves a client it was given open on close()', async () => {
    const client = new Redis({ lazyConnect: true });
    await new RedisStore(client).close();
    expect(client.status).toBe('wait');
    client.disconnect();
  });
});

describe('RedisStore when Redis is unreachable', () => {
  const logger = new CaptureLogger();
  let ran = 0;
  const handler = (store: RedisStore) =>
    makeIdempotent(
      async function charge(_event: { id: string }) {
        ran++;
        return 'charged';
      },
      { key: 'id', store, logger },
    );

  it('fails a call against a dead port with IdempotencyStoreError, without running the method or leaking the password', async () => {
    const port = await freePort();
    const store = new RedisStore(`redis://default:hunter2@127.0.0.1:${port}`);
    try {
      const error = await handler(store)({ id: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect(String((error as Error).message)).not.toContain('hunter2');
      expect(ran).toBe(0);
      expect(JSON.stringify(logger.lines)).not.toContain('hunter2');
    } finally {
      await store.close();
    }
  });

  it('fails a call on a stalled connection (accepts, never answers) instead of hanging', async () => {
    const sockets: Socket[] = [];
    const blackhole: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as { port: number };
    const store = new RedisStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300, commandTimeoutMs: 300 });
    try {
      await expect(handler(store)({ id: 'b' })).rejects.toThrow(IdempotencyStoreError);
      expect(ran).toBe(0);
    } finally {
      await store.close();
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });

  it('rejects non-positive timeouts with the fix in the message', () => {
    expect(() => new RedisStore('redis://127.0.0.1:1', { commandTimeoutMs: 0 })).toThrow('Expected `commandTimeoutMs` to be a positive integer, got 0');
  });
});

describe('RedisStore over corrupt records', () => {
  const redis = useRedis();
  let ran = 0;
  const logger = new CaptureLogger();
  const charge = makeIdempotent(
    async function charge(_event: { id: string }) {
      ran++;
      return 'charged';
    },
    { key: 'id', store: () => redis.store, logger, prefix: 'corrupt' },
  );
  const recordKey = (id: string): string => `corrupt:charge:${hashValue(id)}`;


  it.each([
    ['a garbage string', (k: string) => redis.admin.set(k, 'garbage')],
    ['valid JSON of the wrong shape', (k: string) => redis.admin.set(k, '{"status":"COMPLETED","data":1}')],
    ['a truncated completed record', (k: string) => redis.admin.set(k, 'C|abc')],
    ['an in-progress record without a lease', (k: string) => redis.admin.set(k, 'P|tok|soon|')],
    ['a hash instead of a string', (k: string) => redis.admin.hset(k, 'status', 'COMPLETED')],
    ['a completed record whose result is not JSON', (k: string) => redis.admin.set(k, 'C||v{not json')],
  ])('fails with IdempotencyCorruptRecordError over %s, never running the method', async (_what, write) => {
    const id = `c-${ran}-${Math.random()}`;
    await write(recordKey(id));
    await expect(charge({ id })).rejects.toThrow(IdempotencyCorruptRecordError);
    expect(ran).toBe(0);
    // The documented recovery: delete the key.
    await redis.store.delete(recordKey(id));
    await expect(charge({ id })).resolves.toBe('charged');
    ran = 0;
  });
});
