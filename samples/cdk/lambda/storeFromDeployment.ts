import { RedisStore, type IdempotencyStore } from 'lambda-idempotency';
import { StoreEnvironment } from './environment';

/**
 * The store the stack deployed: `DynamoDBStore` on the table named by `IDEMPOTENCY_TABLE`, or
 * `RedisStore` on the URL held by the SSM parameter named by `REDIS_URL_PARAMETER`. Each store's
 * AWS SDK client (provided by the Lambda runtime) is loaded only when that store is used.
 *
 * @example
 * ```ts
 * configureIdempotency({ store: await storeFromDeployment() });
 * ```
 */
export async function storeFromDeployment(env: NodeJS.ProcessEnv = process.env): Promise<IdempotencyStore> {
  const tableName = env[StoreEnvironment.Table];
  if (tableName) {
    const { DynamoDBStore } = await import('lambda-idempotency/dynamodb');
    return new DynamoDBStore({ tableName });
  }
  const parameterName = env[StoreEnvironment.RedisUrlParameter];
  if (parameterName) return new RedisStore(await readRedisUrl(parameterName));
  throw new Error(`Expected ${StoreEnvironment.Table} or ${StoreEnvironment.RedisUrlParameter} in the environment: deploy the function with samples/cdk, which sets one.`);
}

/**
 * Reads the Redis URL once per container. `WithDecryption` also reads a SecureString (a URL with
 * an ACL password); the value never reaches a log line or an error message.
 */
async function readRedisUrl(parameterName: string): Promise<string> {
  const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  try {
    const out = await client.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }));
    const url = out.Parameter?.Value;
    if (!url) throw new Error(`The SSM parameter ${parameterName} has no value: put the Redis URL (rediss://...) in it.`);
    return url;
  } finally {
    client.destroy();
  }
}
