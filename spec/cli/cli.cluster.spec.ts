import { Cluster } from 'ioredis';
import { hashValue, RedisStore } from '../../lib';
import { main } from '../../lib/cli';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redisCluster';

// The CLI on a 3-master Redis Cluster, given the URL of one node: records live on every shard.
let cluster: RedisClusterHandle;
let client: Cluster;
let store: RedisStore;
const KEYS = Array.from({ length: 30 }, (_, i) => `order-${i}`);
const recordKey = (id: string): string => `idempotency:Orders.run:${hashValue(id)}`;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })), { redisOptions: { commandTimeout: 10_000 } });
  store = new RedisStore(client);
  // Half the orders completed, half still claimed, spread over all three masters.
  for (const [i, id] of KEYS.entries()) {
    await store.claim({ key: recordKey(id), token: `t${i}`, leaseMs: 60_000, ttlMs: 60_000 });
    if (i % 2 === 0) await store.complete({ key: recordKey(id), token: `t${i}`, payload: JSON.stringify({ paid: id }), ttlMs: 60_000 });
  }
}, 60_000);
afterAll(async () => {
  await client.quit().catch(() => client.disconnect());
  await cluster.stop();
});

async function cli(...args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const node = cluster.nodes[0] as { host: string; port: number };
  const code = await main(args, { REDIS_URL: `redis://${node.host}:${node.port}` }, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('lambda-idempotency CLI on a Redis Cluster', () => {
  it('the records really are spread over every master', async () => {
    const perNode = await Promise.all(client.nodes('master').map(async (node) => (await node.keys('idempotency:Orders.run:*')).length));
    expect(perNode).toHaveLength(3);
    expect(perNode.every((n) => n > 0)).toBe(true);
  });

  it('inspects a record on any shard through one node', async () => {
    for (const [i, id] of KEYS.entries()) {
      const { code, text } = await cli('inspect', '--namespace', 'Orders.run', '--key', id, '--json');
      expect(code).toBe(0);
      expect(JSON.parse(text)).toMatchObject({ key: recordKey(id), status: i % 2 === 0 ? 'COMPLETED' : 'IN_PROGRESS' });
    }
  });

  it('lists the claims in progress of every master', async () => {
    const { code, text } = await cli('list-in-progress', '--namespace', 'Orders.run', '--json');
    expect(code).toBe(0);
    const keys = (JSON.parse(text) as { key: string }[]).map((f) => f.key).sort();
    expect(keys).toEqual(KEYS.filter((_, i) => i % 2 === 1).map(recordKey).sort());
  });

  it('works through the documented least-privilege ACL, which for a Cluster adds CLUSTER SLOTS and CLUSTER INFO', async () => {
    for (const node of client.nodes('master')) {
      await node.call('ACL', 'SETUSER', 'ops', 'on', '>ops-Passw0rd', '~idempotency:*', '+set', '+get', '+del', '+pttl', '+eval', '+evalsha', '+info', '+scan', '+getrange', '+cluster|slots', '+cluster|info');
    }
    const node = cluster.nodes[1] as { host: string; port: number };
    const lines: string[] = [];
    const env = { REDIS_URL: `redis://ops:ops-Passw0rd@${node.host}:${node.port}` };
    expect(await main(['list-in-progress', '--namespace', 'Orders.run', '--json'], env, (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines.join('\n'))).toHaveLength(KEYS.length / 2);
    for (const id of KEYS.slice(0, 4)) {
      lines.length = 0;
      expect(await main(['inspect', '--namespace', 'Orders.run', '--key', id, '--json'], env, (l) => lines.push(l))).toBe(0);
      expect(JSON.parse(lines.join('\n'))).toMatchObject({ key: recordKey(id), status: expect.stringMatching(/COMPLETED|IN_PROGRESS/) });
    }
  });

  it('invalidates a record on any shard', async () => {
    for (const id of KEYS.slice(0, 6)) {
      await expect(cli('invalidate', '--namespace', 'Orders.run', '--key', id, '--json')).resolves.toEqual({ code: 0, text: JSON.stringify({ key: recordKey(id), deleted: true }) });
      await expect(store.get(recordKey(id))).resolves.toBeUndefined();
    }
  });
});

describe('lambda-idempotency CLI on a Redis Cluster with a master down', () => {
  it('exits 1 with a message, within its timeout, for a record on the dead shard: never a silent exit 0', async () => {
    const index = 2; // not the node the URL names
    const port = (cluster.nodes[index] as { port: number }).port;
    const dead = client.nodes('master').find((n) => n.options.port === port);
    const [key] = (await dead?.keys('idempotency:Orders.run:*')) ?? [];
    expect(key).toBeDefined();
    await cluster.kill(index);
    const started = Date.now();
    for (const command of ['inspect', 'invalidate']) {
      const { code, text } = await cli(command, '--record-key', key as string, '--timeout-seconds', '3');
      expect(code).toBe(1);
      expect(text).toMatch(/^error: /);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
