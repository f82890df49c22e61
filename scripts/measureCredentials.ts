/**
 * What reading the Redis password from SSM costs a container, measured against the local stand-in
 * for AWS (spec/helpers/awsStandIn.ts, loopback: no network latency, no KMS, no signature check)
 * and a spawned redis-server: `npx ts-node --transpile-only scripts/measureCredentials.ts`.
 * Against real SSM add the region's round trip (typically a few ms from inside the region, more
 * from a VPC through a NAT or an interface endpoint).
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { Redis } from 'ioredis';
import { RedisStore } from '../lib';
import { ssmConnection } from '../lib/integrations/secrets';
import { startAwsStandIn, standInClientConfig } from '../spec/helpers/awsStandIn';
import { startRedisServer } from '../spec/helpers/redisServer';

const RUNS = 50;

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return `median ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms (n=${samples.length})`;
}

async function timed(body: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const server = await startRedisServer();
  const admin = new Redis(server.url);
  const aws = await startAwsStandIn();
  const password = 'measure-only-password';
  await admin.acl('SETUSER', 'app', 'on', `>${password}`, '~*', '+@all');
  const url = `redis://app:${password}@127.0.0.1:${server.port}`;
  aws.putParameter('/measure/redis-url', url);
  const claim = (store: RedisStore, i: number): Promise<unknown> => store.claim({ key: `measure:${Date.now()}:${i}`, token: 't', leaseMs: 5_000, ttlMs: 5_000 });
  const fresh = { url: [] as number[], ssm: [] as number[], newClient: [] as number[], warm: [] as number[] };
  // Warm up module loading (SDK, Powertools) so it is not counted in the first sample.
  await claim(new RedisStore(ssmConnection('/measure/redis-url', { provider: new SSMProvider({ clientConfig: standInClientConfig(aws.endpoint) }) })), -1);
  for (let i = 0; i < RUNS; i++) {
    const byUrl = new RedisStore(url);
    fresh.url.push(await timed(() => claim(byUrl, i)));
    await byUrl.close();
    const provider = new SSMProvider({ clientConfig: standInClientConfig(aws.endpoint) });
    const bySsm = new RedisStore(ssmConnection('/measure/redis-url', { provider }));
    fresh.ssm.push(await timed(() => claim(bySsm, i)));
    await bySsm.close();
    const another = new SSMProvider({ clientConfig: standInClientConfig(aws.endpoint) });
    fresh.newClient.push(await timed(() => another.get('/measure/redis-url', { decrypt: true })));
    fresh.warm.push(await timed(() => another.get('/measure/redis-url', { decrypt: true, forceFetch: true })));
  }
  console.log(`first call, store from a URL:                 ${summary(fresh.url)}`);
  console.log(`first call, store from ssmConnection:         ${summary(fresh.ssm)}`);
  console.log(`GetParameter on a new SDK client (cold):      ${summary(fresh.newClient)}`);
  console.log(`GetParameter on a warm client (the refetch):  ${summary(fresh.warm)}`);
  admin.disconnect();
  await aws.close();
  await server.stop();
}

void main();
