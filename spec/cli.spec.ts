import { join } from 'node:path';
import { hashValue, makeIdempotent, RedisStore } from '../lib';
import { main } from '../lib/cli';
import { startRedisServer, type RedisServer } from './helpers/redisServer';
import { CaptureLogger } from './helpers/logger';
import { run } from './helpers/run';
import { sleep } from './helpers/lambda';

const PASSWORD = 'cli-Secret-Passw0rd';

describe('lambda-idempotency CLI', () => {
  let server: RedisServer;
  let url: string;
  let store: RedisStore;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--requirepass', PASSWORD] });
    url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    store = new RedisStore(url);
    const charge = makeIdempotent(async function charge(e: { key: string; slowMs?: number }) {
      if (e.slowMs) await sleep(e.slowMs);
      return { paid: e.key };
    }, { key: 'key', store, logger: new CaptureLogger(), name: 'Payments.charge', validate: 'key' });
    await charge({ key: 'order-1' });
    void charge({ key: 'order-stuck', slowMs: 2_000 });
    await sleep(50);
  });
  afterAll(async () => {
    await sleep(2_000);
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

  it('fails with a clear message and exit code 1, never echoing credentials', async () => {
    const wrong = await main(['inspect', '--record-key', 'x'], { REDIS_URL: `redis://:Wrong-${PASSWORD}@127.0.0.1:${server.port}` }, () => undefined);
    expect(wrong).toBe(1);
    const lines: string[] = [];
    await main(['inspect', '--record-key', 'x'], { REDIS_URL: `redis://:Wrong-${PASSWORD}@127.0.0.1:${server.port}` }, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/^error: /);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    await expect(cli('inspect', '--namespace', 'X.y')).resolves.toMatchObject({ code: 1, text: expect.stringContaining('exactly one of --key / --key-json') });
    await expect(cli('frobnicate')).resolves.toMatchObject({ code: 1, text: expect.stringContaining('Unknown command') });
    await expect(main(['inspect', '--record-key', 'x'], {}, () => undefined)).resolves.toBe(1);
  });

  it('runs as the installed bin (npx lambda-idempotency)', async () => {
    const out = await run(process.execPath, [join(__dirname, '../dist/cjs/cli.js'), 'inspect', '--namespace', 'Payments.charge', '--key', 'order-stuck', '--json'], { env: { REDIS_URL: url } });
    expect(JSON.parse(out)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await run(process.execPath, [join(__dirname, '../dist/cjs/cli.js'), '--help'])).toContain('Usage: lambda-idempotency');
  });
});
