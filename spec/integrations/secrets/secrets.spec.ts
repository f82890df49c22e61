import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { Redis } from 'ioredis';
import { IdempotencyConfigError, IdempotencyStoreError, makeIdempotent, RedisStore } from 'lambda-idempotency';
import { secretsManagerConnection, ssmConnection } from 'lambda-idempotency/secrets';
import { startAwsStandIn, standInClientConfig, type AwsStandIn } from '../../helpers/awsStandIn';
import { CaptureLogger } from '../../helpers/logger';
import { startRedisServer, type RedisServer } from '../../helpers/redisServer';

/**
 * The SSM and Secrets Manager connection providers, through Powertools Parameters and the real AWS
 * SDK v3 clients, against a local stand-in for AWS (spec/helpers/awsStandIn.ts) and a real
 * redis-server with an ACL user: each value format connects, each failure fails the call without
 * running the method, and no failure shows the password or the secret's value.
 */

const key = (): string => `idempotency:Secrets.test:${randomUUID()}`;
const claim = (store: RedisStore): Promise<unknown> => store.claim({ key: key(), token: 'tok', leaseMs: 5_000, ttlMs: 5_000 });

function failureOf(call: Promise<unknown>): Promise<Error> {
  return call.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (e: unknown) => e as Error,
  );
}

describe('lambda-idempotency/secrets against a stand-in for AWS', () => {
  let server: RedisServer;
  let admin: Redis;
  let aws: AwsStandIn;
  const password = `pw-${randomUUID()}`;
  const stores: RedisStore[] = [];
  const ssm = (): SSMProvider => new SSMProvider({ clientConfig: standInClientConfig(aws.endpoint) });
  const secrets = (): SecretsProvider => new SecretsProvider({ clientConfig: standInClientConfig(aws.endpoint) });
  const open = (provider: ConstructorParameters<typeof RedisStore>[0], providerTimeoutMs?: number): RedisStore => {
    const store = new RedisStore(provider, providerTimeoutMs === undefined ? {} : { providerTimeoutMs });
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    await admin.acl('SETUSER', 'app', 'on', `>${password}`, '~*', '+@all');
    aws = await startAwsStandIn();
  });
  afterEach(async () => {
    aws.failWith(undefined);
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    admin.disconnect();
    await aws.close();
    await server.stop();
  });

  it('connects with a SecureString URL from SSM, decrypted', async () => {
    aws.putParameter('/test/redis-url', `redis://app:${password}@127.0.0.1:${server.port}`);
    await expect(claim(open(ssmConnection('/test/redis-url', { provider: ssm() })))).resolves.toMatchObject({ outcome: 'claimed' });
  });

  it.each([
    ['a whole URL', () => `redis://app:${password}@127.0.0.1:${server.port}`, {}],
    ['JSON as the RDS rotation template writes it', () => JSON.stringify({ engine: 'redis', host: '127.0.0.1', port: server.port, username: 'app', password, dbname: '0' }), {}],
    ['JSON of an ElastiCache user (no host: from the options)', () => JSON.stringify({ user_arn: 'arn:aws:elasticache:us-east-1:000000000000:user:app', username: 'app', password }), { host: '127.0.0.1' }],
  ])('connects with a Secrets Manager secret holding %s', async (_what, value, defaults) => {
    const id = `test/redis-${randomUUID()}`;
    aws.putSecret(id, value());
    const options = { ...defaults, port: server.port, provider: secrets() };
    await expect(claim(open(secretsManagerConnection(id, options)))).resolves.toMatchObject({ outcome: 'claimed' });
  });

  it('uses the Powertools cache across stores sharing a provider, and skips it when Redis refused the password', async () => {
    const name = `/test/cached-${randomUUID()}`;
    aws.putParameter(name, `redis://app:${password}@127.0.0.1:${server.port}`);
    const provider = ssm();
    await claim(open(ssmConnection(name, { provider })));
    await claim(open(ssmConnection(name, { provider })));
    expect(aws.requests.get(`GetParameter ${name}`)).toBe(1);
    await ssmConnection(name, { provider })({ refused: true });
    expect(aws.requests.get(`GetParameter ${name}`)).toBe(2);
  });

  it.each([
    ['a parameter that does not exist', () => ssmConnection(`/test/missing-${randomUUID()}`, { provider: ssm() }), IdempotencyConfigError, /connection provider failed \(GetParameterError: ParameterNotFound/],
    ['access denied', () => (aws.failWith('AccessDeniedException'), secretsManagerConnection('test/any', { provider: secrets() })), IdempotencyConfigError, /connection provider failed \(GetParameterError: AccessDeniedException/],
    ['throttling (an outage)', () => (aws.failWith('ThrottlingException'), secretsManagerConnection('test/any', { provider: secrets() })), IdempotencyStoreError, /connection provider failed \(GetParameterError, see/],
  ])('%s fails the call with %p, the method not run', async (_what, provider, type, reason) => {
    let runs = 0;
    const logger = new CaptureLogger();
    const fn = makeIdempotent(async (event: { id: string }) => ((runs += 1), event.id), { key: 'id', store: open(provider()), logger, name: `secrets${randomUUID().slice(0, 8)}` });
    const error = await failureOf(fn({ id: randomUUID() }));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(reason);
    expect(runs).toBe(0);
  });

  it.each([
    ['a parameter that does not exist', () => ssmConnection(`/test/missing-${randomUUID()}`, { provider: ssm() })],
    ['access denied', () => (aws.failWith('AccessDeniedException'), secretsManagerConnection('test/any', { provider: secrets() }))],
  ])("%s never runs the method unprotected, even with onStoreError 'continue' (it is no outage: every call would)", async (_what, provider) => {
    let runs = 0;
    const store = open(provider());
    const fn = makeIdempotent(async (event: { id: string }) => ((runs += 1), event.id), { key: 'id', store, logger: new CaptureLogger(), onStoreError: 'continue', name: `open${randomUUID().slice(0, 8)}` });
    const error = await failureOf(fn({ id: randomUUID() }));
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect(runs).toBe(0);
  });

  it('an endpoint that never answers fails the call within providerTimeoutMs', async () => {
    aws.failWith('hang');
    const error = await failureOf(claim(open(ssmConnection('/test/hangs', { provider: ssm() }), 300)));
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect(error.message).toMatch(/did not answer within 300 ms/);
  });

  it.each([
    ['text that is neither a URL nor JSON', (secret: string) => `app:${secret}`, /text that is neither/],
    ['JSON that does not parse', (secret: string) => `{"password": "${secret}"`, /not valid JSON/],
    ['JSON without a password', (secret: string) => JSON.stringify({ host: '127.0.0.1', pass: secret }), /without a `password`/],
    ['JSON without a host', (secret: string) => JSON.stringify({ username: 'app', password: secret }), /without a `host`/],
  ])('a secret holding %s is IdempotencyConfigError naming the secret, never its value', async (_what, value, reason) => {
    const secret = `pw-${randomUUID()}`;
    const id = `test/bad-${randomUUID()}`;
    aws.putSecret(id, value(secret));
    const logger = new CaptureLogger();
    const store = open(secretsManagerConnection(id, { provider: secrets() }));
    const fn = makeIdempotent(async (event: { id: string }) => event.id, { key: 'id', store, logger, name: `bad${randomUUID().slice(0, 8)}` });
    const error = await failureOf(fn({ id: randomUUID() }));
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect(error.message).toContain(`secret ${id}`);
    expect(error.message).toMatch(reason);
    const shown = `${inspect(error, { depth: 8 })} ${JSON.stringify(logger.lines)}`;
    expect(shown).not.toContain(secret);
  });

  it('a refused password fails without showing it, after one refetch', async () => {
    const wrong = `pw-${randomUUID()}`;
    const name = `/test/wrong-${randomUUID()}`;
    aws.putParameter(name, `redis://app:${wrong}@127.0.0.1:${server.port}`);
    const logger = new CaptureLogger();
    const store = open(ssmConnection(name, { provider: ssm() }));
    const fn = makeIdempotent(async (event: { id: string }) => event.id, { key: 'id', store, logger, name: `wrong${randomUUID().slice(0, 8)}` });
    const error = await failureOf(fn({ id: randomUUID() }));
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect(error.message).toMatch(/WRONGPASS/);
    expect(aws.requests.get(`GetParameter ${name}`)).toBe(2);
    expect(`${inspect(error, { depth: 8 })} ${JSON.stringify(logger.lines)}`).not.toContain(wrong);
  });

  it('rejects a maxAgeSeconds that is not a positive integer, up front', () => {
    expect(() => ssmConnection('/x', { maxAgeSeconds: 0 })).toThrow('Expected `maxAgeSeconds` to be a positive integer, got 0');
  });
});
