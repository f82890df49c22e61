import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startAwsStandIn, standInEnv, type AwsStandIn } from '../helpers/awsStandIn';
import { lastJson, run } from '../helpers/run';
import { startRedisServer, type RedisServer } from '../helpers/redisServer';

/**
 * samples/secrets run as a process, the AWS SDK's default clients pointed at the local stand-in
 * for AWS by the SDK's own endpoint variables (AWS_ENDPOINT_URL_SSM, ..._SECRETS_MANAGER) and fake
 * credentials, the Redis password never in the environment nor in the output.
 */
describe('samples/secrets', () => {
  let server: RedisServer;
  let admin: Redis;
  let aws: AwsStandIn;
  const password = `pw-${randomUUID()}`;
  const root = join(__dirname, '..', '..');
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    await admin.acl('SETUSER', 'payments', 'on', `>${password}`, '~*', '+@all');
    aws = await startAwsStandIn();
    aws.putParameter('/payments/redis-url', `redis://payments:${password}@127.0.0.1:${server.port}`);
    aws.putSecret('payments/redis', JSON.stringify({ username: 'payments', password }));
  });
  afterAll(async () => {
    admin.disconnect();
    await aws.close();
    await server.stop();
  });

  it.each([
    ['an SSM SecureString URL', { REDIS_URL_PARAMETER: '/payments/redis-url' }, 'GetParameter /payments/redis-url'],
    ['an ElastiCache-style Secrets Manager secret', { REDIS_SECRET_ID: 'payments/redis', REDIS_HOST: '127.0.0.1', REDIS_PORT: 'spawned', REDIS_TLS: 'false' }, 'GetSecretValue payments/redis'],
  ])('charges once and replays, with the password from %s, never printed', async (_what, env, request) => {
    const before = aws.requests.get(request) ?? 0;
    // Only this test's variables: no REDIS_URL, no password in the process's environment.
    const vars = { ...standInEnv(aws.endpoint), ...env, ...('REDIS_PORT' in env ? { REDIS_PORT: String(server.port) } : {}) };
    // ts-node run by node itself (not through npx), so the timeout ends the process that holds the connection.
    const out = await run(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'samples/secrets/invoke.ts'], { cwd: root, env: vars, timeoutMs: 50_000 });
    expect(lastJson(out)).toMatchObject({ first: 1999, replayed: true, other: 500 });
    expect(aws.requests.get(request)).toBe(before + 1);
    expect(out).not.toContain(password);
  });
});
