import { makeIdempotent, RedisStore, type RedisConnectionProvider } from 'lambda-idempotency';
import { secretsManagerConnection, ssmConnection } from 'lambda-idempotency/secrets';

/**
 * A Lambda handler whose Redis password lives in SSM Parameter Store (a SecureString holding
 * `rediss://user:password@host:port`) or in Secrets Manager (REDIS_SECRET_ID: a URL, or the JSON a
 * rotation function writes), never in the function's environment. The store fetches it on the
 * first invocation of each container and again only when Redis refuses it (after a rotation).
 * Needs @aws-lambda-powertools/parameters and the SDK client of the store you use.
 */
function connection(): RedisConnectionProvider {
  const secretId = process.env.REDIS_SECRET_ID;
  if (secretId !== undefined && secretId !== '') {
    // An ElastiCache user's rotated secret holds username and password only: the endpoint comes from the stack.
    return secretsManagerConnection(secretId, { host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT ?? 6379), tls: process.env.REDIS_TLS !== 'false' });
  }
  return ssmConnection(process.env.REDIS_URL_PARAMETER ?? '/payments/redis-url');
}

// Module scope: one store, one connection, one fetch per container.
export const store = new RedisStore(connection());

export const handler = makeIdempotent(
  async function chargeOrder(event: { orderId: string; amountCents: number }) {
    return { orderId: event.orderId, charged: event.amountCents, at: new Date().toISOString() };
  },
  { key: 'orderId', store },
);
