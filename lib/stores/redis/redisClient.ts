import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { describeValue, expectPositiveInteger } from '../../core/check';
import { IdempotencyConfigError } from '../../core/errors';
import type { IdempotencyLogger, StoreWarningLine } from '../../core/log';
import { isLoggerOption, toIdempotencyLogger, type LoggerOption } from '../../core/loggerShape';
import type { IdempotencyStore } from '../IdempotencyStore';
import { ProvidedConnection, routeThrough, type RedisConnectionProvider } from './redisConnection';

// RedisStore's: how it marks a failure to retry after a refused password (see redisConnection.ts).
export { markIfRefusedUnrun, type RedisConnectionProvider } from './redisConnection';
import type { RedisDurability } from './redisDurability';
import { reconnectOnFailover } from './redisErrors';
import { isSentinelUrl, parseSentinelUrl } from './sentinelUrl';

/**
 * How `RedisStore` gets its client: the options, the Lambda-friendly ioredis defaults it builds a
 * client from a URL with, and the checks of a client or logger it is given.
 */

/**
 * Options of {@link RedisStore}. The timeouts and `redisOptions` apply when the store builds its
 * own client from a URL; `logger` applies to every store.
 *
 * @example
 * ```ts
 * new RedisStore('rediss://cache.example.com:6380', { commandTimeoutMs: 500, logger });
 * ```
 */
export interface RedisStoreOptions {
  /**
   * How long to wait for a TCP (and TLS) connection, in milliseconds.
   * @default 1000
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long to wait for any reply, in milliseconds, so a stalled connection fails instead of
   * hanging until the Lambda timeout.
   * @default 1000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Further ioredis options, applied over the Lambda-friendly defaults ({@link lambdaRedisOptions});
   * `autoResendUnfulfilledCommands: true` here brings back the resend that can lock a key.
   * @default {}
   */
  readonly redisOptions?: RedisOptions;
  /**
   * Where the store's set-up warnings go (one line each, at warn level): a Redis that may evict
   * records, and stores built per invocation. See {@link StoreWarningLine}.
   * @default the library's default Powertools Logger
   */
  readonly logger?: LoggerOption;
  /**
   * Wait until this many replicas have each new claim and each result (Redis `WAIT`), so a
   * failover cannot lose them; off by default. See {@link RedisDurability}.
   * @default undefined (a write is acknowledged by the primary alone)
   */
  readonly durability?: RedisDurability;
  /**
   * How long a connection provider (see {@link RedisConnectionProvider}) may take, in milliseconds;
   * a call whose provider takes longer fails with `IdempotencyStoreError` (its method does not run).
   * @default 3000
   */
  readonly providerTimeoutMs?: number;
}

/**
 * Either ioredis client kind: standalone or Cluster.
 *
 * @example
 * ```ts
 * const client: RedisClient = new Cluster([{ host: 'cache.example.com', port: 6379 }]);
 * ```
 */
export type RedisClient = Redis | Cluster;

/**
 * The Lambda-friendly ioredis defaults `RedisStore` uses when it builds the client from a URL:
 * bounded connect and command time, and a command fails after one reconnect attempt instead of
 * queueing for ~20 (which is 74 s against a dead port with ioredis 6's own defaults). Each command
 * is sent at most once (`autoResendUnfulfilledCommands: false`): one whose reply a dropped
 * connection lost fails with its timeout instead of being sent again on the next connection, where
 * it could land after the engine gave the call up and released it. After a failover (`READONLY`
 * replies) the client reconnects, so a managed endpoint's DNS leads it to the new primary. For a
 * Sentinel client the same bounds hold for the sentinels (connect and command timeout per sentinel,
 * and the client keeps asking them, so it finds the promoted primary without a new client).
 *
 * @example
 * ```ts
 * const client = new Redis(url, lambdaRedisOptions({ commandTimeoutMs: 500 }));
 * new RedisStore(client);
 * ```
 */
export function lambdaRedisOptions(options: RedisStoreOptions = {}): RedisOptions {
  const connectTimeoutMs = expectPositiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 1000);
  const commandTimeoutMs = expectPositiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 1000);
  return {
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 1000),
    lazyConnect: true,
    // Auto-pipelining defers each command to the next tick: +30 us per sequential call, measured.
    enableAutoPipelining: false,
    // How long close() waits for a dead socket to end before destroying it (ioredis: 2 s).
    disconnectTimeout: 200,
    // Timeline (ioredis' default, true): claim written → the connection drops → the claim times out
    // → the engine's release queues offline and is rejected when the queue is flushed → the
    // connection comes back → ioredis resends the claim alone → the key is locked for the lease,
    // owned by nobody. Without the resend the timed-out claim stays failed; its release, sent on
    // the new connection, removes it if it had landed. ioredis then forgets such a command without
    // settling it: only `commandTimeout` (always set here) fails it. Commands waiting offline were
    // never sent; they go out once, in order, the release behind its claim.
    autoResendUnfulfilledCommands: false,
    reconnectOnError: reconnectOnFailover,
    ...sentinelDefaults(commandTimeoutMs),
    ...options.redisOptions,
  };
}

/**
 * What a Sentinel client needs in a Lambda (other clients ignore it). On every (re)connect ioredis
 * asks the sentinels, one after another, for the primary: each within `connectTimeout`, and with
 * this command timeout (ioredis: none, so a sentinel that accepts the connection and never answers
 * would hold every reconnect for ever, tested). Calls meanwhile wait offline and fail at
 * `commandTimeout`. Left at ioredis' defaults, on purpose: `sentinelRetryStrategy` (after every
 * sentinel failed, try again within 1 s, for ever; `null` would end the client for good, so every
 * later call fails until a cold start), and `failoverDetector` off (it holds one more connection per
 * sentinel per container; a failover already reaches the client: the sentinels kill the client
 * connections of a demoted primary, and one that answers `READONLY` is reconnected by
 * `reconnectOnFailover`, either way asking the sentinels again). After all sentinels failed,
 * ioredis emits "All sentinels are unreachable" as an 'error' event, also when they answer but do
 * not know the master name: give a client of your own an 'error' listener.
 */
function sentinelDefaults(commandTimeoutMs: number): RedisOptions {
  return { sentinelCommandTimeout: commandTimeoutMs };
}

const URL_SCHEMES = '`redis://`, `rediss://`, `redis+sentinel://` or `rediss+sentinel://`';

/**
 * A client built from a `redis://`, `rediss://`, `redis+sentinel://` or `rediss+sentinel://` URL
 * (see {@link parseSentinelUrl}) with {@link lambdaRedisOptions}. The URL is never echoed: it may
 * hold a password.
 *
 * @example
 * ```ts
 * const client = clientFromUrl(process.env.REDIS_URL!, { commandTimeoutMs: 500 });
 * const viaSentinels = clientFromUrl('redis+sentinel://s1:26379,s2:26379/mymaster', {});
 * ```
 */
export function clientFromUrl(url: string, options: RedisStoreOptions): Redis {
  if (typeof url !== 'string') throw notAClientError(url);
  if (isSentinelUrl(url)) return new Redis({ ...parseSentinelUrl(url), ...lambdaRedisOptions(options) });
  if (!/^rediss?:\/\//i.test(url)) {
    const got = url === '' ? 'got an empty string' : 'got a string with another scheme';
    throw new IdempotencyConfigError(`Expected a ${URL_SCHEMES} URL for RedisStore, ${got} (the value is not shown, as it may hold credentials).`);
  }
  return new Redis(url, lambdaRedisOptions(options));
}

/**
 * The client of a store built from a connection provider: Lambda-friendly options, and a host
 * that resolves nowhere until the provider's value is set (before any command); each of the
 * store's operations is routed through a {@link ProvidedConnection}.
 *
 * @example
 * ```ts
 * this.client = typeof client === 'string' ? clientFromUrl(client, options) : providedClient(this, client, options);
 * ```
 */
export function providedClient(store: IdempotencyStore, provider: RedisConnectionProvider, options: RedisStoreOptions): Redis {
  const client = new Redis({ ...lambdaRedisOptions(options), host: 'connection-provider-not-called.invalid', lazyConnect: true });
  routeThrough(store, new ProvidedConnection(provider, client, options));
  return client;
}

/**
 * The error for what `RedisStore` was given when it is neither a URL nor an ioredis client. Names
 * the kind of value (`undefined` when the environment variable holding the URL is not set), never a
 * string's text.
 *
 * @example
 * ```ts
 * new RedisStore(process.env.REDIS_URL!); // unset: Expected ... got undefined (...)
 * ```
 */
export function notAClientError(value: unknown): IdempotencyConfigError {
  const got = typeof value === 'string' ? 'a string' : describeValue(value);
  const hint = value === undefined ? ' (is the environment variable that holds the URL set?)' : '';
  return new IdempotencyConfigError(`Expected an ioredis \`Redis\` or \`Cluster\` client, a ${URL_SCHEMES} URL, or a connection provider (an async function), for RedisStore, got ${got}${hint}.`);
}

/**
 * Is this an ioredis client (standalone or Cluster)?
 *
 * @example
 * ```ts
 * if (!isRedisClient(client)) throw new IdempotencyConfigError('Expected an ioredis client');
 * ```
 */
export function isRedisClient(client: unknown): client is RedisClient {
  return client !== null && typeof client === 'object' && typeof (client as Redis).evalsha === 'function';
}

/**
 * The warning for a client of the caller's without `commandTimeout`, if it lacks one: a command
 * in flight when its connection drops may never settle (ioredis times out nothing by default), so
 * a call would hang until the Lambda times out. `lambdaRedisOptions()` sets it.
 *
 * @example
 * ```ts
 * const line = noCommandTimeoutWarning(client);
 * if (line !== undefined) logger.warn(line);
 * ```
 */
export function noCommandTimeoutWarning(client: RedisClient): StoreWarningLine | undefined {
  const options = (client as { options?: { commandTimeout?: unknown; redisOptions?: { commandTimeout?: unknown } } }).options;
  const timeout = options?.commandTimeout ?? options?.redisOptions?.commandTimeout;
  if (typeof timeout === 'number' && timeout > 0) return undefined;
  return {
    message:
      'RedisStore: the ioredis client passed in has no commandTimeout, so a command whose connection drops may never settle and a call could hang until the Lambda times out. ' +
      'Build it with lambdaRedisOptions() (new Redis(url, lambdaRedisOptions())), or set commandTimeout yourself.',
    warning: 'no_command_timeout',
    store: 'RedisStore',
  };
}

/**
 * The `logger` option, checked: `undefined`, or a logger the option takes (`info`, `warn` and
 * `error`, or NestJS' `log`, `warn` and `error`), as an {@link IdempotencyLogger}.
 *
 * @example
 * ```ts
 * this.logger = validLogger(options.logger);
 * ```
 */
export function validLogger(logger: LoggerOption | undefined): IdempotencyLogger | undefined {
  if (logger === undefined) return undefined;
  if (!isLoggerOption(logger)) {
    throw new IdempotencyConfigError('Expected `logger` of RedisStore to have info, warn and error methods (a Powertools Logger), or log, warn and error (a NestJS Logger).');
  }
  return toIdempotencyLogger(logger);
}
