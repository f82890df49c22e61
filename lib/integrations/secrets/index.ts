/**
 * `lambda-idempotency/secrets`: connection providers for `RedisStore` that read the Redis
 * credentials from SSM Parameter Store or Secrets Manager through Powertools Parameters, so the
 * password is not in the function's configuration and can be rotated. Needs
 * `@aws-lambda-powertools/parameters` and the AWS SDK client it uses (`@aws-sdk/client-ssm` or
 * `@aws-sdk/client-secrets-manager`), loaded on the first call; the root import never loads them.
 *
 * @module lambda-idempotency/secrets
 */
import { expectPositiveInteger } from '../../core/check';
import { IdempotencyConfigError } from '../../core/errors';
import type { RedisConnectionProvider } from '../../stores/redis/redisConnection';
import { connectionFromSecret, type SecretDefaults } from './secretText';

export type { SecretDefaults } from './secretText';

/**
 * What the providers need of a Powertools parameter provider: `SSMProvider` and `SecretsProvider`
 * fit (declared here so this module's types do not require the optional peer to be installed).
 *
 * @example
 * ```ts
 * const provider: ParameterReader = new SSMProvider({ clientConfig: { region: 'eu-west-1' } });
 * ```
 */
export interface ParameterReader {
  /** The parameter's or secret's value (decrypted), from the cache unless `forceFetch` or older than `maxAge` seconds. */
  get(name: string, options: { maxAge: number; forceFetch: boolean; decrypt?: boolean }): Promise<unknown>;
}

/**
 * Options of {@link ssmConnection}.
 *
 * @example
 * ```ts
 * ssmConnection('/prod/redis-url', { maxAgeSeconds: 900 });
 * ```
 */
export interface SsmConnectionOptions extends SecretDefaults {
  /**
   * How long Powertools keeps the value, in seconds. The store asks only on its first use and when
   * Redis refuses the password (then past this cache), so this matters to stores that share it.
   * @default 300
   */
  readonly maxAgeSeconds?: number | undefined;
  /** The Powertools provider to read with (your client configuration). @default one `SSMProvider` per module, made on first use */
  readonly provider?: ParameterReader | undefined;
}

/**
 * Options of {@link secretsManagerConnection}.
 *
 * @example
 * ```ts
 * secretsManagerConnection('prod/redis', { host: 'cache.example.com', tls: true });
 * ```
 */
export interface SecretsManagerConnectionOptions extends SecretDefaults {
  /** How long Powertools keeps the value, in seconds (see {@link SsmConnectionOptions.maxAgeSeconds}). @default 300 */
  readonly maxAgeSeconds?: number | undefined;
  /** The Powertools provider to read with. @default one `SecretsProvider` per module, made on first use */
  readonly provider?: ParameterReader | undefined;
}

/** The optional peer, or an error that says what to install. */
function load<T>(module: Promise<T>, client: string): Promise<T> {
  return module.catch(() => {
    throw new IdempotencyConfigError(`lambda-idempotency/secrets needs @aws-lambda-powertools/parameters and ${client}: npm install @aws-lambda-powertools/parameters ${client}`);
  });
}

let sharedSsm: Promise<ParameterReader> | undefined;
let sharedSecrets: Promise<ParameterReader> | undefined;

/**
 * A connection from an SSM parameter (a SecureString, decrypted; needs `ssm:GetParameter` and
 * `kms:Decrypt` on its key) holding a `rediss://user:password@host:port` URL or the JSON
 * {@link secretsManagerConnection} reads. Fetched with Powertools' cache (`maxAgeSeconds`), and
 * past it (`forceFetch`) when Redis refused the password the store has.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'lambda-idempotency';
 * import { ssmConnection } from 'lambda-idempotency/secrets';
 *
 * const store = new RedisStore(ssmConnection('/prod/payments/redis-url'));
 * ```
 */
export function ssmConnection(name: string, options: SsmConnectionOptions = {}): RedisConnectionProvider {
  const maxAge = expectPositiveInteger('maxAgeSeconds', options.maxAgeSeconds ?? 300);
  return async ({ refused }) => {
    sharedSsm ??= load(import('@aws-lambda-powertools/parameters/ssm'), '@aws-sdk/client-ssm').then((m) => new m.SSMProvider());
    const provider = options.provider ?? (await sharedSsm);
    const text: unknown = await provider.get(name, { decrypt: true, maxAge, forceFetch: refused });
    return connectionFromSecret(text, `SSM parameter ${name}`, options);
  };
}

/**
 * A connection from a Secrets Manager secret (needs `secretsmanager:GetSecretValue`, and
 * `kms:Decrypt` for a customer-managed key): a whole `rediss://` URL, or JSON with `host`,
 * `port`, `username` and `password` as the RDS and ElastiCache rotation templates write (an
 * ElastiCache user's secret has no `host`: pass it in the options). Cached and refetched as
 * {@link ssmConnection}.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'lambda-idempotency';
 * import { secretsManagerConnection } from 'lambda-idempotency/secrets';
 *
 * const store = new RedisStore(secretsManagerConnection('prod/payments/redis', { host: process.env.REDIS_HOST, tls: true }));
 * ```
 */
export function secretsManagerConnection(secretId: string, options: SecretsManagerConnectionOptions = {}): RedisConnectionProvider {
  const maxAge = expectPositiveInteger('maxAgeSeconds', options.maxAgeSeconds ?? 300);
  return async ({ refused }) => {
    sharedSecrets ??= load(import('@aws-lambda-powertools/parameters/secrets'), '@aws-sdk/client-secrets-manager').then((m) => new m.SecretsProvider());
    const provider = options.provider ?? (await sharedSecrets);
    const text: unknown = await provider.get(secretId, { maxAge, forceFetch: refused });
    return connectionFromSecret(text, `secret ${secretId}`, options);
  };
}
