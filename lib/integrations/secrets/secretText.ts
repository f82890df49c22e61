import { IdempotencyConfigError } from '../../core/errors';
import type { RedisConnectionValue } from '../../stores/redis/redisConnectionValue';

/**
 * A secret's text as a Redis connection: a whole `redis://`/`rediss://` URL, or a JSON object with
 * `host`, `port`, `username` and `password` as the RDS and ElastiCache rotation templates write
 * them. Errors name the parameter or secret, never its value nor a parser's message (which quotes
 * the text it choked on).
 */

/**
 * Where to connect when a JSON secret does not say: an ElastiCache user's rotated secret holds only
 * `username` and `password`.
 *
 * @example
 * ```ts
 * secretsManagerConnection('prod/redis', { host: 'cache.example.com', port: 6379, tls: true });
 * ```
 */
export interface SecretDefaults {
  /** The server's host, unless the secret has `host`. */
  readonly host?: string | undefined;
  /** The port, unless the secret has `port`. @default 6379 */
  readonly port?: number | undefined;
  /** TLS (as `rediss://`), unless the secret has `tls` or `ssl`. @default false */
  readonly tls?: boolean | undefined;
}

interface JsonSecret {
  readonly host?: unknown;
  readonly port?: unknown;
  readonly username?: unknown;
  readonly password?: unknown;
  readonly tls?: unknown;
  readonly ssl?: unknown;
}

const FORMAT = 'a redis:// or rediss:// URL, or a JSON object with host, port, username and password';

function wrongFormat(source: string, got: string): IdempotencyConfigError {
  return new IdempotencyConfigError(`Expected ${source} to hold ${FORMAT}, got ${got} (the value is not shown).`);
}

/**
 * The connection a secret's text gives, for a `RedisStore` connection provider.
 *
 * @example
 * ```ts
 * connectionFromSecret('{"host":"cache","port":6379,"username":"app","password":"..."}', 'secret prod/redis', {});
 * ```
 */
export function connectionFromSecret(text: unknown, source: string, defaults: SecretDefaults): RedisConnectionValue {
  if (typeof text !== 'string') throw wrongFormat(source, text === undefined ? 'no value' : 'a binary value');
  const trimmed = text.trim();
  if (/^rediss?:\/\//i.test(trimmed)) return trimmed;
  if (!trimmed.startsWith('{')) throw wrongFormat(source, 'text that is neither');
  let json: JsonSecret;
  try {
    json = JSON.parse(trimmed) as JsonSecret;
  } catch {
    throw wrongFormat(source, 'text that is not valid JSON');
  }
  return fromJson(json, source, defaults);
}

function fromJson(json: JsonSecret, source: string, defaults: SecretDefaults): RedisConnectionValue {
  const host = json.host ?? defaults.host;
  if (typeof host !== 'string' || host === '') throw wrongFormat(source, 'JSON without a `host` (pass `host` in the options when the secret has none)');
  if (typeof json.password !== 'string') throw wrongFormat(source, 'JSON without a `password` string');
  if (json.username !== undefined && typeof json.username !== 'string') throw wrongFormat(source, 'JSON whose `username` is not a string');
  const port = Number(json.port ?? defaults.port ?? 6379);
  if (!Number.isSafeInteger(port)) throw wrongFormat(source, 'JSON whose `port` is not a number');
  const tls = json.tls ?? json.ssl ?? defaults.tls ?? false;
  return { host, port, username: json.username, password: json.password, tls: tls === true || tls === 'true' };
}
