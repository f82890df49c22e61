import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from './redisServer';

/** A local Redis Cluster of three masters, no replicas. */
export interface RedisClusterHandle {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** SIGKILLs one master: its slots go unserved (the cluster has no replicas). */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (+10000) is free as well. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

/** Starts three cluster-enabled redis-server processes and joins them with redis-cli --cluster create. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'idem-cluster-'));
  const taken = new Set<number>();
  const servers: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await clusterPort(taken);
    servers.push(
      await startRedisServer({
        port,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--dir', dir],
      }),
    );
  }
  const nodes = servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  await new Promise<void>((resolve, reject) =>
    execFile('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`redis-cli --cluster create failed: ${stderr}`)) : resolve(),
    ),
  );
  // Wait until every node agrees the cluster is up.
  for (const node of nodes) {
    const client = new Redis(node.port, node.host);
    for (let i = 0; ; i++) {
      const info = await client.cluster('INFO');
      if (String(info).includes('cluster_state:ok')) break;
      if (i > 100) throw new Error('cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
    client.disconnect();
  }
  return {
    nodes,
    async kill(index) {
      await servers[index]?.kill();
    },
    async stop() {
      for (const s of servers) await s.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
