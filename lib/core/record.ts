/**
 * The record a store keeps per idempotency key, and its compact string encoding.
 *
 * The encoding puts the small fields first (the status letter, the owner token), so that a Redis
 * script can check ownership without decoding the stored result, which may be megabytes:
 *
 *   IN_PROGRESS  `P|<token>|<leaseExpiresAtMs>|<validationHash>`
 *   COMPLETED    `C|<validationHash>|t<token>|<tag><payload>`   tag `v`: payload follows; `u`: result was undefined
 *
 * The completed record keeps its writer's token so that a resent completion can recognize its
 * own first write. Records of version 0.1 (`C|<validationHash>|<tag><payload>`, no token) still decode.
 */

/**
 * Record statuses.
 *
 * @example
 * ```ts
 * if (record?.status === RecordStatus.Completed) console.log('already done');
 * ```
 */
export const RecordStatus = {
  InProgress: 'IN_PROGRESS',
  Completed: 'COMPLETED',
} as const;

/**
 * Union of the values of {@link RecordStatus}.
 * @example
 * ```ts
 * const status: RecordStatus = RecordStatus.Completed;
 * ```
 */
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];

/**
 * A claim held by a running invocation.
 *
 * @example
 * ```ts
 * const r: InProgressRecord = { status: 'IN_PROGRESS', token: 't1', leaseExpiresAtMs: Date.now() + 60_000 };
 * ```
 */
export interface InProgressRecord {
  readonly status: typeof RecordStatus.InProgress;
  /** Owner token: only its holder may complete or release the record. */
  readonly token: string;
  /**
   * Epoch milliseconds after which another caller may take the claim over. On Redis the lease is
   * the key's own expiry and this is the claimant's clock, a hint for retry-after only.
   */
  readonly leaseExpiresAtMs: number;
  /** Hash of the validated part of the event, when `validate` is set. */
  readonly validationHash?: string;
}

/**
 * A finished invocation's stored result.
 *
 * @example
 * ```ts
 * const r: CompletedRecord = { status: 'COMPLETED', payload: '{"ok":true}' };
 * ```
 */
export interface CompletedRecord {
  readonly status: typeof RecordStatus.Completed;
  /**
   * Owner token of the invocation that completed it, so that its resent completion is recognized
   * as already stored. Absent on records written before version 0.2.
   */
  readonly token?: string;
  /** Hash of the validated part of the event, when `validate` is set. */
  readonly validationHash?: string;
  /** The serialized result; `undefined` when the method returned `undefined`. */
  readonly payload?: string;
}

/**
 * Either kind of record.
 *
 * @example
 * ```ts
 * const record: IdempotencyRecord | undefined = await store.get(key);
 * ```
 */
export type IdempotencyRecord = InProgressRecord | CompletedRecord;

const SEP = '|';

/**
 * How every encoded in-progress record starts, so a tool can find claims by reading two bytes of
 * each record instead of the whole record (which, completed, may hold megabytes).
 *
 * @example
 * ```ts
 * const head = await redis.getrange(key, 0, IN_PROGRESS_HEAD.length - 1);
 * if (head === IN_PROGRESS_HEAD) console.log('claimed, in progress');
 * ```
 */
export const IN_PROGRESS_HEAD = `P${SEP}`;

/**
 * Encodes a completed record from its parts, without building an object first.
 *
 * @example
 * ```ts
 * encodeCompleted(undefined, '{"ok":true}', 'tok1'); // 'C||ttok1|v{"ok":true}'
 * ```
 */
export function encodeCompleted(validationHash: string | undefined, payload: string | undefined, token?: string): string {
  const owner = token === undefined ? '' : `t${token}${SEP}`;
  return `C${SEP}${validationHash ?? ''}${SEP}${owner}${payload === undefined ? 'u' : `v${payload}`}`;
}

/**
 * Encodes an in-progress record from its parts.
 *
 * @example
 * ```ts
 * encodeInProgress('tok1', 1_800_000_000_000, undefined); // 'P|tok1|1800000000000|'
 * ```
 */
export function encodeInProgress(token: string, leaseExpiresAtMs: number, validationHash: string | undefined): string {
  return `${IN_PROGRESS_HEAD}${token}${SEP}${leaseExpiresAtMs}${SEP}${validationHash ?? ''}`;
}

/**
 * Decodes the compact string form; returns `undefined` for anything this library did not write.
 *
 * @example
 * ```ts
 * decodeRecord('C||v1'); // { status: 'COMPLETED', payload: '1' }
 * decodeRecord('garbage'); // undefined
 * ```
 */
export function decodeRecord(raw: string): IdempotencyRecord | undefined {
  const kind = raw.charCodeAt(0);
  if (raw.charCodeAt(1) !== 124 /* | */) return undefined;
  if (kind === 67 /* C */) return decodeCompleted(raw);
  if (kind === 80 /* P */) {
    const parts = raw.split(SEP);
    if (parts.length !== 4 || parts[1] === '') return undefined;
    const leaseExpiresAtMs = Number(parts[2]);
    if (!Number.isSafeInteger(leaseExpiresAtMs)) return undefined;
    return {
      status: RecordStatus.InProgress,
      token: parts[1] as string,
      leaseExpiresAtMs,
      validationHash: parts[3] === '' ? undefined : parts[3],
    };
  }
  return undefined;
}

function decodeCompleted(raw: string): IdempotencyRecord | undefined {
  let end = raw.indexOf(SEP, 2);
  if (end < 0 || end + 1 >= raw.length) return undefined;
  const validationHash = end > 2 ? raw.slice(2, end) : undefined;
  let token: string | undefined;
  if (raw.charCodeAt(end + 1) === 116 /* t */) {
    const tokenEnd = raw.indexOf(SEP, end + 2);
    if (tokenEnd <= end + 2 || tokenEnd + 1 >= raw.length) return undefined;
    token = raw.slice(end + 2, tokenEnd);
    end = tokenEnd;
  }
  const tag = raw.charCodeAt(end + 1);
  if (tag === 117 /* u */ && end + 2 === raw.length) return completed(token, validationHash, undefined);
  if (tag !== 118 /* v */) return undefined;
  return completed(token, validationHash, raw.slice(end + 2));
}

// Object literals, not spreads: read on every hit, and a spread of a fresh `{ token }` costs two
// objects and a slow-path copy. `token` and `payload` are left out when absent, as before.
function completed(token: string | undefined, validationHash: string | undefined, payload: string | undefined): CompletedRecord {
  if (payload === undefined) return token === undefined ? { status: RecordStatus.Completed, validationHash } : { status: RecordStatus.Completed, token, validationHash };
  return token === undefined ? { status: RecordStatus.Completed, validationHash, payload } : { status: RecordStatus.Completed, token, validationHash, payload };
}

/**
 * Whether a completed record is exactly what this token's completion writes: its own earlier
 * write, which a resent completion (reply lost, request retried) finds. Stores treat it as stored.
 *
 * @example
 * ```ts
 * isResentCompletion({ status: 'COMPLETED', token: 't1', payload: '1' }, 't1', '1', undefined); // true
 * ```
 */
export function isResentCompletion(record: CompletedRecord, token: string, payload: string | undefined, validationHash: string | undefined): boolean {
  return record.token === token && record.payload === payload && record.validationHash === validationHash;
}
