import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { hashValue, makeIdempotent, RedisStore } from '../../lib';
import { main } from '../../lib/cli';
import { startRedisServer, type RedisServer } from '../helpers/redisServer';
import { CaptureLogger } from '../helpers/logger';
import { run } from '../helpers/run';
import { sleep } from '../helpers/lambda';
import { ROOT } from '../helpers/paths';

const PASSWORD = 'cli-Secret-Passw0rd';

describe('lambda-idempotency CLI', () => {
  let server: RedisServer;
  let url: string;
  let store: RedisStore;
  // 'order-stuck' stays in progress until every test has run (not for a fixed time: a loaded
  // machine can take longer than that over this suite).
  let unstick!: () => void;
  let stuck: Promise<unknown>;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--requirepass', PASSWORD] });
    url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    store = new RedisStore(url);
    const gate = new Promise<void>((resolve) => (unstick = resolve));
    const charge = makeIdempotent(async function charge(e: { key: string; held?: boolean }) {
      if (e.held) await gate;
      return { paid: e.key };
    }, { key: 'key', store, logger: new CaptureLogger(), name: 'Payments.charge', validate: 'key' });
    await charge({ key: 'order-1' });
    stuck = charge({ key: 'order-stuck', held: true });
    await sleep(50);
  });
  afterAll(async () => {
    unstick();
    await stuck;
    await store.close();
    await server.stop();
  });

  async function cli(...args: string[]): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const code = await main(args, { REDIS_URL: url }, (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  }

  it('inspects a record by namespace and key value without printing the result or the URL', async () => {
    const { code, text } = await cli('inspect', '--namespace', 'Payments.charge', '--key', 'order-1', '--json');
    expect(code).toBe(0);
    const out = JSON.parse(text) as Record<string, unknown>;
    expect(out).toMatchObject({ key: `idempotency:Payments.charge:${hashValue('order-1')}`, status: 'COMPLETED', validated: true, result: 'value' });
    expect(out.expiresInMs).toBeGreaterThan(3_500_000);
    expect(text).not.toContain('paid');
    expect(text).not.toContain(PASSWORD);
  });

  it('computes the key of a --key-json id above 2^53 exactly, as a JSON body reads it', async () => {
    const { text } = await cli('inspect', '--namespace', 'Payments.charge', '--key-json', '{"id":9007199254740993}', '--json');
    const exact = createHash('sha256').update('{"id":9007199254740993}').digest('hex'); // not ...992, the nearest double
    expect(JSON.parse(text)).toMatchObject({ key: `idempotency:Payments.charge:${exact}`, status: 'ABSENT' });
  });

  it('prints the stored result only with --show-result', async () => {
    const { text } = await cli('inspect', '--namespace', 'Payments.charge', '--key', 'order-1', '--show-result');
    expect(text).toContain('storedResult: {"paid":"order-1"}');
  });

  it('lists claims in progress with their lease', async () => {
    const { code, text } = await cli('list-in-progress', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(text)).toEqual([expect.objectContaining({ key: `idempotency:Payments.charge:${hashValue('order-stuck')}`, status: 'IN_PROGRESS', leaseExpired: false })]);
  });

  it('invalidates a record so the next call runs again', async () => {
    const key = `idempotency:Payments.charge:${hashValue('order-1')}`;
    await expect(cli('invalidate', '--record-key', key, '--json')).resolves.toEqual({ code: 0, text: JSON.stringify({ key, deleted: true }) });
    await expect(cli('inspect', '--record-key', key, '--json')).resolves.toMatchObject({ text: JSON.stringify({ key, status: 'ABSENT' }) });
  });

  it('fails with a clear message (exit 1 on failure, 2 on a usage mistake), never echoing credentials', async () => {
    const wrong = await main(['inspect', '--record-key', 'x'], { REDIS_URL: `redis://:Wrong-${PASSWORD}@127.0.0.1:${server.port}` }, () => undefined);
    expect(wrong).toBe(1);
    const lines: string[] = [];
    await main(['inspect', '--record-key', 'x'], { REDIS_URL: `redis://:Wrong-${PASSWORD}@127.0.0.1:${server.port}` }, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/^error: /);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    await expect(cli('inspect', '--namespace', 'X.y')).resolves.toMatchObject({ code: 2, text: expect.stringContaining('exactly one of --key / --key-json') });
    await expect(cli('frobnicate')).resolves.toMatchObject({ code: 2, text: expect.stringContaining('Unknown command') });
    await expect(main(['inspect', '--record-key', 'x'], {}, () => undefined)).resolves.toBe(2);
  });

  it('refuses a mistyped flag with exit 2 and deletes nothing (not the default prefix\'s record either)', async () => {
    await store.claim({ key: 'idempotency:Refunds.run:' + hashValue('order-42'), token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    const typo = await cli('invalidate', '--namespace', 'Refunds.run', '--key', 'order-42', '--prefx', 'billing');
    expect(typo.code).toBe(2);
    expect(typo.text).toContain('did you mean --prefix?');
    expect(typo.text).toContain('Usage: lambda-idempotency');
    await expect(store.get('idempotency:Refunds.run:' + hashValue('order-42'))).resolves.toMatchObject({ status: 'IN_PROGRESS' });
    await expect(cli('inspect', '--namespace', 'Refunds.run', '--key', 'order-42', '--json=no')).resolves.toMatchObject({ code: 2, text: expect.stringContaining('--json takes no value') });
    // --name=value is read as the value it says.
    await store.claim({ key: 'billing:Refunds.run:' + hashValue('order-42'), token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    await expect(cli('invalidate', '--namespace=Refunds.run', '--key=order-42', '--prefix=billing', '--json')).resolves.toEqual({
      code: 0,
      text: JSON.stringify({ key: 'billing:Refunds.run:' + hashValue('order-42'), deleted: true }),
    });
    await expect(store.get('idempotency:Refunds.run:' + hashValue('order-42'))).resolves.toMatchObject({ status: 'IN_PROGRESS' });
    await store.delete('idempotency:Refunds.run:' + hashValue('order-42'));
  });

  it('lists claims without downloading stored results: a 5 MB result costs a few bytes, not 5 MB', async () => {
    const big = 'idempotency:Reports.build:' + hashValue('big');
    await store.claim({ key: big, token: 'big', leaseMs: 60_000, ttlMs: 60_000 });
    await store.complete({ key: big, token: 'big', payload: JSON.stringify('x'.repeat(5 * 1024 * 1024)), ttlMs: 60_000 });
    const admin = new Redis(server.port, '127.0.0.1', { password: PASSWORD });
    try {
      const sent = async (): Promise<number> => Number(/total_net_output_bytes:(\d+)/.exec(await admin.info('stats'))?.[1]);
      const before = await sent();
      const { code, text } = await cli('list-in-progress', '--json');
      const bytes = (await sent()) - before;
      expect(code).toBe(0);
      expect(JSON.parse(text)).toEqual([expect.objectContaining({ status: 'IN_PROGRESS' })]);
      expect(bytes).toBeLessThan(64 * 1024);
    } finally {
      await store.delete(big);
      admin.disconnect();
    }
  });

  it('runs as the installed bin (npx lambda-idempotency)', async () => {
    const out = await run(process.execPath, [join(ROOT, 'dist/cjs/cli/index.js'), 'inspect', '--namespace', 'Payments.charge', '--key', 'order-stuck', '--json'], { env: { REDIS_URL: url } });
    expect(JSON.parse(out)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await run(process.execPath, [join(ROOT, 'dist/cjs/cli/index.js'), '--help'])).toContain('Usage: lambda-idempotency');
  });
});

describe('lambda-idempotency CLI under the documented least-privilege ACL', () => {
  // The README's ACL: the library's commands, plus SCAN and GETRANGE for list-in-progress.
  const CLI_ACL = ['~idempotency:*', '+set', '+get', '+del', '+pttl', '+eval', '+evalsha', '+info', '+scan', '+getrange'];
  let server: RedisServer;
  let store: RedisStore;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--user', 'default', 'off', '--user', 'ops', 'on', `>${PASSWORD}`, ...CLI_ACL, '--user', 'admin', 'on', `>${PASSWORD}`, '~*', '+@all'] });
    store = new RedisStore(`redis://ops:${PASSWORD}@127.0.0.1:${server.port}`);
    await store.claim({ key: `idempotency:Payments.charge:${hashValue('held')}`, token: 't1', leaseMs: 60_000, ttlMs: 60_000 });
    await store.claim({ key: `idempotency:Payments.charge:${hashValue('done')}`, token: 't2', leaseMs: 60_000, ttlMs: 60_000 });
    await store.complete({ key: `idempotency:Payments.charge:${hashValue('done')}`, token: 't2', payload: '{"ok":true}', ttlMs: 60_000 });
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  async function cli(...args: string[]): Promise<{ code: number; text: string }> {
    const lines: string[] = [];
    const code = await main(args, { REDIS_URL: `redis://ops:${PASSWORD}@127.0.0.1:${server.port}` }, (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  }

  it('refuses a URL naming a database when the ACL has no SELECT, instead of acting on database 0', async () => {
    const admin = new Redis(server.port, '127.0.0.1', { username: 'admin', password: PASSWORD });
    try {
      const { code, text } = await cli('invalidate', '--namespace', 'Payments.charge', '--key', 'done', '--redis-url', `redis://ops:${PASSWORD}@127.0.0.1:${server.port}/3`);
      expect(code).toBe(1);
      expect(text).toContain('add +select');
      expect(text).not.toContain(PASSWORD);
      await expect(admin.get(`idempotency:Payments.charge:${hashValue('done')}`)).resolves.not.toBeNull();
    } finally {
      admin.disconnect();
    }
  });

  it('lists past a key under the prefix that is not a record (another Redis type)', async () => {
    const admin = new Redis(server.port, '127.0.0.1', { username: 'admin', password: PASSWORD });
    try {
      await admin.hset('idempotency:Payments.charge:not-a-record', 'a', 'b');
      await admin.set('idempotency:Payments.charge:also-not', 'x'); // a string, but not P| / C|
      const listed = await cli('list-in-progress', '--json');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.text)).toEqual([expect.objectContaining({ key: `idempotency:Payments.charge:${hashValue('held')}` })]);
    } finally {
      admin.disconnect();
    }
  });

  it('inspects, lists and invalidates with only those commands', async () => {
    await expect(cli('inspect', '--namespace', 'Payments.charge', '--key', 'done', '--json')).resolves.toMatchObject({ code: 0, text: expect.stringContaining('"status":"COMPLETED"') });
    await expect(cli('inspect', '--namespace', 'Payments.charge', '--key', 'held', '--json')).resolves.toMatchObject({ code: 0, text: expect.stringContaining('"status":"IN_PROGRESS"') });
    const listed = await cli('list-in-progress', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.text)).toEqual([expect.objectContaining({ key: `idempotency:Payments.charge:${hashValue('held')}` })]);
    await expect(cli('invalidate', '--namespace', 'Payments.charge', '--key', 'held', '--json')).resolves.toMatchObject({ code: 0, text: expect.stringContaining('"deleted":true') });
  });
});
