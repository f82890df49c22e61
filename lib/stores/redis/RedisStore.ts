import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyStoreError } from '../../core/errors';
import { getDefaultLogger, type IdempotencyLogger, type StoreWarningLine } from '../../core/log';
import { decodeRecord, encodeCompleted, encodeInProgress, type IdempotencyRecord } from '../../core/record';
import { ClaimOutcome, type ClaimRequest, type ClaimResult, type IdempotencyStore } from '../IdempotencyStore';
import { countClosedStore, countOpenStore, warnIfEvicting } from './redisDiagnostics';
import { expectPositiveInteger } from '../../core/check';
import { isRedisOutage, isSelectError, reconnectOnFailover, toRedisStoreError } from './redisErrors';
import { CLAIM, COMPLETE, RELEASE, RENEW, type LuaScript } from './redisScripts';

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
  readonly logger?: IdempotencyLogger;
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
 * replies) the client reconnects, so a managed endpoint's DNS leads it to the new primary.
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
    ...options.redisOptions,
  };
}


/**
 * Stores records in Redis, one atomic command per step: a hit costs one plain `SET NX GET`, a miss
 * that and one Lua compare-and-set (complete). An in-progress record's lease is the key's expiry.
 * Works with a standalone `Redis` or a `Cluster` client (each command touches one key); the client
 * is yours to configure and close, or built from a URL with Lambda-friendly timeouts (then
 * {@link RedisStore.close} closes it).
 *
 * Build it once, at module scope, and reuse it: each store built from a URL opens its own
 * connection and keeps it until `close()`, so a store built inside the handler adds a connection
 * per invocation (and keeps a script's process alive). More than 10 such stores open at once log
 * one warning. After its first reply a store reads `INFO memory` once, and warns if Redis may
 * evict records (any `maxmemory-policy` but `noeviction`).
 *
 * @example
 * ```ts
 * // Module scope: one store (one connection) per container, shared by every invocation.
 * configureIdempotency({ store: new RedisStore(process.env.REDIS_URL!) });
 * // or with your own client:
 * configureIdempotency({ store: new RedisStore(new Redis(process.env.REDIS_URL!)) });
 * ```
 */
export class RedisStore implements IdempotencyStore {
  /** The ioredis client in use. */
  readonly client: RedisClient;
  private readonly ownsClient: boolean;
  // EVALSHA saves sending the script on every call; the first call per script sends EVAL (which
  // also caches it server-side), and a NOSCRIPT after a server restart falls back to EVAL again.
  private readonly loaded = new Set<string>();
  // Claims with `SET NX GET` until the server proves older than Redis 7.
  private nativeClaim = true;
  private readonly logger: IdempotencyLogger | undefined;
  // The eviction-policy check runs once per store, after its first reply.
  private evictionChecked = false;
  // Counted among the process's open URL-built stores until close().
  private countedOpen = false;

  constructor(client: RedisClient | string, options: RedisStoreOptions = {}) {
    this.logger = validLogger(options.logger);
    if (typeof client === 'string') {
      if (!/^rediss?:\/\//.test(client)) {
        // Never echo the URL: it may hold a password.
        throw new IdempotencyConfigError('Expected a `redis://` or `rediss://` URL for RedisStore (the value given is not shown, as it may hold credentials).');
      }
      this.client = new Redis(client, lambdaRedisOptions(options));
      // Connection errors reach callers through the failed command (as IdempotencyStoreError);
      // without a listener ioredis would also print each one as an "Unhandled error event". One
      // error is heard here: ioredis reports a refused SELECT (an ACL without +select for the
      // URL's database) only as this event, and goes on in database 0, where another
      // environment's records would be replayed.
      this.client.on('error', (err: unknown) => this.onClientError(err));
      this.ownsClient = true;
      this.countedOpen = true;
      countOpenStore((line) => this.warn(line));
    } else if (client !== null && typeof client === 'object' && typeof (client as Redis).evalsha === 'function') {
      this.client = client;
      this.ownsClient = false;
      this.warnIfNoCommandTimeout(client);
    } else {
      throw new IdempotencyConfigError('Expected an ioredis `Redis` or `Cluster` client, or a redis:// URL, for RedisStore.');
    }
  }

  /**
   * A client of the caller's without `commandTimeout`: a command in flight when its connection
   * drops may never settle (ioredis times out nothing by default), so a call would hang until
   * the Lambda times out. Said once, at construction; `lambdaRedisOptions()` sets it.
   */
  private warnIfNoCommandTimeout(client: RedisClient): void {
    const options = (client as { options?: { commandTimeout?: unknown; redisOptions?: { commandTimeout?: unknown } } }).options;
    const timeout = options?.commandTimeout ?? options?.redisOptions?.commandTimeout;
    if (typeof timeout === 'number' && timeout > 0) return;
    this.warn({
      message:
        'RedisStore: the ioredis client passed in has no commandTimeout, so a command whose connection drops may never settle and a call could hang until the Lambda times out. ' +
        'Build it with lambdaRedisOptions() (new Redis(url, lambdaRedisOptions())), or set commandTimeout yourself.',
      warning: 'no_command_timeout',
      store: 'RedisStore',
    });
  }

  // Set when the server refused the URL's database: every call fails with it, never in database 0.
  private refusedDatabase: IdempotencyConfigError | undefined;

  /** Throws when the connection is not on the URL's database (checked after each reply, which the handshake's SELECT precedes). */
  private assertDatabase(): void {
    if (this.refusedDatabase !== undefined) throw this.refusedDatabase;
  }

  /**
   * ioredis reports a failed SELECT (an ACL without +select, a database index the server does not
   * have) only as an 'error' event, then works on in database 0, where another environment's
   * records would be replayed or locked. Timeline: handshake SELECT fails → this handler runs →
   * ready → queued commands flush. Disconnecting here, before ready, keeps every one of them out
   * of database 0; from then on each call fails with the configuration error.
   */
  private onClientError(err: unknown): void {
    if (!isSelectError(err)) return;
    if (isRedisOutage(err)) {
      // BUSY, LOADING, too many clients: SELECT would succeed later. Reconnect (the handshake
      // selects again) rather than let the queued commands run in database 0, or give up for good.
      this.client.disconnect(true);
      return;
    }
    this.refusedDatabase ??= new IdempotencyConfigError(
      `Redis refused to select the database the URL names (${err.message}); add +select to the user's ACL, or name a database the server has (0 when unsure).`,
      { cause: err },
    );
    this.client.disconnect();
  }

  /** Wraps a failed command's error; a refused database explains every failure after it. */
  private fail(key: string, err: unknown): never {
    this.assertDatabase();
    return rethrow(key, err);
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    const { leaseMs } = request;
    // The lease end in the record is the caller's clock and only feeds retry-after hints; the lease
    // itself is the key's expiry, kept by Redis.
    const leaseExpiresAtMs = Date.now() + leaseMs;
    const claim = encodeInProgress(request.token, leaseExpiresAtMs, request.validationHash);
    let reply: unknown;
    if (request.withExpiry !== true && this.nativeClaim) {
      // One plain command, no script: a hit is one round trip, like a GET. Redis before 7 refuses NX with
      // GET ("syntax error"); from then on this store uses the claim script, which does the same.
      try {
        reply = await this.client.set(key, claim, 'PX', leaseMs, 'NX', 'GET');
      } catch (err) {
        if (!(err instanceof Error) || !/syntax error/i.test(err.message)) return this.fail(key, err);
        this.nativeClaim = false;
      }
    }
    if (reply === undefined) reply = await this.run(CLAIM, key, claim, leaseMs, request.withExpiry === true ? '1' : '0');
    this.assertDatabase();
    if (!this.evictionChecked) this.checkEvictionSoon();
    if (reply === null) return { outcome: ClaimOutcome.Claimed, leaseExpiresAtMs };
    const nowMs = Date.now();
    if (typeof reply === 'string') return { outcome: ClaimOutcome.Existing, record: decodeOrThrow(key, reply), nowMs };
    if (Array.isArray(reply) && reply.length === 2 && typeof reply[0] === 'string') {
      // {completed record, pttl}: asked by the local cache (withTtl).
      const pttl = Number(reply[1]);
      return { outcome: ClaimOutcome.Existing, record: decodeOrThrow(key, reply[0]), nowMs, ...(pttl > 0 ? { expiresAtMs: nowMs + pttl } : {}) };
    }
    throw new IdempotencyStoreError(`Unexpected reply to the claim for ${key}.`);
  }

  async complete(key: string, token: string, payload: string | undefined, validationHash: string | undefined, ttlMs: number): Promise<boolean> {
    return (await this.run(COMPLETE, key, token, encodeCompleted(validationHash, payload, token), ttlMs)) === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    return (await this.run(RELEASE, key, token)) === 1;
  }

  async renewLease(key: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.run(RENEW, key, token, leaseMs, Date.now() + leaseMs)) === 1;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const raw = await this.client.get(key).catch((err: unknown) => this.fail(key, err));
    this.assertDatabase();
    return raw === null ? undefined : decodeOrThrow(key, raw);
  }

  async delete(key: string): Promise<boolean> {
    this.assertDatabase();
    const deleted = await this.client.del(key).catch((err: unknown) => this.fail(key, err));
    this.assertDatabase();
    return deleted > 0;
  }

  /** Closes the client if this store created it from a URL; a client you passed is left alone. */
  async close(): Promise<void> {
    if (!this.ownsClient) return;
    if (this.countedOpen) countClosedStore();
    this.countedOpen = false;
    // QUIT only on a live connection; on one that is down or reconnecting it would queue and keep
    // the reconnect timer (and the process) alive.
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }

  /**
   * One `INFO memory` per store lifetime, sent after the caller's reply has been handled: it adds
   * no round trip to a call and never fails one (see `warnIfEvicting`).
   */
  private checkEvictionSoon(): void {
    this.evictionChecked = true;
    setImmediate(() => void warnIfEvicting(this.client, (line) => this.warn(line)).catch(() => undefined)).unref();
  }

  /** Logs a set-up warning; a logger that throws is ignored (this runs outside any call). */
  private warn(line: StoreWarningLine): void {
    try {
      (this.logger ?? getDefaultLogger()).warn(line);
    } catch {
      // A warning about the set-up must never fail a call nor crash the process.
    }
  }

  private async run(lua: LuaScript, key: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      if (this.loaded.has(lua.sha)) {
        try {
          return await this.client.evalsha(lua.sha, 1, key, ...args);
        } catch (err) {
          if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        }
      }
      const reply = await this.client.eval(lua.source, 1, key, ...args);
      this.loaded.add(lua.sha);
      return reply;
    } catch (err) {
      return this.fail(key, err);
    } finally {
      this.assertDatabase();
    }
  }
}

function validLogger(logger: IdempotencyLogger | undefined): IdempotencyLogger | undefined {
  const methods = logger as Partial<Record<keyof IdempotencyLogger, unknown>> | null | undefined;
  if (methods !== undefined && (methods === null || (['info', 'warn', 'error'] as const).some((m) => typeof methods[m] !== 'function'))) {
    throw new IdempotencyConfigError('Expected `logger` of RedisStore to have info, warn and error methods (a Powertools Logger).');
  }
  return logger;
}

function decodeOrThrow(key: string, raw: string): IdempotencyRecord {
  const record = decodeRecord(raw);
  if (record === undefined) {
    throw new IdempotencyCorruptRecordError(`The record at ${key} was not written by lambda-idempotency (or is truncated); delete the key to recover.`);
  }
  return record;
}

function rethrow(key: string, err: unknown): never {
  throw toRedisStoreError(key, err);
}

