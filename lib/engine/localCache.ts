import type { LocalCacheOptions } from '../core/options';

/** A completed record as cached: its payload, validation hash and expiry. */
export interface CachedResult {
  readonly payload: string | undefined;
  readonly validationHash: string | undefined;
  readonly expiresAtMs: number;
}

// A short id per store object, so entries are keyed by store + record key without holding the
// store: a store that is dropped (a tenant's) leaves entries that the LRU bound evicts.
const storeIds = new WeakMap<object, string>();
let nextStoreId = 0;
function storeId(store: object): string {
  let id = storeIds.get(store);
  if (id === undefined) storeIds.set(store, (id = (nextStoreId++).toString(36)));
  return id;
}

/**
 * An LRU of completed records, so a repeat served from the same container costs no store round
 * trip. Entries are keyed by store and record key: a function whose store is chosen per instance
 * (per tenant) never replays one store's result for another's. It only ever holds COMPLETED
 * records (a claim is never cached: its owner may still fail) and drops each at the record's own
 * expiry. Trade-off: a record deleted in the store (an operator's reset, `store.delete`, the CLI's
 * `invalidate`) is still replayed from here, in every container that cached it, until it expires.
 */
export class LocalResultCache {
  private readonly entries = new Map<string, CachedResult>();

  constructor(
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of entries held, over all stores (expired ones included until touched). */
  get size(): number {
    return this.entries.size;
  }

  get(store: object, key: string): CachedResult | undefined {
    const id = storeId(store) + ' ' + key;
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    // Map order is insertion order: re-inserting makes this the most recently used.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry;
  }

  set(store: object, key: string, entry: CachedResult): void {
    if (entry.expiresAtMs <= this.now()) return;
    const id = storeId(store) + ' ' + key;
    this.entries.delete(id);
    this.entries.set(id, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/**
 * The local cache of one wrapped function. It outlives the re-resolution of options (every
 * `configureIdempotency` call re-resolves them): only a different `maxEntries` replaces it, and
 * turning `localCache` off drops it.
 */
export class LocalCacheSlot {
  private cache: LocalResultCache | undefined;

  /** The cache for these options, kept from call to call while `maxEntries` stays the same. */
  for(options: LocalCacheOptions | undefined): LocalResultCache | undefined {
    if (options === undefined) return (this.cache = undefined);
    if (this.cache?.maxEntries !== options.maxEntries) this.cache = new LocalResultCache(options.maxEntries);
    return this.cache;
  }
}
