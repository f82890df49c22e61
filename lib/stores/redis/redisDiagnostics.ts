import { inspect } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import type { StoreWarningLine } from '../../core/log';
import { sharedState } from '../../core/processState';

/**
 * Set-up checks of `RedisStore`, each logged once as a {@link StoreWarningLine}: a Redis that may
 * evict records, and stores built per invocation. Neither adds a command to a call: the eviction
 * check is one `INFO memory` per store, sent after its first reply, and the store count is kept
 * in process memory. And what the store shows of itself when printed: never its credentials.
 */

/** Logs one set-up warning. The store's implementation never throws. */
export type StoreWarn = (line: StoreWarningLine) => void;

/**
 * How many stores built from a URL may be open at once before the process is told it builds one
 * per invocation. A process needs one store per Redis endpoint, a few in a multi-tenant set-up;
 * a store built inside the handler passes 10 on the 11th invocation of a warm container, minutes
 * before its connections (one per store, never closed) trouble Redis or keep a script from exiting.
 */
export const OPEN_STORES_WARNING_THRESHOLD = 10;

// Counted over every copy of the package in the process: the stores' connections are the process'.
const open = /* @__PURE__ */ sharedState('open-stores', 1, () => ({ stores: 0, warned: false }));

/** Counts a store that built its own client; past the threshold, warns (once per process). */
export function countOpenStore(warn: StoreWarn): void {
  const openStores = ++open.stores;
  if (openStores <= OPEN_STORES_WARNING_THRESHOLD || open.warned) return;
  open.warned = true;
  warn({
    message:
      `RedisStore: ${openStores} stores built from a URL are open in this process, each holding its own Redis connection until close(). ` +
      'Build the store once at module scope (outside the handler) and reuse it across invocations; close() a store you no longer use.',
    warning: 'open_stores',
    store: 'RedisStore',
    openStores,
  });
}

/** Uncounts a store that was closed. */
export function countClosedStore(): void {
  open.stores--;
}

/** The fields of an `INFO` reply, e.g. `maxmemory_policy` → `volatile-lru`. */
export function parseInfo(reply: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of reply.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

interface Eviction {
  readonly policy: string;
  readonly maxmemoryBytes: number;
}

/**
 * The eviction a node's `INFO memory` reveals: a memory limit with any policy but `noeviction`.
 * Every record has a TTL, so the `volatile-*` policies (ElastiCache's default is `volatile-lru`)
 * may evict records as readily as the `allkeys-*` ones. Undefined when nothing says so (no limit,
 * `noeviction`, or a server that does not report these fields).
 */
function evictionOf(reply: string | undefined): Eviction | undefined {
  if (reply === undefined) return undefined;
  const info = parseInfo(reply);
  const maxmemoryBytes = Number(info.get('maxmemory'));
  const policy = info.get('maxmemory_policy');
  if (!(maxmemoryBytes > 0) || policy === undefined || policy === 'noeviction') return undefined;
  return { policy, maxmemoryBytes };
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return typeof (client as Cluster).nodes === 'function';
}

/**
 * Reads `INFO memory` once from the server (from every master of a Cluster) and warns when a node
 * evicts keys when full. Never rejects: a refused or failed `INFO` (an ACL without it, a proxy
 * that hides it) means no warning, and no effect on any call.
 */
export async function warnIfEvicting(client: Redis | Cluster, warn: StoreWarn): Promise<void> {
  const nodes: Array<Redis | Cluster> = isCluster(client) ? client.nodes('master') : [client];
  const replies = await Promise.all(nodes.map((node) => node.info('memory').catch(() => undefined)));
  const evicting = replies.map(evictionOf).filter((e): e is Eviction => e !== undefined);
  const first = evicting[0];
  if (first === undefined) return;
  const where = nodes.length > 1 ? ` on ${evicting.length} of ${nodes.length} masters` : '';
  warn({
    message:
      `RedisStore: this Redis evicts keys when its memory is full (maxmemory-policy ${first.policy}${where}). Every idempotency record has a TTL, ` +
      'so a record can be evicted before it expires and its request run again. Set maxmemory-policy to noeviction, on an instance (or parameter group) of its own.',
    warning: 'eviction_policy',
    store: 'RedisStore',
    maxmemoryPolicy: first.policy,
    maxmemoryBytes: first.maxmemoryBytes,
    ...(nodes.length > 1 ? { nodesEvicting: evicting.length, nodes: nodes.length } : {}),
  });
}

/**
 * Keeps the password (in the client's options) out of what `util.inspect`, `console.log` and JSON
 * loggers print of a store: `{ store: 'RedisStore', status }` (the client itself stays ioredis').
 *
 * @example
 * ```ts
 * showWithoutCredentials(this); // console.log(store) → { store: 'RedisStore', status: 'ready' }
 * ```
 */
export function showWithoutCredentials(store: { readonly client: Redis | Cluster }): void {
  const shown = (): object => ({ store: 'RedisStore', status: store.client.status });
  Object.defineProperty(store, inspect.custom, { value: shown });
  Object.defineProperty(store, 'toJSON', { value: shown });
}
