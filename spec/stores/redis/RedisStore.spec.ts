import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import {
  hashValue,
  IdempotencyCompletionError,
  IdempotencyConfigError,
  IdempotencyCorruptRecordError,
  IdempotencyInProgressError,
  IdempotencyStoreError,
  lambdaRedisOptions,
  makeIdempotent,
  RedisStore,
  type DecisionLine,
  type IdempotencyLogger,
  type StoreWarningLine,
} from '../../../lib';
import { getDefaultLogger } from '../../../lib/core/log';
import { parseInfo } from '../../../lib/stores/redis/redisDiagnostics';
import { freePort, startRedisServer, type RedisServer } from '../../helpers/redisServer';
import { useRedis } from '../../helpers/redisFixture';
import { CaptureLogger } from '../../helpers/logger';
import { sleep } from '../../helpers/lambda';
import { forgetProcessState } from '../../helpers/freshProcessState';

describe('RedisStore construction', () => {
  it('rejects a URL of another scheme without echoing it', () => {
    expect(() => new RedisStore('http://user:hunter2@example.com')).toThrow(IdempotencyConfigError);
    expect(() => new RedisStore('http://user:hunter2@example.com')).not.toThrow(/hunter2/);
  });

  it('rejects something that is not an ioredis client', () => {
    expect(() => new RedisStore({} as never)).toThrow(/Expected an ioredis `Redis` or `Cluster` client/);
  });

  it('says it got undefined when the URL is missing (new RedisStore(process.env.REDIS_URL!) with the variable unset), and names every URL scheme', () => {
    const env: Record<string, string | undefined> = {};
    expect(() => new RedisStore(env.REDIS_URL!)).toThrow(IdempotencyConfigError);
    expect(() => new RedisStore(env.REDIS_URL!)).toThrow(/got undefined \(is the environment variable that holds the URL set\?\)/);
    expect(() => new RedisStore(env.REDIS_URL!)).toThrow(/`redis\+sentinel:\/\/`/);
    expect(() => new RedisStore(42 as never)).toThrow(/got 42\./);
    expect(() => new RedisStore(null as never)).toThrow(/got null\./);
  });

  it('names the Sentinel schemes when a URL has another scheme, and says so of an empty string without echoing either', () => {
    expect(() => new RedisStore('sentinel://user:hunter2@s1:26379/mymaster')).toThrow(/`redis\+sentinel:\/\/` or `rediss\+sentinel:\/\/` URL for RedisStore, got a string with another scheme/);
    expect(() => new RedisStore('sentinel://user:hunter2@s1:26379/mymaster')).not.toThrow(/hunter2|s1:26379/);
    expect(() => new RedisStore('')).toThrow(/got an empty string/);
  });

  it('refuses a malformed Sentinel URL up front, without echoing it', () => {
    expect(() => new RedisStore('redis+sentinel://app:hunter2@s1:26379,s2:26379')).toThrow(IdempotencyConfigError);
    expect(() => new RedisStore('redis+sentinel://app:hunter2@s1:26379,s2:26379')).toThrow(/names no master/);
    expect(() => new RedisStore('redis+sentinel://app:hunter2@s1:26379,s2:26379')).not.toThrow(/hunter2|s1/);
  });

  it('warns once that a client given without commandTimeout may hang a call, and not for one built with lambdaRedisOptions()', () => {
    const logger = new CaptureLogger();
    const bare = new Redis({ lazyConnect: true });
    const configured = new Redis({ lazyConnect: true, ...lambdaRedisOptions() });
    new RedisStore(bare, { logger });
    new RedisStore(configured, { logger });
    expect(logger.lines.map((l) => (l.attributes as unknown as { warning?: string }).warning)).toEqual(['no_command_timeout']);
    expect(logger.lines[0]?.message).toMatch(/lambdaRedisOptions\(\)/);
    bare.disconnect();
    configured.disconnect();
  });

  it('never leaves an unhandled rejection when the logger\'s warn is async and rejects (Node would end the process)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const clients = [new Redis({ lazyConnect: true }), new Redis({ lazyConnect: true })];
    try {
      let warned = 0;
      // A NestJS LoggerService shipping to a remote sink, and an info-shaped logger written `async`.
      const nest = { log() {}, error() {}, warn: async () => { warned++; throw new Error('log sink down'); } };
      const powertoolsLike = { info() {}, error() {}, warn: async () => { warned++; throw new Error('log sink down'); } };
      new RedisStore(clients[0] as Redis, { logger: nest });
      new RedisStore(clients[1] as Redis, { logger: powertoolsLike });
      expect(warned).toBe(2); // no_command_timeout, once each
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const client of clients) client.disconnect();
    }
  });

  it('leaves a client it was given open on close()', async () => {
    const client = new Redis({ lazyConnect: true });
    await new RedisStore(client).close();
    expect(client.status).toBe('wait');
    client.disconnect();
  });
});

describe('RedisStore when Redis is unreachable', () => {
  const logger = new CaptureLogger();
  let ran = 0;
  const handler = (store: RedisStore) =>
    makeIdempotent(
      async function charge(_event: { id: string }) {
        ran++;
        return 'charged';
      },
      { key: 'id', store, logger, name: 'charge' }, // a function per store: the name is explicit
    );

  it('fails a call against a dead port with IdempotencyStoreError, without running the method or leaking the password', async () => {
    const port = await freePort();
    const store = new RedisStore(`redis://default:hunter2@127.0.0.1:${port}`);
    try {
      const error = await handler(store)({ id: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect(String((error as Error).message)).not.toContain('hunter2');
      expect(ran).toBe(0);
      expect(JSON.stringify(logger.lines)).not.toContain('hunter2');
    } finally {
      await store.close();
    }
  });

  it('fails a call on a stalled connection (accepts, never answers) instead of hanging', async () => {
    const sockets: Socket[] = [];
    const blackhole: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as { port: number };
    const store = new RedisStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300, commandTimeoutMs: 300 });
    try {
      await expect(handler(store)({ id: 'b' })).rejects.toThrow(IdempotencyStoreError);
      expect(ran).toBe(0);
    } finally {
      await store.close();
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });

  it('rejects non-positive timeouts with the fix in the message', () => {
    expect(() => new RedisStore('redis://127.0.0.1:1', { commandTimeoutMs: 0 })).toThrow('Expected `commandTimeoutMs` to be a positive integer, got 0');
  });
});

describe('RedisStore over corrupt records', () => {
  const redis = useRedis();
  let ran = 0;
  const logger = new CaptureLogger();
  const charge = makeIdempotent(
    async function charge(_event: { id: string }) {
      ran++;
      return 'charged';
    },
    { key: 'id', store: () => redis.store, logger, prefix: 'corrupt' },
  );
  const recordKey = (id: string): string => `corrupt:charge:${hashValue(id)}`;


  it.each([
    ['a garbage string', (k: string) => redis.admin.set(k, 'garbage')],
    ['valid JSON of the wrong shape', (k: string) => redis.admin.set(k, '{"status":"COMPLETED","data":1}')],
    ['a truncated completed record', (k: string) => redis.admin.set(k, 'C|abc')],
    ['an in-progress record without a lease', (k: string) => redis.admin.set(k, 'P|tok|soon|')],
    ['a hash instead of a string', (k: string) => redis.admin.hset(k, 'status', 'COMPLETED')],
    ['a completed record whose result is not JSON', (k: string) => redis.admin.set(k, 'C||v{not json')],
  ])('fails with IdempotencyCorruptRecordError over %s, never running the method', async (_what, write) => {
    const id = `c-${ran}-${Math.random()}`;
    await write(recordKey(id));
    await expect(charge({ id })).rejects.toThrow(IdempotencyCorruptRecordError);
    expect(ran).toBe(0);
    // The documented recovery: delete the key.
    await redis.store.delete(recordKey(id));
    await expect(charge({ id })).resolves.toBe('charged');
    ran = 0;
  });
});

describe('RedisStore over error replies: an outage may fail open, a refusal that will repeat never does', () => {
  const redis = useRedis();

  it('maps a value Redis refuses (ERR ... out of range) to IdempotencyConfigError, which never fails open', async () => {
    const error = await redis.store.claim({ key: 'errors:range', token: 't', leaseMs: 1e19, ttlMs: 1e19 }).catch((e: unknown) => e);
    // Before: IdempotencyStoreError, an "outage", so onStoreError 'continue' ran every such call unprotected.
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect((error as Error).message).toMatch(/ERR value is not an integer or out of range.*check the idempotency options/);
    await expect(redis.admin.exists('errors:range')).resolves.toBe(0);
  });

  it("still takes a server busy with a script (BUSY) for an outage: onStoreError 'continue' runs the method, and protects it again once the script ends", async () => {
    const server = await startRedisServer({ args: ['--busy-reply-threshold', '100'] });
    const store = new RedisStore(server.url);
    const [blocker, killer] = [new Redis(server.url), new Redis(server.url)];
    try {
      const logger = new CaptureLogger();
      let runs = 0;
      const fn = makeIdempotent(async function busyServer(_e: { id: string }) {
        return ++runs;
      }, { key: 'id', store, logger, onStoreError: 'continue' });
      await fn({ id: 'warm' });
      await killer.ping();
      const script = blocker.eval('while true do end', 0).catch((e: unknown) => e);
      // The script must be running before the call: seen on a slow machine, the claim reached Redis
      // ahead of the EVAL, landed, and only the completion met BUSY, leaving a claim that held the
      // retries below for its lease. A PING answered BUSY proves the script runs.
      await expect(killer.ping()).rejects.toThrow(/BUSY/);
      await expect(fn({ id: 'order-1' })).resolves.toBe(2); // answered BUSY after 100 ms: ran unprotected
      expect(logger.lines[1]?.attributes.error?.message).toMatch(/BUSY/);
      await killer.call('SCRIPT', 'KILL');
      await script;
      await expect(fn({ id: 'order-1' })).resolves.toBe(3);
      await expect(fn({ id: 'order-1' })).resolves.toBe(3);
      expect(logger.decisions()).toEqual(['miss', 'store_error', 'fail_open', 'miss', 'hit']);
    } finally {
      blocker.disconnect();
      killer.disconnect();
      await store.close();
      await server.stop();
    }
  });

  it('takes a SELECT answered BUSY (the URL names a database; a script runs as the store connects) for an outage: reconnects and selects again, never runs in database 0, never gives up', async () => {
    const server = await startRedisServer({ args: ['--busy-reply-threshold', '100'] });
    const [blocker, admin] = [new Redis(server.url), new Redis(server.url)];
    await admin.ping();
    const script = blocker.eval('while true do end', 0).catch((e: unknown) => e);
    await sleep(250); // past the busy-reply threshold
    const store = new RedisStore(`${server.url}/1`, { commandTimeoutMs: 2_000 });
    try {
      const first = await store.claim({ key: 'busy:k1', token: 't1', leaseMs: 5_000, ttlMs: 5_000 }).catch((e: unknown) => e);
      // Before: IdempotencyConfigError ("refused to select") on this call and every later one.
      expect(first).toBeInstanceOf(IdempotencyStoreError);
      await admin.call('SCRIPT', 'KILL');
      await script;
      await expect(store.claim({ key: 'busy:k2', token: 't2', leaseMs: 5_000, ttlMs: 5_000 })).resolves.toMatchObject({ outcome: 'claimed' });
      await admin.select(1);
      await expect(admin.exists('busy:k2')).resolves.toBe(1);
      await admin.select(0);
      await expect(admin.dbsize()).resolves.toBe(0);
    } finally {
      blocker.disconnect();
      admin.disconnect();
      await store.close();
      await server.stop();
    }
  });

  it('maps a command the server does not have (EVAL renamed away) to IdempotencyConfigError, without the arguments Redis echoes', async () => {
    const server = await startRedisServer({ args: ['--rename-command', 'EVAL', '', '--rename-command', 'EVALSHA', ''] });
    const store = new RedisStore(server.url);
    try {
      await expect(store.claim({ key: 'errors:noeval', token: 't', leaseMs: 1_000, ttlMs: 1_000 })).resolves.toMatchObject({ outcome: 'claimed' });
      const error = await store.complete({ key: 'errors:noeval', token: 't', payload: '"done"', ttlMs: 1_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toMatch(/ERR unknown command 'eval'\)/);
      // Redis echoes the first arguments (here the script; for other commands, record values).
      expect((error as Error).message).not.toMatch(/with args|redis\.call/);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});

/** A logger that keeps the store's set-up warnings (and ignores decision lines). */
class WarningLogger implements IdempotencyLogger {
  readonly warnings: StoreWarningLine[] = [];
  info(): void {}
  warn(line: DecisionLine | StoreWarningLine): void {
    if ('warning' in line) this.warnings.push(line);
  }
  error(): void {}
  of(kind: StoreWarningLine['warning']): StoreWarningLine[] {
    return this.warnings.filter((w) => w.warning === kind);
  }
}

/** Polls `done` every 20 ms, for at most `timeoutMs`. */
async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !done() && Date.now() < end; ) await sleep(20);
}

/**
 * A spy on the store's own `INFO memory` calls (not ioredis' ready check, which passes a
 * callback): lets a test wait until the eviction check has read the server and logged, or not.
 */
function infoMemoryCalls(client: Redis): () => Promise<void> {
  const spy = jest.spyOn(client, 'info');
  return async () => {
    await until(() => spy.mock.calls.some((args) => args[0] === 'memory'));
    const calls = spy.mock.results.filter((_r, i) => spy.mock.calls[i]?.[0] === 'memory');
    expect(calls).toHaveLength(1);
    await Promise.allSettled(calls.map((c) => c.value as Promise<unknown>));
    await new Promise((resolve) => setImmediate(resolve));
  };
}

describe('RedisStore on a Redis whose memory is full (maxmemory)', () => {
  let server: RedisServer;
  let admin: Redis;
  const stores: RedisStore[] = [];
  beforeEach(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    admin.disconnect();
    await server.stop();
  });

  /** Limits the server to what it uses now plus `headroom` bytes, with `policy`. */
  async function limitMemory(policy: string, headroom: number): Promise<void> {
    const used = Number(parseInfo(await admin.info('memory')).get('used_memory'));
    await admin.config('SET', 'maxmemory-policy', policy);
    await admin.config('SET', 'maxmemory', String(used + headroom));
  }

  /** 20 orders with 100 KB results (2 MB in all, the server has room for 600 KB), each sent twice. */
  async function twentyOrdersTwice(store: RedisStore) {
    const executions = new Map<string, number>();
    const failures: unknown[] = [];
    const order = makeIdempotent(async function order(event: { id: string }) {
      executions.set(event.id, (executions.get(event.id) ?? 0) + 1);
      return `${event.id}:${'x'.repeat(100_000)}`;
    }, { key: 'id', store, logger: new CaptureLogger(), ttlSeconds: 3_600, name: 'order' }); // a function per run: the name is explicit
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 20; i++) await order({ id: `o-${i}` }).catch((e: unknown) => failures.push(e));
    }
    const reRun = [...executions].filter(([, n]) => n > 1).map(([id]) => id);
    return { executions, failures, reRun };
  }

  it('with volatile-lru (ElastiCache\'s default) evicts records within their TTL, so orders run again; the store warns once', async () => {
    await limitMemory('volatile-lru', 600_000);
    const logger = new WarningLogger();
    const store = new RedisStore(server.url, { logger });
    stores.push(store);
    const { reRun, failures } = await twentyOrdersTwice(store);
    // Every record has a TTL, so volatile-lru may evict any of them: the second pass ran again.
    expect(failures).toEqual([]);
    expect(reRun.length).toBeGreaterThan(0);
    expect(Number(parseInfo(await admin.info('stats')).get('evicted_keys'))).toBeGreaterThan(0);

    await until(() => logger.warnings.length > 0);
    expect(logger.warnings).toEqual([
      expect.objectContaining({ warning: 'eviction_policy', store: 'RedisStore', maxmemoryPolicy: 'volatile-lru', maxmemoryBytes: expect.any(Number) }),
    ]);
    expect(logger.warnings[0]?.message).toMatch(/noeviction/);
    expect(logger.warnings[0]?.message).not.toContain(String(server.port));
  });

  it('with allkeys-lru warns too; a second store on the same server warns once more (once per store)', async () => {
    await limitMemory('allkeys-lru', 10_000_000);
    const logger = new WarningLogger();
    for (let s = 0; s < 2; s++) {
      const store = new RedisStore(server.url, { logger });
      stores.push(store);
      const fn = makeIdempotent(async (_e: { id: string }) => 'ok', { key: 'id', store, logger: new CaptureLogger(), name: `allkeys${s}` });
      for (let i = 0; i < 10; i++) await fn({ id: `k-${i % 3}` });
      await until(() => logger.warnings.length > s);
    }
    expect(logger.warnings.map((w) => w.maxmemoryPolicy)).toEqual(['allkeys-lru', 'allkeys-lru']);
  });

  it('with noeviction does not warn, and a full Redis forgets nothing: calls fail with typed errors, no order runs twice', async () => {
    await limitMemory('noeviction', 600_000);
    const logger = new WarningLogger();
    const store = new RedisStore(server.url, { logger });
    stores.push(store);
    const infoRead = infoMemoryCalls(store.client as Redis);
    const { reRun, failures } = await twentyOrdersTwice(store);
    expect(reRun).toEqual([]);
    // Redis refuses writes once full ("OOM command not allowed"). A small claim still fits but the
    // 100 KB result does not: IdempotencyCompletionError, the claim kept, so the repeat is in
    // progress until the lease ends. A refused claim is IdempotencyConfigError, before the method.
    const typed = [IdempotencyCompletionError, IdempotencyConfigError, IdempotencyInProgressError];
    expect(failures.filter((e) => !typed.some((type) => e instanceof type))).toEqual([]);
    expect(failures.some((e) => e instanceof IdempotencyCompletionError || e instanceof IdempotencyConfigError)).toBe(true);
    await infoRead();
    expect(logger.warnings).toEqual([]);
  });

  it("with noeviction and onStoreError 'continue', a result Redis has no room for is IdempotencyCompletionError carrying it, never a silent unrecorded success", async () => {
    await limitMemory('noeviction', 200_000);
    const store = new RedisStore(server.url, { logger: new WarningLogger() });
    stores.push(store);
    const logger = new CaptureLogger();
    let runs = 0;
    const big = makeIdempotent(async function bigResult(_e: { id: string }) {
      runs++;
      return 'x'.repeat(400_000);
    }, { key: 'id', store, logger, onStoreError: 'continue', leaseSeconds: 30 });
    const error = await big({ id: 'order-1' }).catch((e: unknown) => e);
    // Before: OOM counted as an outage, so the call returned the result unrecorded, and every
    // retry after the lease ran the method again, each time without a word to the caller.
    expect(error).toBeInstanceOf(IdempotencyCompletionError);
    expect((error as IdempotencyCompletionError).result).toHaveLength(400_000);
    expect(((error as Error).cause as Error).message).toMatch(/^RedisStore complete failed: Redis refused the command \(OOM.*raise maxmemory/);
    // The claim is kept; the retry is told it is in progress, or, while Redis is still full, refused.
    expect(await admin.get(`idempotency:bigResult:${hashValue('order-1')}`)).toMatch(/^P\|/);
    const retry = await big({ id: 'order-1' }).catch((e: unknown) => e);
    expect(retry instanceof IdempotencyInProgressError || retry instanceof IdempotencyConfigError).toBe(true);
    expect(runs).toBe(1);
  });

  it("with noeviction and onStoreError 'continue', a claim Redis has no room for is IdempotencyConfigError naming the fix: the method does not run", async () => {
    const store = new RedisStore(server.url, { logger: new WarningLogger() });
    stores.push(store);
    const logger = new CaptureLogger();
    let runs = 0;
    const fn = makeIdempotent(async function fullClaim(_e: { id: string }) {
      return ++runs;
    }, { key: 'id', store, logger, onStoreError: 'continue' });
    await fn({ id: 'warm' });
    await limitMemory('noeviction', -100_000); // already over the limit: every write is refused
    for (let i = 0; i < 3; i++) {
      const error = await fn({ id: 'order-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toMatch(/OOM.*raise maxmemory.*even with onStoreError 'continue'/);
    }
    // Before: each call ran unprotected (fail_open), for as long as Redis stayed full.
    expect(runs).toBe(1);
    expect(logger.decisions()).toEqual(['miss', 'store_error', 'store_error', 'store_error']);
    await admin.config('SET', 'maxmemory', '0');
    await expect(fn({ id: 'order-1' })).resolves.toBe(2);
  });

  it('without a memory limit (maxmemory 0, the redis-server default) does not warn', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const logger = new WarningLogger();
    const store = new RedisStore(server.url, { logger });
    stores.push(store);
    const infoRead = infoMemoryCalls(store.client as Redis);
    await makeIdempotent(async (_e: { id: string }) => 'ok', { key: 'id', store, logger: new CaptureLogger(), name: 'ok' })({ id: 'a' });
    await infoRead();
    expect(logger.warnings).toEqual([]);
  });

  it('never fails a call when INFO is refused (an ACL without +info): no warning, calls unaffected', async () => {
    await limitMemory('volatile-lru', 10_000_000);
    await admin.acl('SETUSER', 'noinfo', 'on', '>secret-pw', '~*', '+@all', '-info');
    const logger = new WarningLogger();
    // Without +info ioredis' ready check cannot run either, so it is switched off here.
    const store = new RedisStore(`redis://noinfo:secret-pw@127.0.0.1:${server.port}`, { logger, redisOptions: { enableReadyCheck: false } });
    stores.push(store);
    const infoRead = infoMemoryCalls(store.client as Redis);
    const fn = makeIdempotent(async (_e: { id: string }) => 'ok', { key: 'id', store, logger: new CaptureLogger(), name: 'ok' });
    await expect(fn({ id: 'a' })).resolves.toBe('ok');
    await infoRead();
    await expect(fn({ id: 'a' })).resolves.toBe('ok');
    expect(String(await admin.acl('LOG'))).toContain('info');
    expect(logger.warnings).toEqual([]);
  });

  it('logs through the default Powertools logger when given none', async () => {
    await limitMemory('volatile-lru', 10_000_000);
    const warn = jest.spyOn(getDefaultLogger(), 'warn');
    try {
      const store = new RedisStore(server.url);
      stores.push(store);
      await makeIdempotent(async (_e: { id: string }) => 'ok', { key: 'id', store, logger: new CaptureLogger(), name: 'ok' })({ id: 'a' });
      await until(() => warn.mock.calls.length > 0);
      expect(warn.mock.calls).toEqual([[expect.objectContaining({ warning: 'eviction_policy', maxmemoryPolicy: 'volatile-lru' })]]);
    } finally {
      warn.mockRestore();
    }
  });

  it('never fails a call nor crashes when the logger throws', async () => {
    await limitMemory('volatile-lru', 10_000_000);
    let thrown = 0;
    const throwing: IdempotencyLogger = {
      info() {},
      warn() {
        thrown++;
        throw new Error('log sink down');
      },
      error() {},
    };
    const store = new RedisStore(server.url, { logger: throwing });
    stores.push(store);
    const fn = makeIdempotent(async (_e: { id: string }) => 'ok', { key: 'id', store, logger: new CaptureLogger(), name: 'ok' });
    await expect(fn({ id: 'a' })).resolves.toBe('ok');
    await until(() => thrown > 0);
    expect(thrown).toBe(1);
    await expect(fn({ id: 'a' })).resolves.toBe('ok');
  });

  it('rejects a logger without info, warn and error methods', () => {
    expect(() => new RedisStore(server.url, { logger: {} as never })).toThrow('Expected `logger` of RedisStore to have info, warn and error methods');
  });
});

describe('RedisStore built per invocation (inside the handler)', () => {
  const redis = useRedis();

  /** RedisStore as a new process has it: the count of open stores is per process. */
  function freshRedisStore(): typeof RedisStore {
    forgetProcessState('open-stores');
    let fresh: typeof RedisStore | undefined;
    jest.isolateModules(() => {
      fresh = (jest.requireActual('../../../lib/stores/redis/RedisStore') as { RedisStore: typeof RedisStore }).RedisStore;
    });
    return fresh as typeof RedisStore;
  }

  /** The connections the server holds, the admin client's included. */
  async function connections(): Promise<number> {
    return String(await redis.admin.client('LIST')).trim().split('\n').length;
  }

  it('opens a connection per store and logs one warning naming the fix once more than 10 are open', async () => {
    const Store = freshRedisStore();
    const logger = new WarningLogger();
    const before = await connections();
    const stores: RedisStore[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        // The mistake: a store built inside the handler, once per invocation.
        const store = new Store(redis.server.url, { logger });
        stores.push(store);
        await makeIdempotent(async (_e: { id: string }) => 'ok', { key: 'id', store, logger: new CaptureLogger(), name: 'perCall' })({ id: `i-${i}` });
      }
      expect(await connections()).toBe(before + 20);
      expect(logger.of('open_stores')).toEqual([expect.objectContaining({ store: 'RedisStore', openStores: 11 })]);
      expect(logger.of('open_stores')[0]?.message).toMatch(/once at module scope .* reuse it/);
      expect(logger.of('open_stores')[0]?.message).not.toContain(String(redis.server.port));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    expect(await connections()).toBe(before);
  });

  it('does not count stores that were closed, nor stores given a client', async () => {
    const Store = freshRedisStore();
    const logger = new WarningLogger();
    const closed = Array.from({ length: 10 }, () => new Store(redis.server.url, { logger }));
    await Promise.all(closed.map((s) => s.close()));
    await Promise.all(closed.map((s) => s.close())); // closing twice uncounts once
    const given = Array.from({ length: 20 }, () => new Store(redis.admin, { logger }));
    const open = Array.from({ length: 10 }, () => new Store(redis.server.url, { logger }));
    expect(logger.of('open_stores')).toEqual([]);
    // The 11th open one is counted.
    open.push(new Store(redis.server.url, { logger }));
    expect(logger.of('open_stores')).toEqual([expect.objectContaining({ openStores: 11 })]);
    await Promise.all([...open, ...given].map((s) => s.close()));
  });

  it('keeps counting after the warning but says it once per process', async () => {
    const Store = freshRedisStore();
    const logger = new WarningLogger();
    const stores = Array.from({ length: 30 }, () => new Store(redis.server.url, { logger }));
    await Promise.all(stores.map((s) => s.close()));
    const again = Array.from({ length: 15 }, () => new Store(redis.server.url, { logger }));
    expect(logger.of('open_stores')).toHaveLength(1);
    await Promise.all(again.map((s) => s.close()));
  });
});
