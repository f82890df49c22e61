import type { Redis } from 'ioredis';
import type { IdempotencyError } from '../../core/errors';
import { storeFailure, StoreFailureKind, type StoreOperation } from '../storeFailure';
import { isRedisOutage } from './redisErrors';

/**
 * A Sentinel URL naming a master the sentinels do not monitor, or with sentinel credentials they
 * refuse. ioredis asks each sentinel, gets
 * "no such master" (an error, or nil before Redis 7; each a 'sentinelError' event), then says "All sentinels
 * are unreachable" as an 'error' event and tries again for ever; every call meanwhile times out,
 * an outage, which `onStoreError: 'continue'` would run through unprotected on every call, for
 * ever. Timeline: a sentinel answers nil → none names a primary → 'error' → calls time out.
 */

/** A sentinel answered that it has no such master: Redis 7 with an error, older ones with nil. */
const UNKNOWN_MASTER = /(because ERR No such master with that name|successfully, but got an invalid reply: null)$/;
/** A sentinel refused the URL's sentinel credentials (`?sentinelUsername`, `?sentinelPassword`). */
const REFUSED_CREDENTIALS = /because (WRONGPASS|NOAUTH|NOPERM)\b/;

const FIXES = {
  master: {
    reason: 'the sentinels do not know the master name the Sentinel URL gives (no sentinel named a primary)',
    fix: 'put the name the sentinels monitor after the hosts (redis+sentinel://host1,host2/mymaster; SENTINEL MASTERS on a sentinel lists them)',
  },
  credentials: {
    reason: "the sentinels refused the Sentinel URL's sentinel credentials (no sentinel named a primary)",
    fix: "check ?sentinelUsername and ?sentinelPassword (the sentinels' own ACL; the user and password before @ are Redis')",
  },
} as const;
type Refusal = keyof typeof FIXES;
const ALL_FAILED = /^All sentinels are unreachable/;

/**
 * Watches a Sentinel client for a round in which no sentinel named a primary and at least one said
 * it does not know the master or refused the credentials; {@link SentinelMasterWatch.failure} then turns an outage into the
 * configuration error it is, until the client is ready again.
 *
 * @example
 * ```ts
 * const watch = new SentinelMasterWatch(client);
 * try { await client.get(key); } catch (err) { throw watch.failure('get', err) ?? err; }
 * ```
 */
export class SentinelMasterWatch {
  private thisRound: Refusal | undefined;
  private refusal: Refusal | undefined;

  constructor(client: Redis) {
    client.on('sentinelError', (err: unknown) => {
      if (!(err instanceof Error)) return;
      if (UNKNOWN_MASTER.test(err.message)) this.thisRound = 'master';
      else if (REFUSED_CREDENTIALS.test(err.message)) this.thisRound ??= 'credentials';
    });
    client.on('error', (err: unknown) => {
      if (!(err instanceof Error) || !ALL_FAILED.test(err.message)) return;
      this.refusal = this.thisRound;
      this.thisRound = undefined;
    });
    client.on('ready', () => (this.refusal = this.thisRound = undefined));
  }

  /** The configuration error to throw instead of `err`, an outage while the sentinels refuse the URL. */
  failure(operation: StoreOperation, err: unknown): IdempotencyError | undefined {
    if (this.refusal === undefined || !isRedisOutage(err)) return undefined;
    return storeFailure({ store: 'RedisStore', operation, kind: StoreFailureKind.Misconfiguration, ...FIXES[this.refusal] });
  }
}
