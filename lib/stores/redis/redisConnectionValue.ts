import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { describeValue } from '../../core/check';
import { IdempotencyConfigError } from '../../core/errors';

/**
 * What a connection provider returns, checked and turned into the ioredis fields it sets. The
 * value holds a password: no message here ever shows it, nor the URL, nor a parser's message
 * (Node's URL error carries the input).
 */

/**
 * Where and as whom to connect, as a connection provider may return it instead of a URL.
 *
 * @example
 * ```ts
 * const value: RedisConnectionOptions = { host: 'cache.example.com', port: 6379, username: 'app', password, tls: true };
 * ```
 */
export interface RedisConnectionOptions {
  /** The server's host name or address. */
  readonly host: string;
  /** @default 6379 */
  readonly port?: number;
  /** The ACL user; without it, `password` is the `default` user's. */
  readonly username?: string;
  readonly password?: string;
  /** @default 0 */
  readonly db?: number;
  /** `true` (or Node TLS options) for a TLS connection, as `rediss://` gives. @default false */
  readonly tls?: boolean | ConnectionOptions;
}

/**
 * A connection provider's value: a `redis://` or `rediss://` URL, or {@link RedisConnectionOptions}.
 *
 * @example
 * ```ts
 * const value: RedisConnectionValue = 'rediss://app:secret@cache.example.com:6379';
 * ```
 */
export type RedisConnectionValue = string | RedisConnectionOptions;

/** The ioredis options a connection provider's value sets on the store's client. */
export type ConnectionFields = Required<Pick<RedisOptions, 'host' | 'port' | 'db'>> & Pick<RedisOptions, 'username' | 'password' | 'tls'>;

const NOT_SHOWN = '(the value is not shown, as it holds credentials)';

function invalid(what: string): IdempotencyConfigError {
  return new IdempotencyConfigError(`Expected the connection provider of RedisStore to return a \`redis://\` or \`rediss://\` URL or { host, port, username, password }, got ${what} ${NOT_SHOWN}.`);
}

/**
 * The ioredis fields for a provider's value; `IdempotencyConfigError` (the value never shown) when
 * it is neither a `redis://`/`rediss://` URL nor options with a `host`.
 *
 * @example
 * ```ts
 * Object.assign(client.options, connectionFields(await provider({ refused: false })));
 * ```
 */
export function connectionFields(value: unknown): ConnectionFields {
  if (typeof value === 'string') return urlFields(value);
  if (value === null || typeof value !== 'object') throw invalid(describeValue(value));
  const options = value as Partial<RedisConnectionOptions>;
  if (typeof options.host !== 'string' || options.host === '') throw invalid('an object without a `host` string');
  const port = options.port ?? 6379;
  const db = options.db ?? 0;
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) throw invalid('an object whose `port` is not a port number');
  if (!Number.isSafeInteger(db) || db < 0) throw invalid('an object whose `db` is not a database index');
  if (options.password !== undefined && typeof options.password !== 'string') throw invalid('an object whose `password` is not a string');
  if (options.username !== undefined && typeof options.username !== 'string') throw invalid('an object whose `username` is not a string');
  const tls = options.tls === true ? {} : options.tls === false || options.tls === undefined ? undefined : options.tls;
  return { host: options.host, port, db, username: options.username || undefined, password: options.password, tls };
}

function urlFields(text: string): ConnectionFields {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('a string that is not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw invalid('a URL with another scheme (a Sentinel URL needs a client of your own)');
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isSafeInteger(db) || db < 0) throw invalid('a URL whose path is not a database index');
  const password = url.password === '' ? undefined : decoded(url.password);
  const username = url.username === '' || password === undefined ? undefined : decoded(url.username);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    db,
    username,
    password,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/** A URL's user or password, percent-decoded; a stray `%` is refused (decodeURIComponent's URIError would leave the store's errors). */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid('a URL whose user or password is not percent-encoded (encodeURIComponent it)');
  }
}
