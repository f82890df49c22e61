import { MemoryStore, RedisStore, type IdempotencyStore } from 'lambda-idempotency';

/**
 * The samples' store: Redis when `REDIS_URL` is set (`redis://` or `rediss://`), else the embedded
 * in-memory store, which protects one process only.
 */
export function storeFromEnv(env: NodeJS.ProcessEnv = process.env): IdempotencyStore {
  const url = env.REDIS_URL;
  return url ? new RedisStore(url) : new MemoryStore();
}

/** Human-readable store description for start-up logs: never the URL (it may hold a password). */
export function describeStore(store: IdempotencyStore): string {
  return store instanceof RedisStore ? 'Redis (REDIS_URL)' : 'embedded MemoryStore (set REDIS_URL to use Redis)';
}
