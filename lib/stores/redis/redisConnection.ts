import type { ConnectionOptions } from 'node:tls';
import type { Redis } from 'ioredis';
import { expectPositiveInteger } from '../../core/check';
import { IdempotencyConfigError, type IdempotencyError } from '../../core/errors';
import type { IdempotencyStore } from '../IdempotencyStore';
import { storeFailure, StoreFailureKind, StoreOperation } from '../storeFailure';
import type { RedisClient, RedisStoreOptions } from './redisClient';
import { connectionFields, type RedisConnectionValue } from './redisConnectionValue';

/**
 * A `RedisStore` whose credentials come from a connection provider (SSM, Secrets Manager...):
 * fetched on first use, kept, fetched again only when Redis refuses them, and then each refused
 * call is retried once on the fresh ones. Timeline of a rotation in a warm container: the old
 * password is removed → the open connection stays authenticated (Redis checks a password only at
 * AUTH/HELLO) → the connection drops (idle timeout, failover, restart) → ioredis reconnects with
 * the old password → `WRONGPASS` → ioredis rejects every command waiting for that connection with
 * that error (none of them was sent) → the store asks the provider once, for all of them → sets
 * the new password on the client → its next connection uses it → each refused call runs again, once.
 */

/**
 * Why a connection provider is called.
 *
 * @example
 * ```ts
 * const provider = async ({ refused }: ConnectionRequest) => getParameter(name, { forceFetch: refused });
 * ```
 */
export interface ConnectionRequest {
  /**
   * `true` when Redis refused the value the provider gave last (`WRONGPASS`, `NOAUTH`): fetch it
   * from its source, past any cache. `false` on the store's first use.
   */
  readonly refused: boolean;
}

/**
 * Gives `RedisStore` its connection: a `redis://`/`rediss://` URL or {@link RedisConnectionOptions}.
 * Called on the store's first use and again only after Redis refused the credentials; calls made
 * meanwhile share one pending call (one fetch per container, not one per call).
 *
 * @example
 * ```ts
 * const store = new RedisStore(async ({ refused }) => fetchRedisUrl({ forceFetch: refused }));
 * ```
 */
export type RedisConnectionProvider = (request: ConnectionRequest) => Promise<RedisConnectionValue>;

// The store errors thrown for a command Redis never ran because it refused the credentials.
const refusedUnrun = new WeakSet<object>();

/**
 * Is this ioredis error a credentials refusal (`WRONGPASS`, `NOAUTH`)? Both ways a command gets
 * one prove it never ran: the reply to the command itself, or the handshake's refusal, which
 * ioredis hands to every command waiting for the connection (none of them was sent: a command
 * sent on an earlier connection, whose fate is unknown, is never rejected with it).
 */
function isCredentialRefusal(err: unknown): boolean {
  return err instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(err.message);
}

/**
 * Marks the store error made of `raw` as safe to retry when `raw` is a credentials refusal (see
 * {@link ProvidedConnection}); returns the store error. A timeout or a closed connection is never
 * marked, even while the password is refused: such a command may have run.
 *
 * @example
 * ```ts
 * throw markIfRefusedUnrun(toRedisStoreError(operation, err), err);
 * ```
 */
export function markIfRefusedUnrun(error: IdempotencyError, raw: unknown): IdempotencyError {
  if (isCredentialRefusal(raw)) refusedUnrun.add(error);
  return error;
}

/**
 * The credentials of one store's client, from a {@link RedisConnectionProvider}: the first call
 * waits for the provider; a call Redis refused waits for one shared refresh and runs once more.
 *
 * @example
 * ```ts
 * const connection = new ProvidedConnection(provider, client, { providerTimeoutMs: 2000 });
 * await connection.run(StoreOperation.Get, () => client.get(key));
 * ```
 */
export class ProvidedConnection {
  private first: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  // Bumped each time the provider's value is set on the client.
  private generation = 0;

  private readonly client: Redis;
  private readonly timeoutMs: number;
  // redisOptions.tls (a private CA, a servername): kept under a value that asks for TLS, as with a URL.
  private readonly tls: ConnectionOptions | undefined;

  constructor(private readonly provider: RedisConnectionProvider, client: RedisClient, options: RedisStoreOptions) {
    // A provider's store builds its own standalone client (clientForProvider).
    this.client = client as Redis;
    this.timeoutMs = expectPositiveInteger('providerTimeoutMs', options.providerTimeoutMs ?? 3000);
    this.tls = options.redisOptions?.tls;
  }

  /** Runs `attempt` on the provider's credentials; once more after a refusal proved it never ran. */
  async run<T>(operation: StoreOperation, attempt: () => Promise<T>): Promise<T> {
    this.first ??= this.fetch(operation, false).catch((err: unknown) => {
      this.first = undefined;
      throw err;
    });
    await this.first;
    const generation = this.generation;
    try {
      return await attempt();
    } catch (err) {
      if (!refusedUnrun.has(err as object)) throw err;
      await this.refresh(operation, generation);
      return attempt();
    }
  }

  /** One fetch for every call refused on the same credentials; none when they changed since. */
  private refresh(operation: StoreOperation, generation: number): Promise<void> {
    if (generation !== this.generation) return Promise.resolve();
    this.refreshing ??= this.fetch(operation, true).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async fetch(operation: StoreOperation, refused: boolean): Promise<void> {
    const fields = connectionFields(await withinTime(this.provider({ refused }), this.timeoutMs, operation));
    if (fields.tls !== undefined && this.tls !== undefined) fields.tls = { ...this.tls, ...fields.tls };
    Object.assign(this.client.options, fields);
    this.generation += 1;
    await reconnectWithFresh(this.client);
  }
}

/**
 * Connects on the fresh credentials now. Timeline without it: each refused handshake lengthens
 * the reconnect back-off (up to 1 s) → the retried command waits offline for the next attempt,
 * past its `commandTimeout`. An attempt already under way on the previous credentials is let end
 * first (ready, or closed by the refusal). The pending reconnect timer is cancelled first: left
 * behind, it would fire after `close()` and reconnect a closed client for ever (ioredis keeps it
 * in a private field, `reconnectTimeout`, in versions 5 and 6; without it, the timer is waited for).
 */
async function reconnectWithFresh(client: Redis): Promise<void> {
  if (client.status === 'connecting' || client.status === 'connect') await attemptEnded(client);
  const pending = client as unknown as { reconnectTimeout?: NodeJS.Timeout | null };
  if (client.status !== 'reconnecting' || !pending.reconnectTimeout) return;
  clearTimeout(pending.reconnectTimeout);
  pending.reconnectTimeout = null;
  client.connect().catch(() => undefined);
}

/** Resolves when the connection attempt under way is ready, closed or ended (close() meanwhile). */
function attemptEnded(client: Redis): Promise<void> {
  const events = ['ready', 'close', 'end'] as const;
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) client.off(event, done);
      resolve();
    };
    for (const event of events) client.once(event, done);
  });
}

/**
 * The provider's value within `timeoutMs`. Its failure becomes `IdempotencyStoreError` (an
 * `IdempotencyConfigError` it throws stays one, an AWS error no retry fixes becomes one); its message names the error's class only, as a
 * provider's message may quote what it fetched.
 */
async function withinTime(value: Promise<RedisConnectionValue>, timeoutMs: number, operation: StoreOperation): Promise<RedisConnectionValue> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(providerTimeout(operation, timeoutMs)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve(value).catch((err: unknown) => providerFailed(operation, err)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function providerTimeout(operation: StoreOperation, timeoutMs: number): IdempotencyError {
  return storeFailure({
    store: 'RedisStore',
    operation,
    kind: StoreFailureKind.Outage,
    reason: `the connection provider did not answer within ${timeoutMs} ms (providerTimeoutMs)`,
    fix: 'check the path from the function to the secret store (a VPC endpoint or NAT for a function in a VPC); calls try the provider again',
  });
}

// AWS errors no retry fixes (a name, a policy, a key), found in the provider's error or its causes
// (Powertools wraps the SDK's): not an outage, which with onStoreError 'continue' would run every
// call unprotected, for ever and silently.
const CONFIGURATION_ERRORS = new Set(['ParameterNotFound', 'ParameterNotFoundError', 'ResourceNotFoundException', 'AccessDeniedException', 'ValidationException', 'InvalidParameterException', 'InvalidRequestException', 'DecryptionFailure', 'InvalidKeyId', 'UnrecognizedClientException', 'InvalidSignatureException']);

function configurationErrorIn(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) if (CONFIGURATION_ERRORS.has(e.name)) return e.name;
  return undefined;
}

function providerFailed(operation: StoreOperation, err: unknown): never {
  if (err instanceof IdempotencyConfigError) throw err;
  const name = err instanceof Error ? err.name : typeof err;
  const refused = configurationErrorIn(err);
  throw storeFailure({
    store: 'RedisStore',
    operation,
    kind: refused === undefined ? StoreFailureKind.Outage : StoreFailureKind.Misconfiguration,
    reason: `the connection provider failed (${refused === undefined ? name : `${name}: ${refused}`}, see the error's cause)`,
    fix: "check the function's IAM permissions and the parameter or secret name; calls try the provider again",
    cause: err,
  });
}

const OPERATIONS = {
  claim: StoreOperation.Claim,
  complete: StoreOperation.Complete,
  release: StoreOperation.Release,
  renewLease: StoreOperation.RenewLease,
  get: StoreOperation.Get,
  delete: StoreOperation.Delete,
} as const;

/**
 * Routes each of the store's operations through `connection` (on the instance, so the store's own
 * methods stay as they are: each is one attempt).
 *
 * @example
 * ```ts
 * routeThrough(store, new ProvidedConnection(provider, client, options));
 * ```
 */
export function routeThrough(store: IdempotencyStore, connection: ProvidedConnection): void {
  for (const [method, operation] of Object.entries(OPERATIONS)) {
    const once = (store[method as keyof typeof OPERATIONS] as (...args: unknown[]) => Promise<unknown>).bind(store);
    Object.defineProperty(store, method, { value: (...args: unknown[]) => connection.run(operation, () => once(...args)), writable: true, configurable: true });
  }
}
