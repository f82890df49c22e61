import type { Cluster, Redis } from 'ioredis';
import { describeValue, expectPositiveInteger } from '../../core/check';
import { IdempotencyConfigError, type IdempotencyError } from '../../core/errors';
import { suggestName } from '../../core/suggest';
import { storeFailure, StoreFailureKind, StoreOperation } from '../storeFailure';
import { toRedisStoreError } from './redisErrors';

/**
 * The `durability` option of `RedisStore`: after a claim is created and after a result is
 * written, `WAIT replicas timeoutMs` must confirm that many replicas have it. Replication is
 * asynchronous: without it, a claim or a result the primary acknowledged but had not yet sent is
 * gone after a failover, and the retry runs the side effect again.
 *
 * Timeline it prevents: claim written → replication stalls → the method runs → the primary dies →
 * the replica is promoted without the claim → the retry runs the method again. With `durability`
 * the claim is never confirmed, so it is released and the call fails before the method runs.
 *
 * WAIT counts the acknowledgements of the connection's own last write, so it goes on the same
 * connection, right after the write: on a Cluster in one pipeline with `PTTL key`, which routes
 * both to the key's shard and shows the key is there. A reconnect between the write and WAIT
 * (where WAIT would count nothing of the write, and answer at once) is seen by counting the
 * connections' `close` events, and is not a confirmation.
 */

/**
 * Replica acknowledgements `RedisStore` waits for (Redis `WAIT`). A hit (a replay) waits for
 * nothing; a miss waits twice (after the claim and after the result), one round trip each.
 * With DynamoDB there is nothing to set: its writes are durable (replicated across three
 * Availability Zones) before they are acknowledged.
 *
 * @example
 * ```ts
 * new RedisStore(client, { durability: { replicas: 1, timeoutMs: 200 } });
 * ```
 */
export interface RedisDurability {
  /** How many replicas must have the write (`WAIT numreplicas`); a positive integer. */
  readonly replicas: number;
  /**
   * How long to wait for them (`WAIT ... timeout`), in milliseconds: a positive integer below the
   * client's `commandTimeout`. A claim not confirmed in time is released and the call fails with
   * `IdempotencyStoreError` before the method runs; a result not confirmed in time is reported as
   * `IdempotencyCompletionError` (the method ran).
   * @default 200
   */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 200;
const KNOWN = ['replicas', 'timeoutMs'];
const ABSENT = 'absent';

/** `RedisClient` of redisClient.ts, which imports this file's option type. */
type RedisClient = Redis | Cluster;

const isCluster = (client: RedisClient): client is Cluster => client.isCluster;

/** A Cluster redirection (`MOVED slot host:port`, `ASK slot host:port`). */
const isRedirection = (err: Error | null | undefined): boolean => err != null && /^(MOVED|ASK) \d+ /.test(err.message);

/** The client's `commandTimeout` (a `Cluster` keeps it in `redisOptions`), if it has one. */
function commandTimeoutOf(client: RedisClient): number | undefined {
  const options = (client as { options?: { commandTimeout?: unknown; redisOptions?: { commandTimeout?: unknown } } }).options;
  const timeout = options?.commandTimeout ?? options?.redisOptions?.commandTimeout;
  return typeof timeout === 'number' && timeout > 0 ? timeout : undefined;
}

/** Refuses an option `durability` does not have; `aof` (WAITAOF) with the reason. */
function checkKeys(durability: object): void {
  for (const name of Object.keys(durability)) {
    if (KNOWN.includes(name)) continue;
    if (name === 'aof') {
      throw new IdempotencyConfigError(
        '`durability.aof` (WAITAOF, Redis 7.2+) is not supported yet: for writes fsynced before they are acknowledged, set `appendonly yes` and `appendfsync always` on the server, or use `durability.replicas`.',
      );
    }
    const hint = suggestName(name, KNOWN);
    throw new IdempotencyConfigError(`Unknown option \`durability.${name}\` of RedisStore${hint === undefined ? '' : `; did you mean \`durability.${hint}\`?`} It takes replicas and timeoutMs.`);
  }
}

/**
 * The `durability` option, checked against the client: `undefined`, or replicas and a timeout
 * below the client's command timeout (WAIT blocks for up to `timeoutMs`).
 *
 * @example
 * ```ts
 * validDurability({ replicas: 1 }, client); // { replicas: 1, timeoutMs: 200 }
 * validDurability({ replicas: 1, timeoutMs: 5000 }, client); // throws: Expected `durability.timeoutMs` to be ...
 * ```
 */
export function validDurability(value: unknown, client: RedisClient): Required<RedisDurability> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new IdempotencyConfigError(`Expected \`durability\` of RedisStore to be an object like { replicas: 1, timeoutMs: 200 }, got ${describeValue(value)}`);
  }
  checkKeys(value);
  const { replicas, timeoutMs = DEFAULT_TIMEOUT_MS } = value as Partial<RedisDurability>;
  expectPositiveInteger('durability.replicas', replicas);
  const limit = commandTimeoutOf(client);
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || (limit !== undefined && timeoutMs >= limit)) {
    const below = limit === undefined ? '' : ` below the client's commandTimeout (${limit} ms), which would cut WAIT off`;
    throw new IdempotencyConfigError(`Expected \`durability.timeoutMs\` to be a positive integer${below}, got ${describeValue(timeoutMs)}`);
  }
  return { replicas: replicas as number, timeoutMs };
}

/**
 * The confirmation `RedisStore` uses for its `durability` option, or `undefined` without one.
 *
 * @example
 * ```ts
 * this.replication = replicaConfirmation(options.durability, this.client);
 * ```
 */
export function replicaConfirmation(value: unknown, client: RedisClient): ReplicaConfirmation | undefined {
  const durability = validDurability(value, client);
  return durability === undefined ? undefined : new ReplicaConfirmation(client, durability);
}

const closeCounters = new WeakMap<RedisClient, { closes: number }>();

/**
 * Counts the `close` events of a client's connections, with one listener per client however many
 * stores share it (a store built per invocation on a shared client added one each: a leak, and
 * MaxListenersExceededWarning from the 11th).
 */
function closeCounter(client: RedisClient): { closes: number } {
  let counter = closeCounters.get(client);
  if (counter !== undefined) return counter;
  const created = { closes: 0 };
  const count = (): void => void created.closes++;
  if (isCluster(client)) {
    const watch = (node: Redis): void => void node.on('close', count);
    for (const node of client.nodes('all')) watch(node);
    client.on('+node', watch);
  } else {
    client.on('close', count);
  }
  closeCounters.set(client, created);
  return created;
}

/**
 * Confirms `RedisStore`'s writes on replicas. Take {@link epoch} before a write and pass it to
 * {@link confirm} after it.
 *
 * @example
 * ```ts
 * const replication = new ReplicaConfirmation(client, { replicas: 1, timeoutMs: 200 });
 * const epoch = replication.epoch();
 * await client.set(key, value);
 * await replication.confirm(StoreOperation.Complete, key, epoch); // throws unless 1 replica has it
 * ```
 */
export class ReplicaConfirmation {
  // `close` events of the client's connections (every node's, on a Cluster), shared by every store
  // on the client: one listener per client, not one per store.
  private readonly connections: { closes: number };

  constructor(
    private readonly client: RedisClient,
    private readonly durability: Required<RedisDurability>,
  ) {
    this.connections = closeCounter(client);
  }

  private get closes(): number {
    return this.connections.closes;
  }

  /** The connections' state before a write: a `close` after it means WAIT may not count the write. */
  epoch(): number {
    return this.closes;
  }

  /**
   * Resolves once the replicas have the write made since `epoch` on `key`; otherwise throws the
   * store's error: `IdempotencyStoreError` (outage) when too few replicas answered in time or the
   * connection changed, the classified WAIT error otherwise (`NOPERM` without `+wait`).
   */
  async confirm(operation: StoreOperation, key: string, epoch: number): Promise<void> {
    let acknowledged: number | typeof ABSENT;
    try {
      acknowledged = await this.wait(key);
    } catch (err) {
      throw toRedisStoreError(operation, err);
    }
    const { replicas, timeoutMs } = this.durability;
    const what = operation === StoreOperation.Claim ? 'claim' : 'result';
    if (this.closes !== epoch) throw this.unconfirmed(operation, `the connection was re-established between the ${what} and WAIT, so no replica could be counted`);
    if (acknowledged === ABSENT) throw this.unconfirmed(operation, `the ${what} was not on the shard WAIT went to (a slot moved)`);
    if (acknowledged < replicas) {
      throw this.unconfirmed(operation, `${acknowledged} of ${replicas} replicas acknowledged the ${what} within ${timeoutMs} ms (WAIT)`);
    }
  }

  /**
   * Confirms a claim just made; one that is not confirmed is released (our token) before the
   * error is thrown, so the method never runs on a claim a failover could lose.
   */
  async confirmClaim(key: string, epoch: number, release: () => Promise<unknown>): Promise<void> {
    try {
      await this.confirm(StoreOperation.Claim, key, epoch);
    } catch (err) {
      // A release that fails too leaves the claim to its lease; the engine also releases.
      await release().catch(() => undefined);
      throw err;
    }
  }

  /** WAIT's count, or ABSENT when the key is not on the shard WAIT went to (a Cluster resharding). */
  private async wait(key: string): Promise<number | typeof ABSENT> {
    const { replicas, timeoutMs } = this.durability;
    if (!isCluster(this.client)) return this.client.wait(replicas, timeoutMs);
    const replies = (await this.client.pipeline().pttl(key).wait(replicas, timeoutMs).exec()) ?? [];
    // Timeline: the slot starts migrating → the write is ASK-redirected to the importing node →
    // PTTL and WAIT go to the slot's owner, which answers ASK (or MOVED once the slot moved): the
    // write is elsewhere, so WAIT counted nothing of it. ioredis retries a pipeline only when every
    // command was redirected, and WAIT is not.
    if (isRedirection(replies[0]?.[0])) return ABSENT;
    for (const [err] of replies) if (err) throw err;
    const [pttl, acknowledged] = replies.map(([, reply]) => Number(reply));
    return pttl === -2 ? ABSENT : (acknowledged ?? 0);
  }

  private unconfirmed(operation: StoreOperation, reason: string): IdempotencyError {
    const fix =
      operation === StoreOperation.Claim
        ? 'the claim was released before the method ran, so a retry runs it once. Check the replicas (INFO replication on the primary: connected_slaves and their lag) or raise durability.timeoutMs'
        : 'the result is on the primary only and a failover may lose it. Check the replicas (INFO replication on the primary: connected_slaves and their lag) or raise durability.timeoutMs';
    return storeFailure({ store: 'RedisStore', operation, kind: StoreFailureKind.NotDurable, reason: `not durable: ${reason}`, fix });
  }
}
