import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { refuseSetNxGet } from '../../helpers/redisBefore7';
import { RedisStore } from '../../../lib';
import { externalRedisUrl, startRedisServer, type RedisServer } from '../../helpers/redisServer';
import { describeStoreContract } from '../../helpers/storeContract';

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
  {
    // A server killed (SIGKILL, as a crash), reached with a password in the URL.
    async unreachable() {
      const secret = `pw-${randomUUID()}`;
      const dead = await startRedisServer({ urlPrefix: `redis://default:${secret}@` });
      await dead.kill();
      const down = new RedisStore(dead.url);
      return { store: down, secret, close: () => down.close() };
    },
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

describeStoreContract(
  'RedisStore on a server that refuses SET NX GET, as Redis before 7 does (claim script)',
  async () => {
    const own = await startRedisServer();
    const client = new Redis(own.url);
    // Redis 6.2 answers SET with both NX and GET with "ERR syntax error"; everything else is real.
    const refused = refuseSetNxGet(client);
    afterAllHooks.push(async () => {
      client.disconnect();
      await own.stop();
      // Once refused, the store must stay on the script rather than ask again per claim.
      expect(refused()).toBe(1);
    });
    return { store: new RedisStore(client), prefix: 'contract-script' };
  },
  async () => {
    for (const hook of afterAllHooks.splice(0)) await hook();
  },
);

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
