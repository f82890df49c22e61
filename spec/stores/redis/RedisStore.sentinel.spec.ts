import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { IdempotencyConfigError, IdempotencyStoreError, lambdaRedisOptions, makeIdempotent, RedisStore } from '../../../lib';
import { CaptureLogger } from '../../helpers/logger';
import { redisSentinel, type HostPort } from '../../helpers/redisSentinel';

/**
 * RedisStore through Redis Sentinel, on real processes (one primary behind the stall proxy, one
 * replica, three sentinels; spec/helpers/redisSentinel.ts): from a `redis+sentinel://` URL and
 * with a Sentinel client of the caller's built with `lambdaRedisOptions()`. One topology for the
 * file; the failover (one-way) comes last.
 */
const topology = redisSentinel();
const logger = new CaptureLogger();
const toClose: Array<() => Promise<void> | void> = [];
/** What a call may take while there is no primary: the 1 s command timeout plus the engine's release wait, with room for a busy machine. */
const CALL_BOUND_MS = 5_000;
/** From the promotion the sentinels agree on to the first call that succeeds on the same store. */
const RECOVERY_BUDGET_MS = 8_000;

const hosts = (sentinels: readonly HostPort[]): string => sentinels.map((s) => `${s.host}:${s.port}`).join(',');

function urlStore(sentinelHosts: string): RedisStore {
  const store = new RedisStore(`redis+sentinel://${sentinelHosts}/${topology.masterName}`, { logger });
  toClose.push(() => store.close());
  return store;
}

/** A Sentinel client as an application builds one, with the library's Lambda-friendly options. */
function ownSentinelClient(): Redis {
  const client = new Redis({ sentinels: [...topology.sentinels], name: topology.masterName, ...lambdaRedisOptions() });
  client.on('error', () => undefined); // the application's listener: failover errors are expected
  toClose.push(() => client.disconnect());
  return client;
}

/** A charge function over `store` that counts its runs per key. */
function charges(store: RedisStore): { charge: (event: { id: string }) => Promise<string>; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  const charge = makeIdempotent(
    async function charge(event: { id: string }) {
      runs.set(event.id, (runs.get(event.id) ?? 0) + 1);
      return `charged ${event.id}`;
    },
    { key: 'id', store, logger, name: 'Sentinel.charge' },
  );
  return { charge, runs };
}

interface Probe {
  readonly ok: boolean;
  readonly error?: unknown;
  readonly startedAt: number;
  readonly tookMs: number;
}

/** Calls `charge` with a new key every 100 ms until one succeeds after `promoted` resolved, or the budget ends. */
async function probeUntilRecovered(charge: (event: { id: string }) => Promise<string>, tag: string, promoted: Promise<number>, budgetMs: number): Promise<Probe[]> {
  let promotedAt: number | undefined;
  void promoted.then((at) => (promotedAt = at), () => undefined);
  const probes: Probe[] = [];
  const deadline = Date.now() + budgetMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const startedAt = Date.now();
    const outcome = await charge({ id: `${tag}-${i}` }).then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, error }),
    );
    probes.push({ ...outcome, startedAt, tookMs: Date.now() - startedAt });
    if (outcome.ok && promotedAt !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return probes;
}

beforeAll(async () => {
  await topology.start();
}, 45_000);

afterAll(async () => {
  for (const close of toClose.splice(0).reverse()) await close();
  await topology.stop();
});

describe('RedisStore through Redis Sentinel', () => {
  let store: RedisStore;
  let own: RedisStore;

  it('from a redis+sentinel:// URL, claims, completes and replays on the primary the sentinels name', async () => {
    store = urlStore(hosts(topology.sentinels));
    const { charge, runs } = charges(store);
    await expect(charge({ id: 'order-1' })).resolves.toBe('charged order-1');
    await expect(charge({ id: 'order-1' })).resolves.toBe('charged order-1');
    expect(runs.get('order-1')).toBe(1);
    // The record is on the primary itself (reached around the proxy), not somewhere else.
    const primary = new Redis({ ...topology.primaryDirect, lazyConnect: true });
    try {
      expect(await primary.keys('idempotency:Sentinel.charge:*')).toHaveLength(1);
    } finally {
      await primary.quit();
    }
  });

  it('from a redis+sentinel:// URL with durability { replicas: 1 }, has the record on the replica when the call returns', async () => {
    const durable = new RedisStore(`redis+sentinel://${hosts(topology.sentinels)}/${topology.masterName}`, { logger, durability: { replicas: 1 } });
    toClose.push(() => durable.close());
    const { charge } = charges(durable);
    await charge({ id: 'order-durable' });
    const replica = new Redis({ ...topology.replica, lazyConnect: true });
    try {
      const records = await replica.mget(...(await replica.keys('idempotency:Sentinel.charge:*')));
      expect(records.filter((r) => r?.includes('charged order-durable'))).toHaveLength(1);
    } finally {
      await replica.quit();
    }
  });

  it('with a Sentinel client of the caller built with lambdaRedisOptions(), claims, completes and replays, without the no_command_timeout warning', async () => {
    own = new RedisStore(ownSentinelClient(), { logger });
    const { charge, runs } = charges(own);
    await charge({ id: 'order-2' });
    await expect(charge({ id: 'order-2' })).resolves.toBe('charged order-2');
    expect(runs.get('order-2')).toBe(1);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it("from a URL naming a master the sentinels do not know, fails every call with IdempotencyConfigError, even with onStoreError 'continue' (never runs unprotected), and shows no credential", async () => {
    const named = new RedisStore(`redis+sentinel://app:S3cretPw@${hosts(topology.sentinels)}/notTheMaster?sentinelPassword=SentPw9`, { logger });
    toClose.push(() => named.close());
    let runs = 0;
    const fn = makeIdempotent(async (event: { id: string }) => `${event.id} ${++runs}`, { key: 'id', store: named, logger, name: 'Sentinel.unknownMaster', onStoreError: 'continue' });
    for (let i = 0; i < 2; i++) {
      const error = await fn({ id: 'order-unknown' }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toMatch(/the sentinels do not know the master name/);
      expect((error as Error).message).not.toMatch(/S3cretPw|SentPw9|notTheMaster/);
    }
    expect(runs).toBe(0);
    expect(JSON.stringify(logger.lines)).not.toMatch(/S3cretPw|SentPw9/);
  });

  it("with sentinel credentials the sentinels refuse, fails every call with IdempotencyConfigError, even with onStoreError 'continue', and shows no credential", async () => {
    const admins = topology.sentinels.map((s) => new Redis({ ...s }));
    await Promise.all(admins.map((admin) => admin.call('ACL', 'SETUSER', 'default', 'resetpass', '>RightPw5')));
    try {
      const refused = new RedisStore(`redis+sentinel://${hosts(topology.sentinels)}/${topology.masterName}?sentinelPassword=WrongPw7`, { logger });
      toClose.push(() => refused.close());
      let runs = 0;
      const fn = makeIdempotent(async (event: { id: string }) => `${event.id} ${++runs}`, { key: 'id', store: refused, logger, name: 'Sentinel.refused', onStoreError: 'continue' });
      for (let i = 0; i < 2; i++) {
        const error = await fn({ id: 'order-refused' }).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(IdempotencyConfigError);
        expect((error as Error).message).toMatch(/the sentinels refused the Sentinel URL's sentinel credentials/);
        expect((error as Error).message).not.toMatch(/WrongPw7|RightPw5/);
      }
      expect(runs).toBe(0);
      expect(JSON.stringify(logger.lines)).not.toMatch(/WrongPw7|RightPw5/);
    } finally {
      // The open admin connections are still authenticated: give the sentinels back their open door.
      await Promise.all(admins.map((admin) => admin.call('ACL', 'SETUSER', 'default', 'nopass')));
      for (const admin of admins) admin.disconnect();
    }
  });

  it('asks the next sentinel when one accepts connections and never answers (sentinelCommandTimeout), instead of waiting on it for ever', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const behindSilent = new RedisStore(`redis+sentinel://127.0.0.1:${port},${hosts(topology.sentinels)}/${topology.masterName}`, { logger });
    try {
      const { charge } = charges(behindSilent);
      const startedAt = Date.now();
      let last: unknown;
      for (let i = 0; Date.now() - startedAt < 10_000; i++) {
        last = await charge({ id: `behind-silent-${i}` }).then(() => 'ok', (err: unknown) => err);
        if (last === 'ok') break;
        expect(last).toBeInstanceOf(IdempotencyStoreError); // a call meanwhile fails at its command timeout
      }
      expect(last).toBe('ok');
      expect(sockets.length).toBeGreaterThan(0); // the silent sentinel was asked first
    } finally {
      // Closed before the failover: each reconnect would ask the silent sentinel first.
      await behindSilent.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 30_000);

  it('after the primary is SIGKILLed, calls fail fast with IdempotencyStoreError until the replica is promoted; then the same stores succeed within seconds and replay what the replica had', async () => {
    const { charge, runs } = charges(store);
    const own2 = charges(own);
    await charge({ id: 'before-kill' });
    await own2.charge({ id: 'before-kill-own' });
    expect(await store.client.call('WAIT', '1', '5000')).toBe(1); // both records are on the replica

    await topology.killPrimary();
    const promoted = topology.waitForPromotion(20_000).then(() => Date.now());
    const [fromUrl, fromOwn] = await Promise.all([probeUntilRecovered(charge, 'url', promoted, 25_000), probeUntilRecovered(own2.charge, 'own', promoted, 25_000)]);
    const promotedAt = await promoted;

    for (const probes of [fromUrl, fromOwn]) {
      const failures = probes.filter((p) => !p.ok);
      const summary = probes.map((p) => `${p.startedAt - promotedAt}ms:${p.ok ? 'ok' : (p.error as Error).message.slice(0, 60)} (${p.tookMs} ms)`).join('\n');
      expect(failures.length).toBeGreaterThan(0); // the window is real: no primary for a while
      for (const f of failures) expect(f.error).toBeInstanceOf(IdempotencyStoreError);
      expect(Math.max(...probes.map((p) => p.tookMs))).toBeLessThan(CALL_BOUND_MS);
      const recovered = probes.at(-1)!;
      expect({ recovered: recovered.ok, summary }).toEqual({ recovered: true, summary });
      expect(recovered.startedAt + recovered.tookMs - promotedAt).toBeLessThan(RECOVERY_BUDGET_MS);
    }
    // The same store objects, on the new primary: what the replica had is replayed, not run again.
    await expect(charge({ id: 'before-kill' })).resolves.toBe('charged before-kill');
    await expect(own2.charge({ id: 'before-kill-own' })).resolves.toBe('charged before-kill-own');
    expect([runs.get('before-kill'), own2.runs.get('before-kill-own')]).toEqual([1, 1]);
    expect(await store.client.call('ROLE')).toEqual(expect.arrayContaining(['master']));
  }, 45_000);
});
