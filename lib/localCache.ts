import { IdempotencyConfigError } from './errors';

/**
 * Options of the in-process cache of completed results.
 *
 * @example
 * ```ts
 * @Idempotent({ key: 'detail.id', localCache: { maxEntries: 10_000 } })
 * ```
 */
export interface LocalCacheOptions {
  /** Most completed results kept per decorated method; the least recently used go first. */
  readonly maxEntries: number;
}

/** A completed record as cached: its payload, validation hash and expiry. */
export interface CachedResult {
  readonly payload: string | undefined;
  readonly validationHash: string | undefined;
  readonly expiresAtMs: number;
}

/**
 * An LRU of completed records, so a repeat served from the same container costs no store round
 * trip. It only ever holds COMPLETED records (a claim is never cached: its owner may still fail)
 * and drops each at the record's own expiry. Trade-off: a record deleted in the store (an
 * operator's reset) is still replayed from here until it expires.
 */
export class LocalResultCache {
  private readonly entries = new Map<string, CachedResult>();

  constructor(
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of entries held (expired ones included until touched). */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedResult | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: re-inserting makes this the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedResult): void {
    if (entry.expiresAtMs <= this.now()) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** Validates `localCache` options up front. */
export function validateLocalCache(value: unknown): void {
  const max = (value as { maxEntries?: unknown } | null)?.maxEntries;
  if (value === null || typeof value !== 'object' || typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    throw new IdempotencyConfigError(`Expected \`localCache\` to be { maxEntries: <positive integer> }, got ${value === null || typeof value !== 'object' ? String(value) : `maxEntries ${String(max)}`}`);
  }
}
