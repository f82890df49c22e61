import { expectPositiveInteger } from '../../core/check';
import { isResentCompletion, RecordStatus, type IdempotencyRecord } from '../../core/record';
import {
  ClaimOutcome,
  type ClaimRequest,
  type ClaimResult,
  type CompleteRequest,
  type IdempotencyStore,
  type ReleaseRequest,
  type RenewRequest,
} from '../IdempotencyStore';

/**
 * Options of {@link MemoryStore}.
 *
 * @example
 * ```ts
 * new MemoryStore({ maxEntries: 1000, now: () => fakeClock.ms });
 * ```
 */
export interface MemoryStoreOptions {
  /**
   * Most records kept; the oldest are dropped first when full (expired ones are dropped anyway).
   * @default 100000
   */
  readonly maxEntries?: number;
  /**
   * The clock, in epoch milliseconds; tests pass a fake one.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface Entry {
  record: IdempotencyRecord;
  expiresAtMs: number;
}

/**
 * An in-process store with the same semantics as `RedisStore`: for unit tests, local runs and the
 * `npm start` sample. It protects only calls within one process; use Redis for real deployments.
 *
 * @example
 * ```ts
 * configureIdempotency({ store: new MemoryStore() });
 * ```
 */
export class MemoryStore implements IdempotencyStore {
  /**
   * No limit of its own: a payload is kept as the string it was given, which the process already
   * holds (the engine's `maxResultBytes` still applies).
   */
  readonly maxPayloadBytes = Number.POSITIVE_INFINITY;
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = expectPositiveInteger('maxEntries', options.maxEntries ?? 100_000);
    this.now = options.now ?? Date.now;
  }

  /** Number of live records (expired ones are not counted). */
  get size(): number {
    const now = this.now();
    let n = 0;
    for (const entry of this.entries.values()) if (entry.expiresAtMs > now) n++;
    return n;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { key } = request;
    const now = this.now();
    const entry = this.live(key, now);
    if (entry !== undefined) {
      const { record } = entry;
      if (record.status === RecordStatus.Completed) return { outcome: ClaimOutcome.Existing, record, nowMs: now, expiresAtMs: entry.expiresAtMs };
      if (record.leaseExpiresAtMs > now) return { outcome: ClaimOutcome.Existing, record, nowMs: now };
    }
    const leaseExpiresAtMs = now + request.leaseMs;
    this.set(key, {
      record: { status: RecordStatus.InProgress, token: request.token, leaseExpiresAtMs, validationHash: request.validationHash },
      expiresAtMs: now + Math.max(request.ttlMs, request.leaseMs),
    });
    return { outcome: entry === undefined ? ClaimOutcome.Claimed : ClaimOutcome.TakenOver, leaseExpiresAtMs };
  }

  async complete({ key, token, payload, validationHash, ttlMs }: CompleteRequest): Promise<boolean> {
    const now = this.now();
    const record = this.live(key, now)?.record;
    if (record?.status === RecordStatus.Completed) return isResentCompletion(record, token, payload, validationHash);
    // Absent or expired: the owner's lease ended and nobody claimed since; the method did run.
    if (record !== undefined && record.token !== token) return false;
    this.set(key, { record: { status: RecordStatus.Completed, token, validationHash, payload }, expiresAtMs: now + ttlMs });
    return true;
  }

  async release({ key, token }: ReleaseRequest): Promise<boolean> {
    if (!this.owns(key, token, this.now())) return false;
    this.entries.delete(key);
    return true;
  }

  async renewLease({ key, token, leaseMs }: RenewRequest): Promise<boolean> {
    const now = this.now();
    const entry = this.live(key, now);
    if (entry === undefined || entry.record.status !== RecordStatus.InProgress || entry.record.token !== token) return false;
    const leaseExpiresAtMs = now + leaseMs;
    entry.record = { ...entry.record, leaseExpiresAtMs };
    entry.expiresAtMs = Math.max(entry.expiresAtMs, leaseExpiresAtMs);
    return true;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.live(key, this.now())?.record;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key, this.now()) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  /** Removes every record (tests). */
  clear(): void {
    this.entries.clear();
  }

  private owns(key: string, token: string, now: number): boolean {
    const record = this.live(key, now)?.record;
    return record?.status === RecordStatus.InProgress && record.token === token;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > now) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private set(key: string, entry: Entry): void {
    // Re-insert so that Map order is last-write order, which makes eviction oldest-first.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.evict();
  }

  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
    // Drop completed records before live claims: evicting a claim would let a duplicate run.
    for (const pass of [RecordStatus.Completed, RecordStatus.InProgress]) {
      for (const [key, entry] of this.entries) {
        if (this.entries.size <= this.maxEntries) return;
        if (entry.record.status === pass) this.entries.delete(key);
      }
    }
  }
}

