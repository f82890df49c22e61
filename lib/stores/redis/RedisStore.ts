import { getDefaultLogger, type IdempotencyLogger, type StoreWarningLine } from '../../core/log';
import { decodeRecord, encodeCompleted, encodeInProgress, type IdempotencyRecord } from '../../core/record';
import { ignoringFailure } from '../../core/thenable';
import {
  ClaimOutcome,
  type ClaimRequest,
  type ClaimResult,
  type CompleteRequest,
  type IdempotencyStore,
  type ReleaseRequest,
  type RenewRequest,
} from '../IdempotencyStore';
import { storeFailure, StoreFailureKind, StoreOperation } from '../storeFailure';
import { clientFromUrl, isRedisClient, markIfRefusedUnrun, noCommandTimeoutWarning, notAClientError, providedClient, validLogger, type RedisClient, type RedisConnectionProvider, type RedisStoreOptions } from './redisClient';
import { countClosedStore, countOpenStore, showWithoutCredentials, warnIfEvicting } from './redisDiagnostics';
import { replicaConfirmation, type RedisDurability, type ReplicaConfirmation } from './redisDurability';
import { isAuthRefusal, isRedisOutage, isSelectError, toRedisStoreError } from './redisErrors';
import { CLAIM, COMPLETE, RELEASE, RENEW, ScriptRunner, type LuaScript } from './redisScripts';
import { SentinelMasterWatch } from './sentinelMaster';

// A string value holds at most 512 MB (proto-max-bulk-len); the record adds its status, owner
// token and validation hash (under 200 bytes) to the payload.
const MAX_VALUE_BYTES = 512 * 1024 * 1024;
const RECORD_OVERHEAD_BYTES = 1024;

/**
 * Stores records in Redis, one atomic command per step: a hit costs one plain `SET NX GET`, a miss
 * that and one Lua compare-and-set (complete), each followed by a `WAIT` with `durability` (see
 * {@link RedisDurability}). An in-progress record's lease is the key's expiry.
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
  /** Redis holds a string of up to 512 MB; the record's own fields take the rest. */
  readonly maxPayloadBytes = MAX_VALUE_BYTES - RECORD_OVERHEAD_BYTES;
  private readonly ownsClient: boolean;
  private readonly scripts: ScriptRunner;
  // Claims with `SET NX GET` until the server proves older than Redis 7.
  private nativeClaim = true;
  private readonly logger: IdempotencyLogger | undefined;
  private evictionChecked = false; // the eviction-policy check runs once per store, after its first reply
  // Counted among the process's open URL-built stores until close().
  private countedOpen = false;
  // The `durability` option: WAIT after a claim is created and after a result is written.
  private readonly replication: ReplicaConfirmation | undefined;

  constructor(client: RedisClient | string | RedisConnectionProvider, options: RedisStoreOptions = {}) {
    this.logger = validLogger(options.logger);
    if (typeof client === 'string' || typeof client === 'function') {
      this.client = typeof client === 'string' ? clientFromUrl(client, options) : providedClient(this, client, options);
      // Connection errors reach callers through the failed command (as IdempotencyStoreError);
      // without a listener ioredis would also print each one as an "Unhandled error event". One
      // error is heard here: ioredis reports a refused SELECT (an ACL without +select for the
      // URL's database) only as this event, and goes on in database 0, where another
      // environment's records would be replayed.
      this.client.on('error', (err: unknown) => this.onClientError(err));
      this.client.on('ready', () => (this.refusedAuth = undefined));
      if (this.client.options.sentinels) this.sentinelMaster = new SentinelMasterWatch(this.client);
      this.ownsClient = true;
      this.countedOpen = true;
      countOpenStore((line) => this.warn(line));
    } else if (isRedisClient(client)) {
      this.client = client;
      this.ownsClient = false;
      // Said once, at construction: a call on such a client could hang until the Lambda times out.
      const warning = noCommandTimeoutWarning(client);
      if (warning !== undefined) this.warn(warning);
    } else {
      throw notAClientError(client);
    }
    this.scripts = new ScriptRunner(this.client);
    this.replication = replicaConfirmation(options.durability, this.client);
    showWithoutCredentials(this);
  }

  // Set when the server refused the URL's database: every call fails with it, never in database 0.
  private refusedDatabase: Error | undefined;
  // Set while the server refuses the URL's credentials (until a connection is ready again).
  private refusedAuth: Error | undefined;
  private sentinelMaster: SentinelMasterWatch | undefined; // a Sentinel URL's: do the sentinels know its master?

  /** Throws when the connection is not on the URL's database (checked after each reply, which the handshake's SELECT precedes). */
  private assertDatabase(operation: StoreOperation): void {
    if (this.refusedDatabase === undefined) return;
    throw storeFailure({
      store: 'RedisStore',
      operation,
      kind: StoreFailureKind.Misconfiguration,
      reason: `Redis refused to select the database the URL names (${this.refusedDatabase.message})`,
      fix: "add +select to the user's ACL, or name a database the server has (0 when unsure)",
      cause: this.refusedDatabase,
    });
  }

  /**
   * ioredis reports a failed SELECT (an ACL without +select, a database index the server does not
   * have) only as an 'error' event, then works on in database 0, where another environment's
   * records would be replayed or locked. Timeline: handshake SELECT fails → this handler runs →
   * ready → queued commands flush. Disconnecting here, before ready, keeps every one of them out
   * of database 0; from then on each call fails with the configuration error.
   */
  private onClientError(err: unknown): void {
    if (isAuthRefusal(err)) this.refusedAuth = err;
    if (!isSelectError(err)) return;
    if (isRedisOutage(err)) {
      // BUSY, LOADING, too many clients: SELECT would succeed later. Reconnect (the handshake
      // selects again) rather than let the queued commands run in database 0, or give up for good.
      this.client.disconnect(true);
      return;
    }
    this.refusedDatabase ??= err;
    this.client.disconnect();
  }

  /** Wraps a failed command's error; a refused database explains every failure after it. */
  private fail(operation: StoreOperation, err: unknown): never {
    this.assertDatabase(operation);
    // Timeline: the handshake's AUTH is refused → ioredis reconnects → a call made meanwhile fails
    // "max retries" (an outage, which could fail open). It failed for the refused password.
    throw this.sentinelMaster?.failure(operation, err) ?? markIfRefusedUnrun(toRedisStoreError(operation, this.refusedAuth !== undefined && isRedisOutage(err) ? this.refusedAuth : err), err);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { key, leaseMs } = request;
    const withExpiry = request.withExpiry === true;
    // The lease end in the record is the caller's clock and only feeds retry-after hints; the lease
    // itself is the key's expiry, kept by Redis.
    const leaseExpiresAtMs = Date.now() + leaseMs;
    const claim = encodeInProgress(request.token, leaseExpiresAtMs, request.validationHash);
    const epoch = this.replication?.epoch() ?? 0;
    let reply: unknown;
    if (!withExpiry && this.nativeClaim) {
      // One plain command, no script: a hit is one round trip, like a GET. Redis before 7 refuses NX with
      // GET ("syntax error"); from then on this store uses the claim script, which does the same.
      try {
        reply = await this.client.set(key, claim, 'PX', leaseMs, 'NX', 'GET');
      } catch (err) {
        if (!(err instanceof Error) || !/syntax error/i.test(err.message)) return this.fail(StoreOperation.Claim, err);
        this.nativeClaim = false;
      }
    }
    if (reply === undefined) reply = await this.run(StoreOperation.Claim, CLAIM, key, claim, leaseMs, withExpiry ? '1' : '0');
    this.assertDatabase(StoreOperation.Claim);
    if (!this.evictionChecked) this.checkEvictionSoon();
    if (reply !== null) return existingClaim(reply);
    // A hit returned above: only a new claim waits for replicas.
    await this.replication?.confirmClaim(key, epoch, () => this.release({ key, token: request.token }));
    return { outcome: ClaimOutcome.Claimed, leaseExpiresAtMs };
  }

  async complete(request: CompleteRequest): Promise<boolean> {
    const { key, token } = request;
    const record = encodeCompleted(request.validationHash, request.payload, token);
    const epoch = this.replication?.epoch() ?? 0;
    const stored = (await this.run(StoreOperation.Complete, COMPLETE, key, token, record, request.ttlMs)) === 1;
    if (stored) await this.replication?.confirm(StoreOperation.Complete, key, epoch);
    return stored;
  }

  async release(request: ReleaseRequest): Promise<boolean> {
    return (await this.run(StoreOperation.Release, RELEASE, request.key, request.token)) === 1;
  }

  async renewLease(request: RenewRequest): Promise<boolean> {
    const { leaseMs } = request;
    return (await this.run(StoreOperation.RenewLease, RENEW, request.key, request.token, leaseMs, Date.now() + leaseMs)) === 1;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const raw = await this.client.get(key).catch((err: unknown) => this.fail(StoreOperation.Get, err));
    this.assertDatabase(StoreOperation.Get);
    return raw === null ? undefined : decodeOrThrow(StoreOperation.Get, raw);
  }

  async delete(key: string): Promise<boolean> {
    this.assertDatabase(StoreOperation.Delete);
    const deleted = await this.client.del(key).catch((err: unknown) => this.fail(StoreOperation.Delete, err));
    this.assertDatabase(StoreOperation.Delete);
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

  /**
   * Logs a set-up warning; a logger that throws or rejects is ignored (this runs outside any
   * call): a warning about the set-up must never fail a call nor crash the process.
   */
  private warn(line: StoreWarningLine): void {
    ignoringFailure(() => (this.logger ?? getDefaultLogger()).warn(line));
  }

  private async run(operation: StoreOperation, lua: LuaScript, key: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.scripts.run(lua, key, ...args);
    } catch (err) {
      return this.fail(operation, err);
    } finally {
      this.assertDatabase(operation);
    }
  }
}

/** The claim's reply when a record exists: the record, or `{record, pttl}` (asked with `withExpiry`). */
function existingClaim(reply: unknown): ClaimResult {
  const nowMs = Date.now();
  if (typeof reply === 'string') return { outcome: ClaimOutcome.Existing, record: decodeOrThrow(StoreOperation.Claim, reply), nowMs };
  if (Array.isArray(reply) && reply.length === 2 && typeof reply[0] === 'string') {
    const pttl = Number(reply[1]);
    return { outcome: ClaimOutcome.Existing, record: decodeOrThrow(StoreOperation.Claim, reply[0]), nowMs, ...(pttl > 0 ? { expiresAtMs: nowMs + pttl } : {}) };
  }
  throw storeFailure({
    store: 'RedisStore',
    operation: StoreOperation.Claim,
    kind: StoreFailureKind.Outage,
    reason: 'the reply to the claim was neither a record nor nil',
    fix: 'check that the URL names a Redis server (not a proxy that rewrites replies)',
  });
}

function decodeOrThrow(operation: StoreOperation, raw: string): IdempotencyRecord {
  const record = decodeRecord(raw);
  if (record !== undefined) return record;
  throw storeFailure({ store: 'RedisStore', operation, kind: StoreFailureKind.CorruptRecord, reason: 'the record was not written by lambda-idempotency (or is truncated)' });
}
