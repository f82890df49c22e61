import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { hashValue, IdempotencyConfigError, IdempotencyStoreError, makeIdempotent, RedisStore } from '../../lib';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redisServer';
import { makePki, type TestPki } from '../helpers/tls';
import { CaptureLogger } from '../helpers/logger';

const PASSWORD = 'S3cr3t-Passw0rd-Do-Not-Log';

describe('TLS (rediss://) to a redis-server with a certificate made at test time', () => {
  let pki: TestPki;
  let otherCa: TestPki;
  let server: RedisServer;
  beforeAll(async () => {
    pki = makePki('good');
    otherCa = makePki('other');
    const port = await freePort();
    server = await startRedisServer({
      port: 0,
      urlPrefix: 'rediss://',
      args: ['--tls-port', String(port), '--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey, '--tls-ca-cert-file', pki.caCert, '--tls-auth-clients', 'no'],
    });
    tlsUrl = `rediss://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(pki.dir, { recursive: true, force: true });
    rmSync(otherCa.dir, { recursive: true, force: true });
  });
  let tlsUrl: string;
  /** A store over TLS trusting `ca`, and a handler on it that counts its runs. */
  const overTls = (ca: Buffer) => {
    const store = new RedisStore(tlsUrl, { redisOptions: { tls: { ca } } });
    let runs = 0;
    const fn = makeIdempotent(async function overTls(_e: { id: string }) {
      return ++runs;
    }, { key: 'id', store, logger: new CaptureLogger(), name: 'overTls' }); // a function per test: the name is explicit
    return { store, fn, runs: () => runs };
  };

  it('claims, completes and replays over TLS with the right CA', async () => {
    const { store, fn } = overTls(pki.caPem);
    try {
      await expect(fn({ id: 't' })).resolves.toBe(1);
      await expect(fn({ id: 't' })).resolves.toBe(1);
    } finally {
      await store.close();
    }
  });

  it('refuses a server whose certificate another CA signed, with IdempotencyStoreError and no run', async () => {
    const { store, fn, runs } = overTls(otherCa.caPem);
    try {
      await expect(fn({ id: 't' })).rejects.toThrow(IdempotencyStoreError);
      expect(runs()).toBe(0);
    } finally {
      await store.close();
    }
  });
});

const LIBRARY_COMMANDS = ['+set', '+get', '+del', '+pttl', '+eval', '+evalsha', '+info'];

describe('Redis ACL user and password', () => {
  let server: RedisServer;
  beforeAll(async () => {
    // Least privilege, as the README documents it: the record keys and the commands the library
    // sends (scripts are checked too: GET, SET, DEL, PTTL inside them), plus INFO for ioredis'
    // ready check.
    server = await startRedisServer({ args: ['--user', 'default', 'off', '--user', 'idem', 'on', `>${PASSWORD}`, '~idempotency:*', ...LIBRARY_COMMANDS, '--user', 'inspector', 'on', `>${PASSWORD}`, '~*', '+@all'] });
  });
  afterAll(() => server.stop());

  it('works with the right user and password in the URL, under an ACL of only the commands the library sends', async () => {
    const store = new RedisStore(`redis://idem:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`);
    let runs = 0;
    const fn = makeIdempotent(async function acl(e: { id: string; fail?: boolean }) {
      runs++;
      if (e.fail) throw new Error('declined');
      return 'ok';
    }, { key: 'id', store, logger: new CaptureLogger() });
    const cached = makeIdempotent(async function acl(_e: { id: string }) {
      return 'other';
    }, { key: 'id', name: 'acl', store, logger: new CaptureLogger(), localCache: { maxEntries: 10 } });
    try {
      await expect(fn({ id: 'a' })).resolves.toBe('ok'); // claim, complete
      await expect(fn({ id: 'a' })).resolves.toBe('ok'); // hit
      await expect(cached({ id: 'a' })).resolves.toBe('ok'); // claim script with PTTL
      await expect(fn({ id: 'b', fail: true })).rejects.toThrow('declined'); // release
      await expect(store.get(`idempotency:acl:${hashValue('a')}`)).resolves.toMatchObject({ status: 'COMPLETED' });
      await expect(store.delete(`idempotency:acl:${hashValue('a')}`)).resolves.toBe(true);
      expect(runs).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('fails a wrong password with a clear IdempotencyConfigError (it never fails open) that never contains a password, in the error or the logs', async () => {
    const wrong = 'Wr0ng-Passw0rd-Also-Secret';
    const store = new RedisStore(`redis://idem:${wrong}@127.0.0.1:${server.port}`);
    const logger = new CaptureLogger();
    const fn = makeIdempotent(async function aclWrong(_e: { id: string }) {
      return 'ok';
    }, { key: 'id', store, logger });
    try {
      const error = await fn({ id: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toMatch(/check the user and password in the URL/);
      const text = `${String(error)} ${(error as Error).stack} ${String((error as Error).cause)} ${JSON.stringify(logger.lines)}`;
      expect(text).toMatch(/WRONGPASS|NOAUTH|invalid username-password|max retries/i);
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(PASSWORD);
    } finally {
      await store.close();
    }
  });

  it("fails closed, never in database 0, when the URL names a database the ACL may not SELECT", async () => {
    const admin = new Redis({ port: server.port, username: 'inspector', password: PASSWORD });
    const key = `idempotency:selected:${hashValue('order-1')}`;
    // Production's record in database 0; the store below is told to use database 3.
    await admin.set(key, 'C||v"production result"', 'PX', 60_000);
    const store = new RedisStore(`redis://idem:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/3`);
    let runs = 0;
    const fn = makeIdempotent(async function selected(_e: { id: string }) {
      runs++;
      return 'staging result';
    }, { key: 'id', store, logger: new CaptureLogger(), onStoreError: 'continue' });
    try {
      for (let i = 0; i < 2; i++) {
        const error = await fn({ id: 'order-1' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(IdempotencyConfigError);
        expect((error as Error).message).toContain('add +select');
        expect((error as Error).message).not.toContain(PASSWORD);
      }
      await expect(store.get(key)).rejects.toBeInstanceOf(IdempotencyConfigError);
      expect(runs).toBe(0);
      // Nothing reached database 0 either: production's record is untouched, no claim beside it.
      await expect(admin.get(key)).resolves.toBe('C||v"production result"');
      const other = `idempotency:selected:${hashValue('order-2')}`;
      await expect(fn({ id: 'order-2' })).rejects.toBeInstanceOf(IdempotencyConfigError);
      await expect(admin.exists(other)).resolves.toBe(0);
    } finally {
      await admin.del(key);
      admin.disconnect();
      await store.close();
    }
  });

  it('fails closed when the URL names a database the server does not have (ERR DB index is out of range)', async () => {
    const admin = new Redis({ port: server.port, username: 'inspector', password: PASSWORD });
    const store = new RedisStore(`redis://inspector:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/99`);
    let runs = 0;
    const fn = makeIdempotent(async function missingDb(_e: { id: string }) {
      runs++;
      return 'ran';
    }, { key: 'id', store, logger: new CaptureLogger(), onStoreError: 'continue' });
    try {
      const error = await fn({ id: 'order-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toContain('out of range');
      expect(runs).toBe(0);
      await expect(admin.exists(`idempotency:missingDb:${hashValue('order-1')}`)).resolves.toBe(0);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it('treats a command the ACL refuses (NOPERM) as configuration: IdempotencyConfigError, never failing open', async () => {
    // A user without +set: the claim is refused.
    const admin = new Redis({ port: server.port, username: 'inspector', password: PASSWORD });
    await admin.call('ACL', 'SETUSER', 'noeval', 'on', `>${PASSWORD}`, '~idempotency:*', '+get', '+del', '+pttl', '+eval', '+evalsha', '+info');
    admin.disconnect();
    const store = new RedisStore(`redis://noeval:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`);
    let runs = 0;
    const fn = makeIdempotent(async function noSet(_e: { id: string }) {
      runs++;
      return 'ok';
    }, { key: 'id', store, logger: new CaptureLogger(), onStoreError: 'continue' });
    try {
      const error = await fn({ id: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect((error as Error).message).toMatch(/NOPERM/);
      expect(runs).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('keeps records under the prefix the ACL allows: every record key is <prefix>:<namespace>:<sha256>', async () => {
    const store = new RedisStore(`redis://idem:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`);
    const hostile = ['../../etc', 'x:other-namespace:y', '*', '{slot}', '\r\nFLUSHALL\r\n', 'a'.repeat(10_000)];
    const fn = makeIdempotent(async function keys(e: { id: string }) {
      return e.id.length;
    }, { key: 'id', store, logger: new CaptureLogger() });
    try {
      for (const id of hostile) await fn({ id });
      // A separate user lists what exists: the library's user may not run KEYS.
      const admin = new Redis({ port: server.port, username: 'inspector', password: PASSWORD });
      const all = await admin.keys('*');
      admin.disconnect();
      const mine = all.filter((k) => !k.startsWith('idempotency:acl:'));
      expect(mine).toHaveLength(hostile.length);
      expect(mine.every((k) => /^idempotency:keys:[0-9a-f]{64}$/.test(k))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
