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

/** An entry in the recency list: oldest first, newest last. */
interface Slot {
  readonly id: string;
  readonly entry: CachedResult;
  older: Slot | undefined;
  newer: Slot | undefined;
}

/**
 * An LRU of completed records, so a repeat served from the same container costs no store round
 * trip. Entries are keyed by store and record key: a function whose store is chosen per instance
 * (per tenant) never replays one store's result for another's. It only ever holds COMPLETED
 * records (a claim is never cached: its owner may still fail) and drops each at the record's own
 * expiry. Trade-off: a record deleted in the store (an operator's reset, `store.delete`, the CLI's
 * `invalidate`) is still replayed from here, in every container that cached it, until it expires.
 *
 * Recency is a linked list beside the Map: a hit moves its slot to the newest end by relinking
 * two neighbours. (Re-inserting into the Map on every hit, delete then set, made a hit served from
 * here about 0.8 us dearer: the Map's table fills with deleted entries and is rebuilt.)
 */
export class LocalResultCache {
  private readonly entries = new Map<string, Slot>();
  #oldest: Slot | undefined;
  #newest: Slot | undefined;

  constructor(
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of entries held, over all stores (expired ones included until touched). */
  get size(): number {
    return this.entries.size;
  }

  get(store: object, key: string): CachedResult | undefined {
    const slot = this.entries.get(storeId(store) + ' ' + key);
    if (slot === undefined) return undefined;
    if (slot.entry.expiresAtMs <= this.now()) {
      this.#remove(slot);
      return undefined;
    }
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#append(slot);
    }
    return slot.entry;
  }

  set(store: object, key: string, entry: CachedResult): void {
    if (entry.expiresAtMs <= this.now()) return;
    const id = storeId(store) + ' ' + key;
    const previous = this.entries.get(id);
    if (previous !== undefined) this.#remove(previous);
    const slot: Slot = { id, entry, older: undefined, newer: undefined };
    this.entries.set(id, slot);
    this.#append(slot);
    if (this.entries.size > this.maxEntries && this.#oldest !== undefined) this.#remove(this.#oldest);
  }

  #remove(slot: Slot): void {
    this.entries.delete(slot.id);
    this.#unlink(slot);
  }

  #unlink(slot: Slot): void {
    if (slot.older === undefined) this.#oldest = slot.newer;
    else slot.older.newer = slot.newer;
    if (slot.newer === undefined) this.#newest = slot.older;
    else slot.newer.older = slot.older;
    slot.older = slot.newer = undefined;
  }

  #append(slot: Slot): void {
    slot.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = slot;
    else this.#newest.newer = slot;
    this.#newest = slot;
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
