import { randomUUID } from 'node:crypto';
import { RedisStore } from '../../lib';
import { runDuplicates } from '../helpers/exactlyOnce';
import { externalRedisUrl, startRedisServer, type RedisServer } from '../helpers/redisServer';

describe('exactly once under concurrent duplicates (real Redis)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  const targets: Array<[string, () => string]> = [['a spawned redis-server', () => server.url]];
  if (externalRedisUrl !== undefined) targets.push(['REDIS_URL', () => externalRedisUrl as string]);

  it.each(targets)('runs the method once per key for 100 keys x 50 concurrent duplicates on %s', async (_name, url) => {
    // Four connections, as four Lambda containers would have.
    const stores = Array.from({ length: 4 }, () => new RedisStore(url(), { commandTimeoutMs: 10_000 }));
    try {
      const run = await runDuplicates(stores, 100, 50, `idem-test-${randomUUID()}`);
      expect(run.otherErrors).toEqual([]);
      expect(run.executions.size).toBe(100);
      expect([...run.executions.values()].every((n) => n === 1)).toBe(true);
      expect(run.results + run.inProgress).toBe(5_000);
      expect(run.wrongResults).toBe(0);
      // Each key ran once and every other caller either replayed it or was told to retry.
      expect(run.results).toBeGreaterThanOrEqual(100);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
