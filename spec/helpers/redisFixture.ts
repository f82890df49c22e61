import { Redis } from 'ioredis';
import { RedisStore, type RedisStoreOptions } from '../../lib';
import { sleep } from './lambda';
import { startRedisServer, type RedisServer, type RedisServerOptions } from './redisServer';
import { startStallProxy, type StallProxy } from './stallProxy';

/**
 * Jest fixtures over a spawned redis-server: the server and an admin client for a describe block,
 * optionally a store on it, and the proxy and polling steps fault tests share.
 */

/** A spawned server and an admin client on it, for one describe block. */
export interface RedisServerFixture {
  readonly server: RedisServer;
  /** A plain ioredis client, to read or plant records. */
  readonly admin: Redis;
  /**
   * Runs `body` with a store (its own connection, `commandTimeoutMs`) that reaches the server
   * through a stall proxy; closes both after `body`, pass or fail.
   */
  throughProxy(commandTimeoutMs: number, body: (proxy: StallProxy, store: RedisStore) => Promise<void>): Promise<void>;
  /**
   * Resolves once the value at `key` matches `pattern` (`null`: the key is gone), polling every
   * 10 ms; rejects after `withinMs` (default 2 s).
   */
  untilValue(key: string, pattern: RegExp | null, withinMs?: number): Promise<void>;
}

/** A spawned server with a store and an admin client on it, for one describe block. */
export interface RedisFixture extends RedisServerFixture {
  /** A RedisStore built from the server's URL. */
  readonly store: RedisStore;
}

/**
 * Spawns a redis-server and an admin client on it in `beforeAll`, and closes both in `afterAll`.
 * Read the fields inside tests or hooks (they are set once the server is up).
 */
export function useRedisServer(options: RedisServerOptions = {}): RedisServerFixture {
  const fixture = { throughProxy, untilValue } as RedisServerFixture & { server: RedisServer; admin: Redis };
  beforeAll(async () => {
    fixture.server = await startRedisServer(options);
    fixture.admin = new Redis(fixture.server.url);
  });
  afterAll(async () => {
    fixture.admin.disconnect();
    await fixture.server.stop();
  });

  async function throughProxy(commandTimeoutMs: number, body: (proxy: StallProxy, store: RedisStore) => Promise<void>): Promise<void> {
    const proxy = await startStallProxy(fixture.server.port);
    const store = new RedisStore(proxy.url, { commandTimeoutMs });
    try {
      await body(proxy, store);
    } finally {
      await store.close();
      await proxy.close();
    }
  }

  async function untilValue(key: string, pattern: RegExp | null, withinMs = 2_000): Promise<void> {
    for (const end = Date.now() + withinMs; Date.now() < end; await sleep(10)) {
      const value = await fixture.admin.get(key);
      if (pattern === null ? value === null : pattern.test(value ?? '')) return;
    }
    throw new Error(`${key} did not come to ${pattern === null ? 'be gone' : `match ${String(pattern)}`} within ${withinMs} ms`);
  }

  return fixture;
}

/**
 * {@link useRedisServer} with a store built from the server's URL, closed in `afterAll` before the
 * server stops.
 */
export function useRedis(options: { store?: RedisStoreOptions; server?: RedisServerOptions } = {}): RedisFixture {
  const fixture = {} as { store: RedisStore };
  // Declared before the server's hooks: jest runs after-hooks in declaration order, so the store
  // closes while its server is still up.
  afterAll(async () => {
    await fixture.store?.close();
  });
  const base = useRedisServer(options.server);
  beforeAll(() => {
    fixture.store = new RedisStore(base.server.url, options.store);
  });
  return Object.defineProperty(Object.create(base) as RedisFixture, 'store', { get: () => fixture.store });
}
