import type { IdempotencyError } from '../../core/errors';
import { storeFailure, StoreFailureKind, type StoreOperation } from '../storeFailure';

/**
 * How a failed Redis command becomes a library error. The line that matters: an outage may fail
 * open with `onStoreError: 'continue'`; an error reply from a server that is up and will give the
 * same answer to every call (full memory, a value out of range, an ACL) never does, since running
 * unprotected "until it recovers" would be forever, and silent.
 */

// Replies that say the server or the path to it cannot serve the command now, and will once the
// failover, restart or script ends: outages. READONLY is a failed-over primary (the client is
// reconnected, see `reconnectOnFailover`); MASTERDOWN, LOADING and NOREPLICAS a node still
// syncing or starting; BUSY a long script; TRYAGAIN and CLUSTERDOWN a cluster resharding or down.
// MISCONF: writes refused while background saves fail (a full disk, a failed fork), until one
// succeeds; UNBLOCKED: a command cut off by CLIENT UNBLOCK or a failover.
const OUTAGE_REPLIES = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'READONLY', 'NOREPLICAS', 'MISCONF', 'UNBLOCKED']);

// An ERR that is about availability, not the command: the server's connection limit.
const OUTAGE_ERR = /^ERR max number of clients reached/;

// What to do about the replies that are not outages.
const FIXES = new Map<string, string>([
  ['OOM', 'Redis is out of memory under maxmemory-policy noeviction: raise maxmemory (or move other data off this Redis), and alarm on memory'],
  ['NOPERM', 'grant the user the documented ACL: ~<prefix>:* +set +get +del +pttl +eval +evalsha +info (and +wait with the durability option)'],
  ['NOAUTH', 'put the user and password in the URL (rediss://user:password@host:6379)'],
  ['WRONGPASS', 'check the user and password in the URL'],
  ['MOVED', 'the URL names a node of a Redis Cluster: pass an ioredis Cluster client to RedisStore'],
  ['ASK', 'the URL names a node of a Redis Cluster: pass an ioredis Cluster client to RedisStore'],
]);
const OUTAGE_FIX = 'an outage: calls succeed again once Redis answers (check the endpoint, the network path from the function, and the server: a failover, a restart or a long script)';
const DEFAULT_FIX = 'the server will give every call the same answer: check the idempotency options (a lease or TTL out of range) and the server\'s configuration';

/**
 * The error code of a Redis error reply (`OOM`, `ERR`, `READONLY`...), or `undefined` for an error
 * that is not a reply (a timeout, a closed connection). Redis 6 and older wrap an error raised
 * inside a script as `ERR Error running script (...): ... -READONLY ...`; the inner code is the
 * one that says what happened.
 */
function replyCode(message: string): string | undefined {
  const wrapped = /^ERR Error running script.*?: -([A-Z]+)\b/s.exec(message);
  if (wrapped !== null) return wrapped[1];
  // Replies start with an upper-case code; ioredis' and Node's own errors never do ("Command timed
  // out", "Connection is closed.", "connect ECONNREFUSED ...").
  return /^([A-Z]{2,})(?:\s|$)/.exec(message)?.[1];
}

/** The reply's text without what Redis echoes of the arguments (a record, hence a result). */
function safeText(message: string): string {
  return message.replace(/,? with args beginning with:.*$/s, '');
}

/**
 * `reconnectOnError` for clients `RedisStore` builds: after a failover the old primary answers
 * `READONLY`, and ioredis, left alone, keeps the connection to it for ever. `1` reconnects (a
 * managed endpoint's DNS then names the new primary) and fails the refused command; `2` would send
 * it again, which the store never asks for (every command is sent at most once: a resend can
 * land after the engine has given the call up, see `lambdaRedisOptions`).
 *
 * @example
 * ```ts
 * new Redis(url, { reconnectOnError: reconnectOnFailover });
 * ```
 */
export function reconnectOnFailover(err: Error): 1 | false {
  return replyCode(err.message) === 'READONLY' ? 1 : false;
}

/**
 * Wraps an error from an ioredis command for the store's callers (see `storeFailure`):
 * `IdempotencyStoreError` for an outage (a timeout, a closed connection, LOADING, BUSY, TRYAGAIN,
 * CLUSTERDOWN, MASTERDOWN, READONLY, NOREPLICAS), `IdempotencyCorruptRecordError` for a key of
 * another type, and `IdempotencyConfigError` for any other error reply (OOM, ERR, NOPERM...), with
 * the fix. The message never holds the key nor the arguments Redis echoes.
 *
 * @example
 * ```ts
 * try { await client.get(key); } catch (err) { throw toRedisStoreError('get', err); }
 * ```
 */
export function toRedisStoreError(operation: StoreOperation, err: unknown): IdempotencyError {
  const message = safeText(err instanceof Error ? err.message : String(err));
  const code = replyCode(message);
  const cause = withoutArguments(err, message);
  const failure = { store: 'RedisStore', operation, cause };
  if (code === 'WRONGTYPE') {
    return storeFailure({ ...failure, kind: StoreFailureKind.CorruptRecord, reason: 'the key holds a Redis type other than a string' });
  }
  if (isOutageText(message)) {
    return storeFailure({ ...failure, kind: StoreFailureKind.Outage, reason: message, fix: OUTAGE_FIX });
  }
  return storeFailure({ ...failure, kind: StoreFailureKind.Misconfiguration, reason: `Redis refused the command (${message})`, fix: FIXES.get(code as string) ?? DEFAULT_FIX });
}

function isOutageText(message: string): boolean {
  const code = replyCode(message);
  return code === undefined || OUTAGE_REPLIES.has(code) || OUTAGE_ERR.test(message);
}

/**
 * Is this error one that ends with the failover, restart or script that caused it (a timeout, a
 * closed connection, LOADING, BUSY...), rather than a reply every call would get?
 *
 * @example
 * ```ts
 * isRedisOutage(new Error('BUSY Redis is busy running a script')); // true
 * ```
 */
export function isRedisOutage(err: unknown): boolean {
  return isOutageText(safeText(err instanceof Error ? err.message : String(err)));
}

/**
 * The cause to attach: ioredis' reply errors carry the command (`err.command.args`: the record,
 * hence the result and its owner token), which `console.error(err)` would print. Keeps the name
 * and the message without the echoed arguments.
 */
function withoutArguments(err: unknown, message: string): unknown {
  if (!(err instanceof Error) || !('command' in err)) return err;
  const copy = new Error(message);
  copy.name = err.name;
  return copy;
}

/**
 * Is this the server refusing the URL's credentials in the connection handshake (`AUTH` or
 * `HELLO` answered `WRONGPASS`, `NOAUTH`, `NOPERM`)? ioredis reports it only as an 'error' event,
 * then reconnects; a call made meanwhile fails as if Redis were down.
 *
 * @example
 * ```ts
 * client.on('error', (err) => { if (isAuthRefusal(err)) refusedAuth = err; });
 * ```
 */
export function isAuthRefusal(err: unknown): err is Error {
  const command = (err as { command?: { name?: unknown } } | null)?.command?.name;
  return err instanceof Error && (command === 'auth' || command === 'hello') && !isRedisOutage(err);
}

/**
 * Is this the error of the connection handshake's `SELECT` (the database a URL names)? ioredis
 * reports it only as an 'error' event and then works on in database 0.
 *
 * @example
 * ```ts
 * client.on('error', (err) => { if (isSelectError(err)) client.disconnect(); });
 * ```
 */
export function isSelectError(err: unknown): err is Error {
  return err instanceof Error && (err as { command?: { name?: unknown } }).command?.name === 'select';
}
