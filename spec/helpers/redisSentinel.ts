import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from './redisServer';
import { startStallProxy, type StallProxy } from './stallProxy';

/** A host and port, in the shape ioredis' `sentinels` option takes. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Options for {@link redisSentinel}; the defaults make a failover take a few seconds. */
export interface RedisSentinelOptions {
  /** Sentinels that must agree the primary is down (of three). Default 2. */
  readonly quorum?: number;
  /** `down-after-milliseconds`: silence before a sentinel calls an instance down. Default 1000. */
  readonly downAfterMs?: number;
  /**
   * `failover-timeout`: also the election timeout and half the wait before a failed failover is
   * tried again. Default 3000.
   */
  readonly failoverTimeoutMs?: number;
}

/**
 * One primary, one replica and three sentinels on loopback ports, owned by a test.
 *
 * The primary sits behind a stall proxy, and that proxy's address is the primary's address for
 * everyone: the sentinels monitor it, the replica replicates through it, and a Sentinel client is
 * sent to it. A sentinel "fixes" (REPLICAOF) any replica whose master address differs from the
 * one it monitors, so the replica cannot be the only one behind the proxy; instead
 * {@link stallReplication} holds only the replication link while everything else flows. The
 * replica announces its own port, so after a promotion the sentinels name it directly.
 */
export interface RedisSentinelTopology {
  /** The master name the sentinels monitor (ioredis' `name` option). */
  readonly masterName: string;
  /** The three sentinels (ioredis' `sentinels` option). Read after `start()`. */
  readonly sentinels: readonly HostPort[];
  /** The primary's address as the sentinels announce it (the proxy). Read after `start()`. */
  readonly primary: HostPort;
  /** The primary's own port, bypassing the proxy: for an admin client. Read after `start()`. */
  readonly primaryDirect: HostPort;
  /** The replica, as it announces itself. Read after `start()`. */
  readonly replica: HostPort;
  /** Spawns all five processes and resolves once the replica is in sync and the sentinels agree. */
  start(): Promise<void>;
  /** Kills every process (SIGTERM, then SIGKILL after a grace), closes clients, removes temp dirs. */
  stop(): Promise<void>;
  /** SIGKILLs the primary and closes its address (new connections are refused, as from a dead host). */
  killPrimary(): Promise<void>;
  /** Holds the replication stream and the replica's acks; clients and sentinels are unaffected. */
  stallReplication(): void;
  /** Delivers what the stall held and carries on. */
  resumeReplication(): void;
  /** Resolves with the promoted primary's `host:port` once every sentinel names it and it is a master. */
  waitForPromotion(timeoutMs: number): Promise<string>;
}

const MASTER_NAME = 'mymaster';
const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;
const POLL_MS = 100;
const STOP_GRACE_MS = 2_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A short-lived admin connection that fails fast instead of queueing through an outage. */
function adminClient(port: number): Redis {
  return new Redis({ host: LOOPBACK, port, protocol: 2, enableReadyCheck: false, maxRetriesPerRequest: 0, commandTimeout: 2_000, retryStrategy: () => 100 });
}

async function withClient<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = adminClient(port);
  client.on('error', () => undefined);
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** Field/value pairs of a SENTINEL MASTER or REPLICAS entry. */
function fields(reply: unknown): Map<string, string> {
  const flat = Array.isArray(reply) ? reply.map(String) : [];
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i]!, flat[i + 1]!);
  return map;
}

/** SIGTERM with a grace period, then SIGKILL: a hung process never holds `stop()` up. */
async function stopBounded(server: RedisServer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)));
  await Promise.race([server.stop(), grace]);
  clearTimeout(timer);
  await server.kill();
}

function sentinelConfig(primary: HostPort, options: Required<RedisSentinelOptions>): string {
  return [
    // What this sentinel tells the others (and ioredis' updateSentinels) to reach it by.
    `sentinel announce-ip ${LOOPBACK}`,
    `sentinel monitor ${MASTER_NAME} ${primary.host} ${primary.port} ${options.quorum}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs}`,
    `sentinel failover-timeout ${MASTER_NAME} ${options.failoverTimeoutMs}`,
    '',
  ].join('\n');
}

/**
 * Describes a Sentinel topology; nothing runs until `start()`.
 *
 * @example
 * ```ts
 * const topology = redisSentinel();
 * await topology.start();
 * const client = new Redis({ sentinels: [...topology.sentinels], name: topology.masterName });
 * await topology.killPrimary();
 * const promoted = await topology.waitForPromotion(15_000); // '127.0.0.1:40123'
 * await topology.stop();
 * ```
 */
export function redisSentinel(options: RedisSentinelOptions = {}): RedisSentinelTopology {
  return new SentinelTopology({ quorum: 2, downAfterMs: 1_000, failoverTimeoutMs: 3_000, ...options });
}

interface Started {
  readonly primary: RedisServer;
  readonly proxy: StallProxy;
  readonly replica: RedisServer;
  readonly sentinels: readonly RedisServer[];
}

class SentinelTopology implements RedisSentinelTopology {
  readonly masterName = MASTER_NAME;
  private started: Started | undefined;
  /** Teardown steps of whatever has started, run last-first by `stop()`. */
  private teardown: Array<() => Promise<void>> = [];

  constructor(private readonly options: Required<RedisSentinelOptions>) {}

  private get running(): Started {
    if (this.started === undefined) throw new Error('Call start() on the Sentinel topology first.');
    return this.started;
  }

  get sentinels(): readonly HostPort[] {
    return this.running.sentinels.map((s) => ({ host: LOOPBACK, port: s.port }));
  }

  get primary(): HostPort {
    return { host: LOOPBACK, port: this.running.proxy.port };
  }

  get primaryDirect(): HostPort {
    return { host: LOOPBACK, port: this.running.primary.port };
  }

  get replica(): HostPort {
    return { host: LOOPBACK, port: this.running.replica.port };
  }

  async start(): Promise<void> {
    if (this.teardown.length > 0) throw new Error('The Sentinel topology is already started; stop() it first.');
    const dir = mkdtempSync(join(tmpdir(), 'idem-sentinel-'));
    this.teardown.push(async () => rmSync(dir, { recursive: true, force: true }));
    try {
      // By default a primary waits 5 s for more replicas before it starts a diskless sync.
      const primary = await this.spawn(dir, 'primary', { args: ['--repl-diskless-sync-delay', '0'] });
      const proxy = await startStallProxy(primary.port);
      this.teardown.push(() => proxy.close());
      const replica = await this.startReplica(dir, proxy.port);
      const sentinels: RedisServer[] = [];
      for (const name of ['sentinel-1', 'sentinel-2', 'sentinel-3']) {
        const configFile = join(dir, `${name}.conf`);
        writeFileSync(configFile, sentinelConfig({ host: LOOPBACK, port: proxy.port }, this.options));
        sentinels.push(await this.spawn(dir, name, { configFile, args: ['--sentinel'], readyLine: 'Sentinel ID is' }));
      }
      this.started = { primary, proxy, replica, sentinels };
      await this.waitUntilReady(Date.now() + READY_TIMEOUT_MS);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** A redis-server with its own working directory (a replica writes the RDB it syncs there). */
  private async spawn(dir: string, name: string, options: { args: string[]; configFile?: string; readyLine?: string }): Promise<RedisServer> {
    const workDir = join(dir, name);
    mkdirSync(workDir);
    const server = await startRedisServer({ ...options, args: [...options.args, '--dir', workDir] });
    this.teardown.push(() => stopBounded(server));
    return server;
  }

  /**
   * Announces 127.0.0.1 and the replica's own port before it replicates: the primary lists the
   * replica under what it announces, the sentinels learn it from there, and that is the address
   * they give clients once it is promoted (not the proxy's outgoing address).
   */
  private async startReplica(dir: string, proxyPort: number): Promise<RedisServer> {
    const replica = await this.spawn(dir, 'replica', { args: ['--replica-announce-ip', LOOPBACK] });
    await withClient(replica.port, async (client) => {
      await client.config('SET', 'replica-announce-port', String(replica.port));
      await client.replicaof(LOOPBACK, proxyPort);
    });
    return replica;
  }

  private async waitUntilReady(deadline: number): Promise<void> {
    let state = 'not checked';
    while (Date.now() < deadline) {
      state = await this.readiness();
      if (state === 'ready') return;
      await sleep(POLL_MS);
    }
    throw new Error(`The Sentinel topology was not ready within ${READY_TIMEOUT_MS} ms: ${state}`);
  }

  /** 'ready', or what is still missing. */
  private async readiness(): Promise<string> {
    const { replica, sentinels } = this.running;
    const link = await withClient(replica.port, (c) => c.info('replication')).catch((err: Error) => err.message);
    if (!link.includes('master_link_status:up')) return 'the replica is not in sync with the primary';
    for (const sentinel of sentinels) {
      const view = await withClient(sentinel.port, async (c) => ({
        master: fields(await c.call('SENTINEL', 'MASTER', MASTER_NAME)),
        replicas: ((await c.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[]).map(fields),
      })).catch(() => undefined);
      if (view === undefined) return `sentinel ${sentinel.port} does not answer`;
      const { master, replicas } = view;
      if (master.get('flags') !== 'master' || master.get('num-other-sentinels') !== '2') {
        return `sentinel ${sentinel.port} sees flags=${master.get('flags')} and ${master.get('num-other-sentinels')} other sentinels`;
      }
      const known = replicas.some((r) => r.get('flags') === 'slave' && r.get('master-link-status') === 'ok' && r.get('port') === String(replica.port));
      if (!known) return `sentinel ${sentinel.port} does not know the replica as in sync yet`;
    }
    return 'ready';
  }

  async stop(): Promise<void> {
    this.started = undefined;
    for (const step of this.teardown.splice(0).reverse()) await step().catch(() => undefined);
  }

  async killPrimary(): Promise<void> {
    const { primary, proxy } = this.running;
    await primary.kill();
    await proxy.close();
  }

  stallReplication(): void {
    this.running.proxy.stall('both', 'replication');
  }

  resumeReplication(): void {
    this.running.proxy.resume();
  }

  async waitForPromotion(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await this.announcedPrimaries();
      const [first] = seen;
      const agreed = first !== undefined && seen.every((a) => a === first) && first !== `${LOOPBACK}:${this.primary.port}`;
      if (agreed && (await this.isMaster(first))) return first;
      await sleep(POLL_MS);
    }
    throw new Error(`No promotion within ${timeoutMs} ms; the sentinels name: ${seen.join(', ')}`);
  }

  /** What each sentinel answers to get-master-addr-by-name (`host:port`, or why not). */
  private announcedPrimaries(): Promise<string[]> {
    return Promise.all(
      this.running.sentinels.map((s) =>
        withClient(s.port, async (c) => {
          const reply = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string] | null;
          return reply === null ? 'none' : `${reply[0]}:${reply[1]}`;
        }).catch((err: Error) => `error (${err.message})`),
      ),
    );
  }

  private async isMaster(address: string): Promise<boolean> {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const role = await withClient(port, (c) => c.call('ROLE')).catch(() => undefined);
    return Array.isArray(role) && role[0] === 'master';
  }
}
