// What the bench scripts share: a free loopback port, a throwaway redis-server on it, the API
// Gateway v2 payment event and response every system is measured with, and the floor.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns redis-server (no persistence) on a free loopback port; resolves once it accepts connections. */
export async function startRedis() {
  const port = await freePort();
  const process = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => process.stdout.on('data', (c) => String(c).includes('Ready to accept') && resolve()));
  process.stdout.resume();
  return { port, url: `redis://127.0.0.1:${port}`, process, stop: () => process.kill('SIGKILL') };
}

/** The handler's own work: the payment response. */
export const paymentResponse = async () => ({ statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"paymentId":"pay_123"}' });

/** An API Gateway v2 payment request with `key` as its Idempotency-Key header. */
export const paymentEvent = (key) => ({ version: '2.0', rawPath: '/payments', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: '{"orderId":"o-1","amountCents":1999}' });

/**
 * The floor: the naive GET/SET plus the one Powertools Logger line per call that any idempotency
 * layer must write: the same fields and text as ours, through the caller's logger, at the same level.
 */
export function floorHandler(client, logger, inner) {
  return async (event, ctx) => {
    const startedAt = performance.now();
    const keyHash = createHash('sha256').update(JSON.stringify(event.headers['idempotency-key'])).digest('hex');
    const key = 'floor:' + keyHash;
    const cached = await client.get(key);
    if (cached !== null) {
      logger.info({ message: 'idempotency hit: replayed the stored result', decision: 'hit', namespace: 'charge', keyHash, durationMs: performance.now() - startedAt });
      return JSON.parse(cached);
    }
    const result = await inner(event, ctx);
    await client.set(key, JSON.stringify(result));
    logger.info({ message: 'idempotency miss: ran the method and stored its result', decision: 'miss', namespace: 'charge', keyHash, durationMs: performance.now() - startedAt });
    return result;
  };
}

/**
 * This library as the bench runs it: `makeIdempotent` over a RedisStore of its own on `url`, keyed
 * on the Idempotency-Key header, logging through a Powertools Logger. `name` names the function
 * (and so its records); `options` adds makeIdempotent options (e.g. `localCache`).
 */
export async function oursSystem(url, name = 'charge', options = {}) {
  const { makeIdempotent, RedisStore } = await import('lambda-idempotency');
  const { Logger } = await import('@aws-lambda-powertools/logger');
  const store = new RedisStore(url);
  const fn = makeIdempotent({ [name]: async (e) => paymentResponse(e) }[name], { key: 'headers.idempotency-key', store, logger: new Logger(), ...options });
  return { fn, close: () => store.close() };
}

/** The floor as the bench runs it: its own ioredis client on `url` (with `clientOptions`) and Logger. */
export async function floorSystem(url, clientOptions = {}) {
  const { Redis } = await import('ioredis');
  const { Logger } = await import('@aws-lambda-powertools/logger');
  const client = new Redis(url, clientOptions);
  return { fn: floorHandler(client, new Logger(), paymentResponse), close: async () => client.disconnect() };
}
