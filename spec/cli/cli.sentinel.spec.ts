import { hashValue, makeIdempotent, RedisStore } from '../../lib';
import { main } from '../../lib/cli';
import { CaptureLogger } from '../helpers/logger';
import { redisSentinel } from '../helpers/redisSentinel';

/** The CLI given a `redis+sentinel://` URL reaches the primary the sentinels name (one topology for the file). */
const topology = redisSentinel();
let url: string;
let store: RedisStore;

beforeAll(async () => {
  await topology.start();
  url = `redis+sentinel://${topology.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${topology.masterName}`;
  store = new RedisStore(url, { logger: new CaptureLogger() });
  const charge = makeIdempotent(async (e: { key: string }) => ({ paid: e.key }), { key: 'key', store, logger: new CaptureLogger(), name: 'Payments.charge' });
  await charge({ key: 'order-1' });
}, 45_000);

afterAll(async () => {
  await store?.close();
  await topology.stop();
});

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await main(args, env, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

describe('lambda-idempotency CLI with a redis+sentinel:// URL', () => {
  const key = `idempotency:Payments.charge:${hashValue('order-1')}`;

  it('inspects and invalidates a record on the primary the sentinels name', async () => {
    await expect(cli({ REDIS_URL: url }, 'inspect', '--namespace', 'Payments.charge', '--key', 'order-1', '--json')).resolves.toMatchObject({
      code: 0,
      text: expect.stringContaining('"status":"COMPLETED"'),
    });
    await expect(cli({}, 'invalidate', '--redis-url', url, '--record-key', key, '--json')).resolves.toEqual({ code: 0, text: JSON.stringify({ key, deleted: true }) });
    await expect(store.get(key)).resolves.toBeUndefined();
  });

  it('refuses a malformed Sentinel URL as a usage mistake (exit 2) before connecting, without echoing it', async () => {
    const { code, text } = await cli({ REDIS_URL: 'redis+sentinel://app:Hunter2-s3cret@s1:26379,s2:26379' }, 'inspect', '--record-key', key);
    expect(code).toBe(2);
    expect(text).toContain('names no master');
    expect(text).not.toMatch(/Hunter2|s1:26379/);
  });
});
