import { MemoryStore, RedisStore, type IdempotencyStore } from '../../lib';
import { startRedisServer, type RedisServer } from './redisServer';

/** A backend a suite runs against: `make()` gives a fresh store (Redis: on its own prefix). */
export interface Backend {
  readonly name: string;
  make(): IdempotencyStore;
}

/**
 * Runs `suite` once on MemoryStore and once on RedisStore over a redis-server spawned for it.
 */
export function describeEachBackend(title: string, suite: (backend: () => Backend) => void): void {
  describe(`${title} on MemoryStore`, () => {
    suite(() => ({ name: 'memory', make: () => new MemoryStore() }));
  });

  describe(`${title} on Redis`, () => {
    let server: RedisServer;
    const stores: RedisStore[] = [];
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await server.stop();
    });
    suite(() => ({
      name: 'redis',
      make: () => {
        const store = new RedisStore(server.url);
        stores.push(store);
        return store;
      },
    }));
  });
}
