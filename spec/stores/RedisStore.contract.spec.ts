import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../../lib';
import { externalRedisUrl, startRedisServer, type RedisServer } from '../helpers/redisServer';
import { describeStoreContract } from '../helpers/storeContract';

let server: RedisServer;
let store: RedisStore;
describeStoreContract(
  'RedisStore on a spawned redis-server',
  async () => {
    server = await startRedisServer();
    store = new RedisStore(server.url);
    return { store, prefix: 'contract' };
  },
  async () => {
    await store.close();
    await server.stop();
  },
);

describeStoreContract(
  'RedisStore over a caller-owned ioredis client',
  async () => {
    const own = await startRedisServer();
    const client = new Redis(own.url);
    afterAllHooks.push(async () => {
      client.disconnect();
      await own.stop();
    });
    return { store: new RedisStore(client), prefix: 'contract' };
  },
  async () => {
    for (const hook of afterAllHooks.splice(0)) await hook();
  },
);
const afterAllHooks: Array<() => Promise<void>> = [];

if (externalRedisUrl !== undefined) {
  let external: RedisStore;
  describeStoreContract(
    'RedisStore on REDIS_URL',
    async () => {
      external = new RedisStore(externalRedisUrl as string);
      // A unique prefix: the shared server is never flushed, and keys expire on their own.
      return { store: external, prefix: `lambda-idempotency-test:${randomUUID()}` };
    },
    async () => external.close(),
  );
}
