import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { IdempotencyConfigError, IdempotencyStoreError, makeIdempotent, RedisStore, type ConnectionRequest, type RedisConnectionValue } from '../../../lib';
import { CaptureLogger } from '../../helpers/logger';
import { freePort, startRedisServer, type RedisServer } from '../../helpers/redisServer';
import { startStallProxy } from '../../helpers/stallProxy';
import { makePki, type TestPki } from '../../helpers/tls';

/**
 * RedisStore built from a connection provider, against a real redis-server with an ACL user: the
 * provider is called on first use, kept, called again only when Redis refuses the password, once
 * for all the calls it refused; each refused call runs once more; a provider that fails or hangs
 * fails the call (the method does not run); the password never shows.
 */

const key = (): string => `idempotency:Creds.test:${randomUUID()}`;
const claim = (store: RedisStore, k = key()): Promise<unknown> => store.claim({ key: k, token: 'tok', leaseMs: 5_000, ttlMs: 5_000 });

/** A provider whose password the test rotates; records each call's `refused`. */
function rotatingProvider(port: () => number) {
  const state = { user: '', password: `pw-${randomUUID()}`, calls: [] as boolean[] };
  const provider = async ({ refused }: ConnectionRequest): Promise<RedisConnectionValue> => {
    state.calls.push(refused);
    return `redis://${state.user}:${state.password}@127.0.0.1:${port()}`;
  };
  return { state, provider };
}

function failureOf(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (e: unknown) => e as Error,
  );
}

function expectNothingShown(error: unknown, ...hidden: string[]): void {
  const shown = `${inspect(error, { depth: 8 })} ${String(error)}`;
  for (const text of hidden) expect(shown).not.toContain(text);
}

describe('RedisStore from a connection provider', () => {
  let server: RedisServer;
  let admin: Redis;
  const stores: RedisStore[] = [];
  const open = (...args: ConstructorParameters<typeof RedisStore>): RedisStore => {
    const store = new RedisStore(...args);
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  /** A fresh ACL user with the provider's password. */
  async function user(state: { user?: string; password: string }): Promise<string> {
    const name = `app-${randomUUID().slice(0, 8)}`;
    await admin.acl('SETUSER', name, 'on', `>${state.password}`, '~*', '+@all');
    state.user = name;
    return name;
  }

  /** Rotation as a secret store runs it: new password added, secret updated, old one removed, then the connection drops. */
  async function rotate(name: string, state: { password: string }): Promise<string> {
    const old = state.password;
    state.password = `pw-${randomUUID()}`;
    await admin.acl('SETUSER', name, `>${state.password}`);
    await admin.acl('SETUSER', name, `<${old}`);
    await admin.client('KILL', 'USER', name);
    return old;
  }

  /** Until every store's client has seen its connection drop (a command written before that may have run). */
  async function dropped(...list: RedisStore[]): Promise<void> {
    for (const end = Date.now() + 5_000; list.some((s) => s.client.status === 'ready') && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
  }

  it('calls the provider on first use, not at construction, and keeps its value', async () => {
    const { state, provider } = rotatingProvider(() => server.port);
    await user(state);
    const store = open(provider);
    expect(state.calls).toEqual([]);
    for (let i = 0; i < 5; i++) await expect(claim(store)).resolves.toMatchObject({ outcome: 'claimed' });
    await Promise.all(Array.from({ length: 10 }, () => store.get(key())));
    expect(state.calls).toEqual([false]);
  });

  it('takes options instead of a URL', async () => {
    const password = `pw-${randomUUID()}`;
    const name = await user({ password });
    const store = open(async () => ({ host: '127.0.0.1', port: server.port, username: name, password }));
    await expect(claim(store)).resolves.toMatchObject({ outcome: 'claimed' });
  });

  it('after a rotation, fetches once for all the refused calls and runs each of them once more', async () => {
    const { state, provider } = rotatingProvider(() => server.port);
    const name = await user(state);
    const store = open(provider);
    await claim(store);
    const old = await rotate(name, state);
    await dropped(store);
    const keys = Array.from({ length: 12 }, key);
    const results = await Promise.all(keys.map((k) => claim(store, k)));
    expect(results.every((r) => (r as { outcome: string }).outcome === 'claimed')).toBe(true);
    expect(state.calls).toEqual([false, true]);
    for (const k of keys) expect(await admin.get(k)).toMatch(/tok/);
    expect(old).not.toBe(state.password);
  });

  it('retries a refused call once only: a refresh that gives a refused password again fails, without showing it', async () => {
    const { state, provider } = rotatingProvider(() => server.port);
    const name = await user(state);
    const store = open(provider);
    await claim(store);
    const old = await rotate(name, state);
    await dropped(store);
    const other = `pw-${randomUUID()}`;
    // The server takes neither the old password nor the one the provider now gives.
    await admin.acl('SETUSER', name, 'resetpass', `>${other}`);
    const error = await failureOf(claim(store));
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect(error.message).toMatch(/^RedisStore claim failed: Redis refused the command \(WRONGPASS/);
    expect(state.calls).toEqual([false, true]);
    expectNothingShown(error, old, state.password, other);
  });

  it('stops reconnecting once closed, also right after a refresh whose password was refused again', async () => {
    const { state, provider } = rotatingProvider(() => server.port);
    const name = await user(state);
    const store = new RedisStore(provider);
    await claim(store);
    await rotate(name, state);
    await dropped(store);
    await admin.acl('SETUSER', name, 'resetpass', `>pw-${randomUUID()}`);
    // Each failed call refreshes and reconnects at once; the refused attempts lengthen the back-off.
    for (let i = 0; i < 5; i++) await failureOf(claim(store));
    await store.close();
    const refusals = async (): Promise<number> => {
      const log = (await admin.acl('LOG')) as unknown[][];
      return log.map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [entry[2 * i], entry[2 * i + 1]]))).filter((e) => e.username === name).reduce((sum, e) => sum + Number(e.count), 0);
    };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const atClose = await refusals();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await refusals()).toBe(atClose);
  });

  it('never runs again a command whose fate is unknown, even when the reconnect is refused', async () => {
    const { state, provider } = rotatingProvider(() => proxy.port);
    const name = await user(state);
    const proxy = await startStallProxy(server.port);
    try {
      const store = open(provider, { commandTimeoutMs: 500 });
      await claim(store);
      const k = key();
      proxy.stall('replies');
      // Timeline: the SET reaches Redis and runs; its reply is held → the password rotates → the
      // connection drops (the reply is lost) → the reconnect is refused → the claim times out.
      const pending = failureOf(claim(store, k));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const old = state.password;
      await rotate(name, state);
      proxy.cut();
      const error = await pending;
      expect(error.message).toMatch(/^RedisStore claim failed: /);
      expect(state.calls).toEqual([false]);
      expect(await admin.get(k)).toMatch(/tok/);
      expectNothingShown(error, old, state.password);
      // The next call is refused before it runs: one refresh, then it succeeds.
      await expect(claim(store)).resolves.toMatchObject({ outcome: 'claimed' });
      expect(state.calls).toEqual([false, true]);
    } finally {
      await proxy.close();
    }
  });

  it('a provider that fails fails the call with IdempotencyStoreError (the method does not run), its message not shown; the next call asks again', async () => {
    const secret = `pw-${randomUUID()}`;
    let calls = 0;
    const store = open(async () => {
      calls += 1;
      throw new Error(`cannot parse rediss://app:${secret}@cache.example.com`);
    });
    let runs = 0;
    const logger = new CaptureLogger();
    const fn = makeIdempotent(async (event: { id: string }) => ((runs += 1), event.id), { key: 'id', store, logger, name: 'providerFails' });
    const error = await failureOf(fn({ id: randomUUID() }));
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect(error.message).toMatch(/the connection provider failed \(Error, see the error's cause\)/);
    expect(runs).toBe(0);
    expectNothingShown(error.message, secret);
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
    const before = calls;
    await failureOf(claim(store));
    expect(calls).toBe(before + 1);
  });

  it('a provider that hangs fails the call within providerTimeoutMs, never hangs it', async () => {
    const store = open(() => new Promise<never>(() => undefined), { providerTimeoutMs: 200 });
    const started = Date.now();
    const error = await failureOf(claim(store));
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect(error.message).toMatch(/did not answer within 200 ms \(providerTimeoutMs\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    ['a string that is not a URL', (secret: string) => `not a URL ${secret}`, /a string that is not a URL/],
    ['a URL of another scheme', (secret: string) => `http://app:${secret}@cache`, /a URL with another scheme/],
    ['an object without a host', (secret: string) => ({ password: secret }) as never, /without a `host` string/],
    ['a URL whose password is not percent-encoded', (secret: string) => `redis://app:${secret}%zz@127.0.0.1:6399`, /not percent-encoded/],
  ])('a provider value that is %s is IdempotencyConfigError that never shows it', async (_what, value, reason) => {
    const secret = `pw-${randomUUID()}`;
    const store = open(async () => value(secret));
    const error = await failureOf(claim(store));
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect(error.message).toMatch(reason);
    expectNothingShown(error, secret);
  });

  it('never shows the password when the store is inspected or serialized (a logger given the store)', async () => {
    const password = `pw-${randomUUID()}`;
    const name = await user({ password });
    const fromProvider = open(async () => `redis://${name}:${password}@127.0.0.1:${server.port}`);
    const fromUrl = open(`redis://${name}:${password}@127.0.0.1:${server.port}`);
    for (const store of [fromProvider, fromUrl]) {
      await expect(claim(store)).resolves.toMatchObject({ outcome: 'claimed' });
      expect(inspect(store, { depth: 8 })).not.toContain(password);
      expect(inspect({ store })).not.toContain(password);
      expect(JSON.stringify(store)).not.toContain(password);
      expect(store.client.status).toBe('ready');
    }
  });

  it('rejects a providerTimeoutMs that is not a positive integer, up front', () => {
    expect(() => new RedisStore(async () => 'redis://x', { providerTimeoutMs: -1 })).toThrow('Expected `providerTimeoutMs` to be a positive integer, got -1');
  });
});

describe('RedisStore from a connection provider, over TLS with a private CA', () => {
  let pki: TestPki;
  let server: RedisServer;
  let tlsPort: number;
  beforeAll(async () => {
    pki = makePki('provider');
    tlsPort = await freePort();
    const args = ['--tls-port', String(tlsPort), '--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.caCert, '--tls-auth-clients', 'no'];
    server = await startRedisServer({ port: 0, urlPrefix: 'rediss://', args });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it.each([
    ['a rediss:// URL', () => `rediss://127.0.0.1:${tlsPort}`],
    ['options with tls: true', () => ({ host: '127.0.0.1', port: tlsPort, tls: true })],
  ])("keeps redisOptions.tls (the CA) when the provider gives %s, as a store built from the URL does", async (_what, value) => {
    const store = new RedisStore(async () => value(), { redisOptions: { tls: { ca: pki.caPem } } });
    try {
      await expect(claim(store)).resolves.toMatchObject({ outcome: 'claimed' });
    } finally {
      await store.close();
    }
  });
});
