import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { lambdaRedisOptions } from '../stores/redis/redisClient';
import { isSelectError } from '../stores/redis/redisErrors';
import { isSentinelUrl, parseSentinelUrl } from '../stores/redis/sentinelUrl';

/**
 * The Redis the CLI talks to: a standalone server or a whole Cluster, found from one URL. Every
 * command it sends touches one key (so it routes on a Cluster), and it sends only what the
 * documented least-privilege ACL allows plus SCAN and GETRANGE for `list-in-progress`.
 */
export interface RedisTarget {
  get(key: string): Promise<string | null>;
  /** Milliseconds the key has left (-2 absent, -1 no expiry). */
  pttl(key: string): Promise<number>;
  /** The first `bytes` characters of each value (null where absent): a record's status, not its result. */
  heads(keys: readonly string[], bytes: number): Promise<(string | null)[]>;
  del(key: string): Promise<boolean>;
  /** Every key matching `pattern`, from every master, in batches. */
  scan(pattern: string): AsyncIterable<readonly string[]>;
  close(): void;
}

const SCAN_BATCH = 500;

/** The CLI's client options: patient (an operator waits), but never retrying forever. */
function cliOptions(): RedisOptions {
  return { ...lambdaRedisOptions({ commandTimeoutMs: 5_000, connectTimeoutMs: 5_000 }), maxRetriesPerRequest: 1 };
}

/**
 * Connects to `url` (a server's, or a `redis+sentinel://` URL: the primary the sentinels name); when
 * the server says it is a Cluster node (`INFO cluster`), reconnects as a Cluster client with the
 * same credentials and TLS. The URL is never printed.
 *
 * @example
 * ```ts
 * const target = await connectTarget(process.env.REDIS_URL!);
 * for await (const keys of target.scan('idempotency:*')) console.log(keys.length);
 * ```
 */
export async function connectTarget(url: string): Promise<RedisTarget> {
  // A Sentinel URL leads to the primary the sentinels name (never a Cluster).
  const client = isSentinelUrl(url) ? new Redis({ ...parseSentinelUrl(url), ...cliOptions() }) : new Redis(url, cliOptions());
  // ioredis reports a refused SELECT (the URL's database) only as an 'error' event and goes on in
  // database 0: the CLI would then read and delete another environment's records.
  let selectRefused: Error | undefined;
  client.on('error', (err: Error) => {
    if (!isSelectError(err)) return;
    selectRefused = err;
    client.disconnect(); // before the queued INFO runs in database 0
  });
  let info = '';
  try {
    // Sent after the connection handshake (AUTH, SELECT), so a refused SELECT is known by now.
    info = await client.info('cluster');
  } catch (err) {
    client.disconnect();
    if (selectRefused === undefined) throw err;
  }
  if (selectRefused !== undefined) {
    throw new Error(`Redis refused to select the database the URL names (${selectRefused.message}); add +select to the user's ACL, or name a database the server has.`);
  }
  if (!/cluster_enabled:1/.test(info)) return standalone(client);
  client.disconnect();
  return await cluster(url);
}

function standalone(client: Redis): RedisTarget {
  return {
    ...perKey(client),
    async *scan(pattern) {
      yield* scanNode(client, pattern);
    },
    close: () => client.disconnect(),
  };
}

async function cluster(url: string): Promise<RedisTarget> {
  const { hostname, port, username, password, protocol } = new URL(url);
  const options = cliOptions();
  const client = new Cluster([{ host: hostname, port: Number(port || 6379) }], {
    // Managed clusters announce their nodes by name; keep them (ElastiCache TLS needs it).
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: {
      ...options,
      ...(username === '' ? {} : { username: decodeURIComponent(username) }),
      ...(password === '' ? {} : { password: decodeURIComponent(password) }),
      ...(protocol === 'rediss:' ? { tls: {} } : {}),
    },
    clusterRetryStrategy: () => null,
    lazyConnect: true,
  });
  client.on('error', () => undefined);
  // Connected before use: the masters to scan are known once the slots are.
  await client.connect().catch((err: unknown) => {
    client.disconnect();
    throw err;
  });
  return {
    ...perKey(client),
    async *scan(pattern) {
      // Each master holds its own keys: SCAN them one by one (a Cluster has no global keyspace).
      for (const node of client.nodes('master')) yield* scanNode(node, pattern);
    },
    close: () => client.disconnect(),
  };
}

function perKey(client: Redis | Cluster): Pick<RedisTarget, 'get' | 'pttl' | 'heads' | 'del'> {
  return {
    get: (key) => client.get(key),
    pttl: (key) => client.pttl(key),
    // One GETRANGE per key (routed by slot on a Cluster), sent together: a record's status is its
    // first bytes, so a 6 MB result is never downloaded to learn it is COMPLETED.
    heads: (keys, bytes) => Promise.all(keys.map((key) => client.getrange(key, 0, bytes - 1).then((head) => (head === '' ? null : head), notAString))),
    del: async (key) => (await client.del(key)) > 0,
  };
}

/** A key under the prefix that is not a string (WRONGTYPE) is not a record: it has no status. */
function notAString(err: unknown): null {
  if (err instanceof Error && err.message.startsWith('WRONGTYPE')) return null;
  throw err;
}

async function* scanNode(node: Redis, pattern: string): AsyncIterable<readonly string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== '0');
}
