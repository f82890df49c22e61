import { Redis } from 'ioredis';
import { redisSentinel, type RedisSentinelTopology } from '../../helpers/redisSentinel';

/**
 * The Sentinel harness itself: what the `durability` option will be tested with has to show a
 * write that the primary acknowledged but no replica received being lost on failover, and one that
 * a replica acknowledged surviving it. Each test gets its own topology (a failover is one-way).
 */
const PROMOTION_TIMEOUT_MS = 15_000;
/** The first command after the kill that succeeds, through the same Sentinel client. */
const RECONNECT_BUDGET_MS = 15_000;

let topology: RedisSentinelTopology | undefined;
const clients: Redis[] = [];

async function startTopology(): Promise<RedisSentinelTopology> {
  topology = redisSentinel();
  await topology.start();
  return topology;
}

/** An ioredis client that finds the primary through the sentinels, as an application's would. */
function sentinelClient(t: RedisSentinelTopology): Redis {
  const client = new Redis({ sentinels: [...t.sentinels], name: t.masterName, commandTimeout: 5_000 });
  client.on('error', () => undefined); // connection errors during the failover are expected
  clients.push(client);
  return client;
}

function directClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port });
  clients.push(client);
  return client;
}

/** Retries `command` until it succeeds; resolves with its result and the time that took. */
async function firstSuccess<T>(command: () => Promise<T>, budgetMs: number): Promise<{ value: T; elapsedMs: number }> {
  const startedAt = Date.now();
  for (;;) {
    try {
      return { value: await command(), elapsedMs: Date.now() - startedAt };
    } catch (err) {
      if (Date.now() - startedAt > budgetMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await topology?.stop();
  topology = undefined;
});

describe('the Redis Sentinel harness', () => {
  it('sends a Sentinel client to the primary, whose writes reach the replica', async () => {
    const t = await startTopology();
    const client = sentinelClient(t);
    await client.set('harness:written', 'v1');

    expect(await directClient(t.primaryDirect.port).get('harness:written')).toBe('v1');
    expect(await client.call('WAIT', '1', '1000')).toBe(1);
    expect(await directClient(t.replica.port).get('harness:written')).toBe('v1');
  });

  it('loses a write the primary acknowledged while replication was stalled (WAIT 1 200 answers 0) when the primary dies and the replica is promoted', async () => {
    const t = await startTopology();
    const client = sentinelClient(t);
    await client.set('harness:before-stall', 'kept');
    expect(await client.call('WAIT', '1', '1000')).toBe(1);

    t.stallReplication();
    expect(await client.set('harness:stalled', 'acknowledged')).toBe('OK');
    expect(await client.call('WAIT', '1', '200')).toBe(0);
    // The stall holds only the replication link: the client still talks to the primary.
    expect(await client.get('harness:stalled')).toBe('acknowledged');
    await t.killPrimary();

    const promoted = await t.waitForPromotion(PROMOTION_TIMEOUT_MS);
    expect(promoted).toBe(`127.0.0.1:${t.replica.port}`);
    const read = await firstSuccess(() => client.mget('harness:stalled', 'harness:before-stall'), RECONNECT_BUDGET_MS);
    expect(read.value).toEqual([null, 'kept']);
  });

  it('keeps a write a replica acknowledged (WAIT 1 1000 answers 1), and the same Sentinel client reaches the new primary within 15 s of the kill', async () => {
    const t = await startTopology();
    const client = sentinelClient(t);
    await client.set('harness:replicated', 'acknowledged');
    expect(await client.call('WAIT', '1', '1000')).toBe(1);

    await t.killPrimary();
    const afterKill = await firstSuccess(() => client.set('harness:after-failover', 'written'), RECONNECT_BUDGET_MS);

    expect(afterKill.elapsedMs).toBeLessThan(RECONNECT_BUDGET_MS);
    expect(await t.waitForPromotion(PROMOTION_TIMEOUT_MS)).toBe(`127.0.0.1:${t.replica.port}`);
    expect(await client.get('harness:replicated')).toBe('acknowledged');
    // The write after the kill landed on the promoted replica, not on a leftover of the old primary.
    expect(await directClient(t.replica.port).get('harness:after-failover')).toBe('written');
    expect(await client.call('ROLE')).toEqual(expect.arrayContaining(['master']));
  });
});
