import { Cluster, Redis } from 'ioredis';
import { makeIdempotent, RedisStore, type DecisionLine, type StoreWarningLine } from '../../../lib';
import { CaptureLogger } from '../../helpers/logger';
import { runDuplicates } from '../../helpers/exactlyOnce';
import { startRedisCluster, type RedisClusterHandle } from '../../helpers/redisCluster';
import { describeStoreContract } from '../../helpers/storeContract';

/** RedisStore over an ioredis Cluster of three local masters: every script touches one key. */
let cluster: RedisClusterHandle;
const clients: Cluster[] = [];
const connect = (): Cluster => {
  const client = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })), { redisOptions: { commandTimeout: 10_000 } });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  await cluster.stop();
});

describeStoreContract('RedisStore on a 3-master Redis Cluster', async () => ({ store: new RedisStore(connect()), prefix: 'cluster' }), async () => undefined);

describe('exactly once on a Redis Cluster', () => {
  it('runs the method once per key for 100 keys x 50 concurrent duplicates, keys spread over every master', async () => {
    const stores = [new RedisStore(connect()), new RedisStore(connect())];
    const run = await runDuplicates(stores, 100, 50, 'cluster-dup');
    expect(run.otherErrors).toEqual([]);
    expect(run.executions.size).toBe(100);
    expect([...run.executions.values()].every((n) => n === 1)).toBe(true);
    expect(run.results + run.inProgress).toBe(5_000);

    // The keys really are spread: each master holds some of them.
    const perNode = await Promise.all(
      (stores[0]?.client as Cluster)
        .nodes('master')
        .map(async (node) => (await node.keys('cluster-dup:*')).length),
    );
    expect(perNode).toHaveLength(3);
    expect(perNode.every((n) => n > 0)).toBe(true);
  });
});

describe('the eviction-policy check on a Redis Cluster', () => {
  it('reads INFO from every master and warns once, counting the masters that evict', async () => {
    // Two of the three masters evict (volatile-lru with a memory limit); the third does not.
    const admins = cluster.nodes.map((n) => new Redis(n.port, n.host));
    try {
      for (const admin of admins.slice(0, 2)) {
        await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
        await admin.config('SET', 'maxmemory', '512mb');
      }
      const warnings: StoreWarningLine[] = [];
      const logger = {
        info() {},
        warn(line: DecisionLine | StoreWarningLine) {
          if ('warning' in line) warnings.push(line);
        },
        error() {},
      };
      const store = new RedisStore(connect(), { logger });
      const fn = makeIdempotent(async (event: { id: string }) => event.id, { key: 'id', store, logger: new CaptureLogger(), name: 'clusterEviction' });
      for (let i = 0; i < 20; i++) await fn({ id: `e-${i % 5}` });
      for (let i = 0; i < 250 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(warnings).toEqual([expect.objectContaining({ warning: 'eviction_policy', maxmemoryPolicy: 'volatile-lru', nodesEvicting: 2, nodes: 3 })]);
      expect(warnings[0]?.message).toContain('on 2 of 3 masters');
    } finally {
      for (const admin of admins) {
        await admin.config('SET', 'maxmemory', '0');
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        admin.disconnect();
      }
    }
  });
});
