import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Logger } from '@aws-lambda-powertools/logger';
import { resetIdempotencyConfig } from '../../lib';
import { startLocalApi, type LocalApi } from '../../samples/server';
import { describeEachBackend } from '../helpers/stores';
import { freePort } from '../helpers/redisServer';

/** The README's curl session, made for real against the `npm start` server. */
const post = (api: LocalApi, key: string | undefined, body: unknown) =>
  fetch(`${api.url}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
    body: JSON.stringify(body),
  });

describeEachBackend('npm start local API', (backend) => {
  let api: LocalApi;
  beforeAll(async () => {
    api = await startLocalApi({ port: 0, store: backend().make(), logger: new Logger({ logLevel: 'SILENT' }) });
  });
  afterAll(async () => {
    await api.close();
    resetIdempotencyConfig();
  });

  it('runs the first POST, replays the repeat, rejects a changed body with 422, and answers 409 to a parallel duplicate', async () => {
    const key = `order-${randomUUID()}`;
    const order = { orderId: '42', amountCents: 1999 };

    const first = await post(api, key, order);
    expect(first.status).toBe(201);
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    const payment = await first.json();

    const repeat = await post(api, key, order);
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await repeat.json()).toEqual(payment);

    const changed = await post(api, key, { ...order, amountCents: 5 });
    expect(changed.status).toBe(422);
    expect(changed.headers.get('content-type')).toBe('application/problem+json');

    const parallelKey = `order-${randomUUID()}`;
    const [a, b] = await Promise.all([post(api, parallelKey, order), post(api, parallelKey, order)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect((a.status === 409 ? a : b).headers.get('Retry-After')).toMatch(/^\d+$/);

    const missing = await post(api, undefined, order);
    expect(missing.status).toBe(400);
    expect(api.payments.charges).toHaveLength(2);
  });
});

describe('npm start as a process', () => {
  it('serves the payments sample on PORT with the embedded store', async () => {
    const port = await freePort();
    const root = join(__dirname, '../..');
    const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'samples/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('listening')) resolve(out);
        });
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
      });
      expect(banner).toContain(`http://127.0.0.1:${port}`);
      expect(banner).toContain('embedded MemoryStore');
      const response = await fetch(`http://127.0.0.1:${port}/payments`, {
        method: 'POST',
        headers: { 'Idempotency-Key': 'k1', 'content-type': 'application/json' },
        body: '{"orderId":"1","amountCents":100}',
      });
      expect(response.status).toBe(201);
    } finally {
      child.kill();
    }
  });
});
