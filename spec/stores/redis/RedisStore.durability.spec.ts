import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import {
  hashValue,
  IdempotencyCompletionError,
  IdempotencyConfigError,
  IdempotencyErrorCode,
  IdempotencyNotDurableError,
  IdempotencyStoreError,
  lambdaRedisOptions,
  makeIdempotent,
  RedisStore,
  resetIdempotencyConfig,
} from '../../../lib';
import { sleep } from '../../helpers/lambda';
import { CaptureLogger } from '../../helpers/logger';
import { startRedisCluster, type RedisClusterHandle } from '../../helpers/redisCluster';
import { startRedisServer, type RedisServer } from '../../helpers/redisServer';
import { startStallProxy, type StallProxy } from '../../helpers/stallProxy';

/**
 * The `durability` option on real processes: a primary and a replica that replicates through the
 * stall proxy, so replication can be held back while clients still reach the primary. A claim the
 * replica cannot confirm is released before the method runs; a result it cannot confirm is an
 * IdempotencyCompletionError; a replay sends one command.
 */

let primary: RedisServer;
let replica: RedisServer;
let proxy: StallProxy;
let admin: Redis;
let replicaAdmin: Redis;
// The replica writes the RDB it syncs into its working directory: a temporary one.
const replicaDir = mkdtempSync(join(tmpdir(), 'idem-durability-'));
const stores: RedisStore[] = [];

beforeAll(async () => {
  primary = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  proxy = await startStallProxy(primary.port);
  replica = await startRedisServer({ args: ['--dir', replicaDir] });
  admin = new Redis(primary.url);
  replicaAdmin = new Redis(replica.url);
  await replicaAdmin.replicaof('127.0.0.1', proxy.port);
  for (let i = 0; !(await replicaAdmin.info('replication')).includes('master_link_status:up'); i++) {
    if (i > 200) throw new Error('the replica did not sync within 20 s');
    await sleep(100);
  }
});
afterEach(async () => {
  proxy.resume();
  // The next test's WAIT must not wait for this one's backlog.
  await replicaInSync();
  resetIdempotencyConfig();
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  admin.disconnect();
  replicaAdmin.disconnect();
  await proxy.close();
  await replica.stop();
  await primary.stop();
  rmSync(replicaDir, { recursive: true, force: true });
});

// A stalled replica never answers: these tests wait the whole timeout, so it is short.
const durable = { replicas: 1, timeoutMs: 200 };
// A healthy replica answers at once, but a busy 2-core machine can take longer than 200 ms.
const patient = { commandTimeoutMs: 5_000, durability: { replicas: 1, timeoutMs: 3_000 } };

/** Resolves once the replica has acknowledged everything the primary wrote (INFO replication). */
async function replicaInSync(): Promise<void> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
    const info = await admin.info('replication');
    const written = Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? NaN);
    const acknowledged = Number(/slave0:.*offset=(\d+)/.exec(info)?.[1] ?? NaN);
    if (acknowledged >= written) return;
  }
  throw new Error('the replica did not catch up with the primary within 15 s');
}
const recordKey = (namespace: string, id: string): string => `idempotency:${namespace}:${hashValue(id)}`;

function durableStore(options: ConstructorParameters<typeof RedisStore>[1] = { durability: durable }): RedisStore {
  const store = new RedisStore(primary.url, options);
  stores.push(store);
  return store;
}

/** An idempotent function that counts its runs; `during` runs inside the method. */
function counted(name: string, store: RedisStore, during: () => void = () => undefined): { fn: (event: { id: string }) => Promise<{ ok: string }>; runs: () => number } {
  let runs = 0;
  const method = async (event: { id: string }): Promise<{ ok: string }> => {
    runs++;
    during();
    return { ok: event.id };
  };
  Object.defineProperty(method, 'name', { value: name });
  return { fn: makeIdempotent(method, { key: 'id', store, logger: new CaptureLogger() }), runs: () => runs };
}

/**
 * The commands one server receives from clients until `stop()` (MONITOR on a raw socket: ioredis
 * can read a command that lands in the same chunk as MONITOR's +OK as a reply); script commands,
 * and what replication sends, are left out.
 */
async function monitorNode(port: number): Promise<{ commands: string[]; stop: () => Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.write('MONITOR\r\n');
  while (!text.startsWith('+OK')) await sleep(10);
  const commands = (): string[] =>
    text
      .split('\r\n')
      .filter((line) => /^\+\d/.test(line) && !/\[\d+ lua\]/.test(line))
      .map((line) => (/\] "([^"]+)"/.exec(line)?.[1] ?? '').toLowerCase())
      .filter((name) => !/^(replconf|ping)$/.test(name));
  const seen: string[] = [];
  const stop = async (): Promise<void> => {
    await sleep(100); // MONITOR lines arrive asynchronously
    seen.push(...commands());
    socket.destroy();
  };
  return { commands: seen, stop };
}

/** The commands clients send to the primary while `action` runs. */
async function commandsOf(action: () => Promise<unknown>): Promise<string[]> {
  const monitor = await monitorNode(primary.port);
  try {
    await action();
  } finally {
    await monitor.stop();
  }
  return monitor.commands;
}

describe('RedisStore with durability', () => {
  it('runs the method once a replica has the claim, and the result is on the replica before the call returns', async () => {
    const { fn, runs } = counted('durableConfirmed', durableStore(patient));
    await expect(fn({ id: 'a' })).resolves.toEqual({ ok: 'a' });
    expect(await replicaAdmin.get(recordKey('durableConfirmed', 'a'))).toMatch(/^C/);
    await expect(fn({ id: 'a' })).resolves.toEqual({ ok: 'a' });
    expect(runs()).toBe(1);
  });

  it('releases a claim no replica confirms and fails with IdempotencyStoreError before the method runs', async () => {
    // Patient: the retry below must be confirmed however busy the machine; the stall costs 3 s.
    const { fn, runs } = counted('durableStalledClaim', durableStore(patient));
    proxy.stall('both', 'replication');
    const error = await fn({ id: 'b' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect((error as IdempotencyStoreError).code).toBe(IdempotencyErrorCode.NotDurable);
    expect((error as Error).message).toMatch(/0 of 1 replicas acknowledged the claim within 3000 ms/);
    expect(runs()).toBe(0);
    expect(await admin.exists(recordKey('durableStalledClaim', 'b'))).toBe(0);
    // Once replication flows again, the retry runs the method, once.
    proxy.resume();
    await replicaInSync();
    await expect(fn({ id: 'b' })).resolves.toEqual({ ok: 'b' });
    expect(runs()).toBe(1);
  });

  it('reports a result no replica confirms as IdempotencyCompletionError, and keeps it on the primary', async () => {
    const { fn, runs } = counted('durableStalledResult', durableStore(), () => proxy.stall('both', 'replication'));
    const error = await fn({ id: 'c' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IdempotencyCompletionError);
    expect((error as IdempotencyCompletionError).cause).toBeInstanceOf(IdempotencyStoreError);
    expect(((error as IdempotencyCompletionError).cause as Error).message).toMatch(/0 of 1 replicas acknowledged the result/);
    expect(runs()).toBe(1);
    expect(await admin.get(recordKey('durableStalledResult', 'c'))).toMatch(/^C/);
  });

  it('does not count a WAIT sent on a new connection (which counts nothing of the write) as a confirmation', async () => {
    const client = new Redis(primary.url, lambdaRedisOptions());
    const store = new RedisStore(client, { durability: durable });
    const { fn, runs } = counted('durableReconnect', store);
    const wait = client.wait.bind(client);
    // Timeline: claim written → the connection drops and comes back → WAIT on the new connection.
    client.wait = (async (replicas: number, timeoutMs: number) => {
      const ready = new Promise((resolve) => client.once('ready', resolve));
      client.disconnect(true);
      await ready;
      return wait(replicas, timeoutMs);
    }) as typeof client.wait;
    try {
      proxy.stall('both', 'replication');
      const error = await fn({ id: 'd' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect((error as Error).message).toMatch(/connection was re-established between the claim and WAIT/);
      expect(runs()).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  // Timeline before (review14): claim written → WAIT: too few replicas → claim released as an
  // outage → onStoreError 'continue' runs the method unprotected → the repeat does the same: every
  // repeat of a key ran again, where without durability it would replay.
  it("never fails open on a claim too few replicas confirmed, even with onStoreError 'continue': the method does not run", async () => {
    const store = durableStore({ durability: { replicas: 2, timeoutMs: 100 } });
    let runs = 0;
    const fn = makeIdempotent(async (event: { id: string }) => ({ ok: event.id, run: ++runs }), { key: 'id', name: 'durableTooFewReplicas', store, logger: new CaptureLogger(), onStoreError: 'continue' });
    for (let i = 0; i < 2; i++) {
      const error = await fn({ id: 'p' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(IdempotencyNotDurableError);
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect((error as IdempotencyNotDurableError).code).toBe(IdempotencyErrorCode.NotDurable);
      expect((error as Error).message).toMatch(/1 of 2 replicas acknowledged the claim within 100 ms.*Not an outage/);
    }
    expect(runs).toBe(0);
    expect(await admin.exists(recordKey('durableTooFewReplicas', 'p'))).toBe(0);
  });

  it("reports a result no replica confirmed as IdempotencyCompletionError even with onStoreError 'continue' (the caller is told it is not durable)", async () => {
    let runs = 0;
    const store = durableStore({ durability: durable });
    const fn = makeIdempotent(
      async (event: { id: string }) => {
        runs++;
        proxy.stall('both', 'replication');
        return { ok: event.id };
      },
      { key: 'id', name: 'durableContinueResult', store, logger: new CaptureLogger(), onStoreError: 'continue' },
    );
    const error = await fn({ id: 'q' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IdempotencyCompletionError);
    expect((error as IdempotencyCompletionError).result).toEqual({ ok: 'q' });
    expect((error as IdempotencyCompletionError).cause).toBeInstanceOf(IdempotencyNotDurableError);
    expect(runs).toBe(1);
  });

  it('sends one command for a replay and one WAIT after each write of a miss', async () => {
    const { fn } = counted('durableCommands', durableStore(patient));
    await fn({ id: 'warm-up' }); // connects, loads the script, checks the eviction policy
    const miss = await commandsOf(() => fn({ id: 'e' }));
    expect(miss).toEqual(['set', 'wait', 'evalsha', 'wait']);
    const hit = await commandsOf(() => fn({ id: 'e' }));
    expect(hit).toEqual(['set']);
  });

  it.each([
    [{ replicas: 0 }, 'Expected `durability.replicas` to be a positive integer, got 0'],
    [{ replicas: 1, timeoutMs: 1000 }, "Expected `durability.timeoutMs` to be a positive integer below the client's commandTimeout (1000 ms), which would cut WAIT off, got 1000"],
    [{ replicas: 1, timeoutMs: 0 }, 'got 0'],
    [{ replicas: 1, aof: 1 }, '`durability.aof` (WAITAOF, Redis 7.2+) is not supported yet'],
    [{ replicas: 1, timeout: 100 }, 'Unknown option `durability.timeout` of RedisStore; did you mean `durability.timeoutMs`?'],
    [1, 'Expected `durability` of RedisStore to be an object like { replicas: 1, timeoutMs: 200 }, got 1'],
  ])('refuses durability %j with a message that says what it takes', (durability, message) => {
    const build = (): RedisStore => new RedisStore('redis://127.0.0.1:1', { durability: durability as never });
    expect(build).toThrow(IdempotencyConfigError);
    expect(build).toThrow(message);
  });

  it('adds one close listener to a client however many stores share it (a store per invocation does not leak)', () => {
    const client = new Redis('redis://127.0.0.1:1', lambdaRedisOptions());
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    try {
      const before = [client.listenerCount('close'), cluster.listenerCount('+node')];
      for (let i = 0; i < 20; i++) {
        new RedisStore(client, { durability: durable, logger: new CaptureLogger() });
        new RedisStore(cluster, { durability: durable, logger: new CaptureLogger() });
      }
      expect([client.listenerCount('close') - before[0]!, cluster.listenerCount('+node') - before[1]!]).toEqual([1, 1]);
    } finally {
      client.disconnect();
      cluster.disconnect();
    }
  });

  it('checks timeoutMs against the commandTimeout the store is given', () => {
    expect(() => new RedisStore('redis://127.0.0.1:1', { commandTimeoutMs: 300, durability: { replicas: 1, timeoutMs: 300 } })).toThrow('commandTimeout (300 ms)');
  });
});

describe('RedisStore with durability on a Cluster', () => {
  let cluster: RedisClusterHandle;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster(cluster.nodes.map((n) => ({ ...n })), { redisOptions: { commandTimeout: 2_000 } });
  });
  afterAll(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it('sends WAIT to the shard of each key, where shards without replicas never confirm, so every claim is released before the method runs', async () => {
    const { fn, runs } = counted('durableCluster', new RedisStore(client, { durability: durable }));
    const ids = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const seen = await Promise.all(cluster.nodes.map((node) => monitorNode(node.port)));
    try {
      const errors = await Promise.all(ids.map((id) => fn({ id }).catch((err: unknown) => err)));
      for (const error of errors) expect((error as Error).message).toMatch(/0 of 1 replicas acknowledged the claim/);
    } finally {
      for (const node of seen) await node.stop();
    }
    expect(runs()).toBe(0);
    for (const id of ids) expect(await client.exists(recordKey('durableCluster', id))).toBe(0);
    // Each shard got one WAIT per claim written on it (a keyless WAIT would go to any node).
    for (const node of seen) expect(node.commands.filter((c) => c === 'wait').length).toBe(node.commands.filter((c) => c === 'set').length);
    expect(seen.flatMap((node) => node.commands).filter((c) => c === 'set')).toHaveLength(ids.length);
  });

  it('counts a claim redirected by ASK while its slot migrates as unconfirmed (an outage), not as a configuration error', async () => {
    const { fn, runs } = counted('durableMigrating', new RedisStore(client, { durability: durable }));
    const key = recordKey('durableMigrating', 'm');
    const admins = cluster.nodes.map((n) => new Redis(n.port, n.host));
    const slot = Number(await admins[0]!.cluster('KEYSLOT', key));
    const ids = await Promise.all(admins.map(async (a) => String(await a.cluster('MYID'))));
    const ranges = await admins[0]!.cluster('SLOTS');
    const ownerPort = ranges.find(([start, end]) => slot >= start && slot <= end)?.[2]?.[1];
    const source = cluster.nodes.findIndex((n) => n.port === ownerPort);
    const target = (source + 1) % cluster.nodes.length;
    // Timeline: the slot starts migrating → the claim is ASK-redirected to the importing node →
    // WAIT (pipelined with PTTL) goes to the slot's owner, which answers ASK for the key.
    await admins[target]!.cluster('SETSLOT', slot, 'IMPORTING', ids[source]!);
    await admins[source]!.cluster('SETSLOT', slot, 'MIGRATING', ids[target]!);
    try {
      const error = await fn({ id: 'm' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect((error as Error).message).toMatch(/not on the shard WAIT went to/);
      expect(runs()).toBe(0);
      // The claim was released on the importing node (the release follows the ASK too).
      expect((await admins[target]!.pipeline().asking().exists(key).exec())?.[1]?.[1]).toBe(0);
    } finally {
      // The claim was written on the importing node; its release may have reached it (ASKING) or not.
      await admins[target]!.pipeline().asking().del(key).exec();
      await admins[source]!.cluster('SETSLOT', slot, 'STABLE');
      await admins[target]!.cluster('SETSLOT', slot, 'STABLE');
      for (const a of admins) a.disconnect();
    }
  });
});
