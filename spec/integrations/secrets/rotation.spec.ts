import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { Redis } from 'ioredis';
import { makeIdempotent, RedisStore, type RedisConnectionProvider } from 'lambda-idempotency';
import { secretsManagerConnection, ssmConnection } from 'lambda-idempotency/secrets';
import { startAwsStandIn, standInClientConfig, type AwsStandIn } from '../../helpers/awsStandIn';
import { CaptureLogger } from '../../helpers/logger';
import { startRedisServer, type RedisServer } from '../../helpers/redisServer';

/**
 * A password rotation under load, end to end: a real redis-server with an ACL user, the real AWS
 * SDK v3 clients through Powertools Parameters against a local stand-in for AWS, four containers
 * (each its own store and Powertools provider: two on SSM, two on Secrets Manager), 200 invocations
 * at concurrency 16. Midway the password rotates as a rotation function runs it (the user gets the
 * new password too, the secret and the parameter are updated, the old password is removed) and the
 * containers' connections drop, between invocations (a frozen container's idle connection closed;
 * a drop under a command in flight is a timed-out call whose fate is unknown, which the store
 * never retries: spec/stores/redis/RedisStore.provider.spec.ts).
 */

interface Container {
  readonly store: RedisStore;
  readonly fetches: { first: number; refused: number };
  readonly handler: (event: { orderId: string }) => Promise<string>;
}

const INVOCATIONS = 200;
const CONCURRENCY = 16;
const UNIQUE = 150;

describe('a password rotation under load', () => {
  let server: RedisServer;
  let admin: Redis;
  let aws: AwsStandIn;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    aws = await startAwsStandIn();
  });
  afterAll(async () => {
    admin.disconnect();
    await aws.close();
    await server.stop();
  });

  it('runs no method twice, fails no call, and refetches once per container', async () => {
    const [oldPassword, newPassword] = [`pw-old-${randomUUID()}`, `pw-new-${randomUUID()}`];
    const user = `app-${randomUUID().slice(0, 8)}`;
    const [parameter, secret] = [`/rotation/${user}/redis-url`, `rotation/${user}/redis`];
    const publish = (password: string): void => {
      aws.putParameter(parameter, `redis://${user}:${password}@127.0.0.1:${server.port}`);
      aws.putSecret(secret, JSON.stringify({ engine: 'redis', host: '127.0.0.1', port: server.port, username: user, password }));
    };
    await admin.acl('SETUSER', user, 'on', `>${oldPassword}`, '~*', '+@all');
    publish(oldPassword);

    const logger = new CaptureLogger();
    const printed: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(inspect(args))));
    const runs = new Map<string, number>();
    // Every claim attempt, retries included (the store routes each call through its provider's connection at construction).
    const attempts = jest.spyOn(RedisStore.prototype, 'claim');
    const containers = [0, 1, 2, 3].map((i): Container => {
      const fetches = { first: 0, refused: 0 };
      const source =
        i % 2 === 0
          ? ssmConnection(parameter, { provider: new SSMProvider({ clientConfig: standInClientConfig(aws.endpoint) }) })
          : secretsManagerConnection(secret, { provider: new SecretsProvider({ clientConfig: standInClientConfig(aws.endpoint) }) });
      const counted: RedisConnectionProvider = (request) => ((request.refused ? fetches.refused++ : fetches.first++), source(request));
      const store = new RedisStore(counted, { logger });
      const charge = async (event: { orderId: string }): Promise<string> => {
        runs.set(event.orderId, (runs.get(event.orderId) ?? 0) + 1);
        return `charged ${event.orderId}`;
      };
      return { store, fetches, handler: makeIdempotent(charge, { key: 'orderId', store, logger, name: 'rotationCharge' }) };
    });

    const failures: Array<{ index: number; error: unknown }> = [];
    const results: string[] = [];
    const orders = Array.from({ length: UNIQUE }, () => `order-${randomUUID()}`);
    let next = 0;
    let gate: Promise<void> | undefined;
    let inFlight = 0;
    let idle: (() => void) | undefined;
    const rotateWhenIdle = async (): Promise<void> => {
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      // A rotation function's steps: both passwords valid, the secret updated, the old one removed.
      await admin.acl('SETUSER', user, `>${newPassword}`);
      publish(newPassword);
      await admin.acl('SETUSER', user, `<${oldPassword}`);
      await admin.client('KILL', 'USER', user);
      for (const end = Date.now() + 5_000; containers.some((c) => c.store.client.status === 'ready') && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    };
    const worker = async (): Promise<void> => {
      for (let index = next++; index < INVOCATIONS; index = next++) {
        if (index === INVOCATIONS / 2) gate = rotateWhenIdle();
        if (index >= INVOCATIONS / 2) await gate;
        const container = containers[index % containers.length] as Container;
        // The last 50 repeat orders of the first 50: replays, through another container.
        const orderId = orders[index < UNIQUE ? index : index - UNIQUE] as string;
        inFlight++;
        try {
          results.push(await container.handler({ orderId }));
        } catch (error) {
          failures.push({ index, error });
        } finally {
          if (--inFlight === 0) idle?.();
        }
      }
    };
    let claimAttempts = 0;
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      claimAttempts = attempts.mock.calls.length;
    } finally {
      spies.forEach((spy) => spy.mockRestore());
      attempts.mockRestore();
      await Promise.all(containers.map((c) => c.store.close()));
    }

    expect(failures.map(({ index, error }) => `${index}: ${String(error)}`)).toEqual([]);
    expect(results).toHaveLength(INVOCATIONS);
    // Concurrent rejections: every container's first calls after the drop were refused together (a
    // claim each at least), and one fetch served them all.
    const retriedClaims = claimAttempts - INVOCATIONS;
    if (process.env.SHOW_ROTATION === '1') process.stdout.write(`retried claims: ${retriedClaims}\n`);
    expect(retriedClaims).toBeGreaterThanOrEqual(containers.length);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(UNIQUE);
    expect(containers.map((c) => c.fetches)).toEqual(containers.map(() => ({ first: 1, refused: 1 })));
    // Two SSM containers and two Secrets Manager containers, each: one fetch at first use, one after the refusal.
    expect(aws.requests.get(`GetParameter ${parameter}`)).toBe(4);
    expect(aws.requests.get(`GetSecretValue ${secret}`)).toBe(4);
    const everything = `${JSON.stringify(logger.lines)} ${printed.join(' ')}`;
    expect(everything).not.toContain(oldPassword);
    expect(everything).not.toContain(newPassword);
  });
});
