import { IdempotencyCorruptRecordError, IdempotencyResultError, ReplayedError } from '../core/errors';
import { isCurrentSeal, SEALED_MARK, type SealContext, type Sealer } from '../core/encryption';
import { RecordStatus } from '../core/record';
import type { Serializer } from '../core/serializer';

/**
 * The payload codec: a method's result (or a failure kept by `cacheError`) as the string a
 * completed record stores, and back.
 *
 *   inner   := '!' JSON{name, message, code}     a stored failure
 *            | '\' text                         serializer text that is empty or starts with '!', '#' or '\'
 *            | text                             any other serializer text
 *   stored  := inner                            without encryption; an `undefined` result stores no payload
 *            | seal(inner)                      with encryption (see encryption.ts); an `undefined`
 *                                               result is seal('') so that it is authenticated too
 *
 * With encryption, anything that is not a seal (plaintext, or no payload at all) is refused unless
 * `acceptPlaintext` is set: someone who can write to the store could otherwise plant a result.
 * This file is the one place that knows these tags: the CLI asks {@link payloadKind}.
 */

/** What the codec needs from the resolved options. */
export interface PayloadCodec {
  readonly namespace: string;
  readonly serializer: Serializer;
  readonly sealer: Sealer | undefined;
  readonly maxResultBytes: number;
}

/** A stored payload read back: the value to replay, or the failure to throw again. */
export type DecodedPayload = { readonly value: unknown } | { readonly error: ReplayedError };

const STORED_ERROR = 33; /* ! */
const ESCAPE = 92; /* \\ */
const UNDEFINED: DecodedPayload = { value: undefined };

/**
 * What a stored payload holds, told by its first character without opening or decoding it: for
 * operators' tools, which must not print a result unasked.
 *
 * @example
 * ```ts
 * if (payloadKind(record.payload) === PayloadKind.Encrypted) console.log('sealed');
 * ```
 */
export const PayloadKind = {
  /** The method returned `undefined` (without encryption: no payload is stored). */
  Undefined: 'undefined',
  /** Sealed by `encryption`: a result or a stored failure, unreadable without the key. */
  Encrypted: 'encrypted',
  /** A failure stored by `cacheError`. */
  StoredError: 'stored error',
  /** A result, as the serializer wrote it. */
  Value: 'value',
} as const;

/** Union of the values of {@link PayloadKind}. */
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

/**
 * The kind of a stored payload (see {@link PayloadKind}).
 *
 * @example
 * ```ts
 * payloadKind('!{"name":"Error","message":"declined"}'); // 'stored error'
 * payloadKind(undefined); // 'undefined'
 * ```
 */
export function payloadKind(payload: string | undefined): PayloadKind {
  if (payload === undefined) return PayloadKind.Undefined;
  const first = payload.charCodeAt(0);
  return first === SEALED_MARK ? PayloadKind.Encrypted : first === STORED_ERROR ? PayloadKind.StoredError : PayloadKind.Value;
}

function context(recordKey: string, validationHash: string | undefined): SealContext {
  return { recordKey, status: RecordStatus.Completed, validationHash };
}

function seal(codec: PayloadCodec, inner: string, recordKey: string, validationHash: string | undefined): string {
  return codec.sealer === undefined ? inner : codec.sealer.seal(inner, context(recordKey, validationHash));
}

function escape(text: string): string {
  const first = text.charCodeAt(0);
  return text === '' || first === STORED_ERROR || first === SEALED_MARK || first === ESCAPE ? `\\${text}` : text;
}

function serializerText(codec: PayloadCodec, result: unknown): string {
  try {
    return codec.serializer.serialize(result);
  } catch (err) {
    throw new IdempotencyResultError(
      `${codec.namespace}: the result cannot be serialized (${err instanceof Error ? err.message : String(err)}); return plain JSON data (no BigInt, no cycles) or set \`serializer: richSerializer\`. The claim is kept until its lease ends.`,
      { cause: err },
    );
  }
}

/**
 * The stored payload of a result (`undefined`: store none), sealed when encryption is on. Throws
 * `IdempotencyResultError` when the serializer refuses the result; its size is checked before the
 * write, by {@link checkPayloadSize}.
 *
 * @example
 * ```ts
 * encodeResult(codec, { ok: true }, 'idempotency:Orders.create:ab12', undefined); // '{"ok":true}'
 * ```
 */
export function encodeResult(codec: PayloadCodec, result: unknown, recordKey: string, validationHash: string | undefined): string | undefined {
  if (result === undefined) return codec.sealer === undefined ? undefined : seal(codec, '', recordKey, validationHash);
  return seal(codec, escape(serializerText(codec, result)), recordKey, validationHash);
}

/**
 * Throws `IdempotencyResultError` when a stored payload is over the smaller of `maxResultBytes`
 * and what the store holds (`store.maxPayloadBytes`), in UTF-8 bytes. The one size check: run
 * before the write. A failure kept by `cacheError` is checked with `maxResultBytes: Infinity`
 * (as before the engine split, maxResultBytes limits results only).
 *
 * @example
 * ```ts
 * checkPayloadSize(codec, payload, store.maxPayloadBytes);
 * ```
 */
export function checkPayloadSize(codec: Pick<PayloadCodec, 'namespace' | 'maxResultBytes'>, payload: string | undefined, storeMaxBytes: number): void {
  const limit = Math.min(codec.maxResultBytes, storeMaxBytes);
  // A UTF-8 byte is at most 3 per UTF-16 unit: shorter strings need no byte count.
  if (payload === undefined || payload.length <= limit / 3) return;
  const bytes = Buffer.byteLength(payload);
  if (bytes <= limit) return;
  const fix = limit === codec.maxResultBytes ? `over maxResultBytes (${limit}); return less data or raise maxResultBytes` : `over what the store holds (${limit}); return less data`;
  throw new IdempotencyResultError(`${codec.namespace}: the result is ${bytes} bytes stored, ${fix}. The claim is kept until its lease ends.`);
}

/**
 * The stored payload of a failure kept by `cacheError`: its name, message and code only.
 *
 * @example
 * ```ts
 * encodeFailure(codec, new Error('declined'), 'idempotency:Orders.create:ab12', undefined); // '!{"name":"Error","message":"declined"}'
 * ```
 */
export function encodeFailure(codec: PayloadCodec, error: unknown, recordKey: string, validationHash: string | undefined): string {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  const kept = { name: e.name, message: e.message, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}) };
  return seal(codec, '!' + JSON.stringify(kept), recordKey, validationHash);
}

/**
 * The replayed value of a stored payload, or the `ReplayedError` to throw for a stored failure.
 * `validationHash` is the record's own (the seal is bound to it). Throws
 * `IdempotencyCorruptRecordError` for a payload that does not open or does not decode.
 *
 * @example
 * ```ts
 * decodePayload(codec, '{"ok":true}', 'idempotency:Orders.create:ab12', undefined); // { value: { ok: true } }
 * ```
 */
export function decodePayload(codec: PayloadCodec, payload: string | undefined, recordKey: string, validationHash: string | undefined): DecodedPayload {
  const { sealer } = codec;
  if (payload !== undefined && payload.charCodeAt(0) === SEALED_MARK) {
    if (sealer === undefined) {
      throw new IdempotencyCorruptRecordError(`${codec.namespace}: the stored result at ${recordKey} is encrypted, but no \`encryption\` key is configured.`);
    }
    const inner = sealer.open(payload, context(recordKey, validationHash));
    return inner === '' && isCurrentSeal(payload) ? UNDEFINED : decodeInner(codec, inner, recordKey);
  }
  if (sealer !== undefined && !sealer.acceptPlaintext) {
    // Timeline it prevents: encryption on → someone with write access to the store plants
    // `C|<hash>|v{"paid":999999}` (or `C|<hash>|u`) → a retry would replay it as our result.
    throw new IdempotencyCorruptRecordError(
      `${codec.namespace}: the stored result at ${recordKey} is not encrypted, but \`encryption\` is configured; delete the key, or set \`encryption.acceptPlaintext: true\` while records written before encryption was turned on are still live (one TTL).`,
    );
  }
  return payload === undefined ? UNDEFINED : decodeInner(codec, payload, recordKey);
}

function decodeInner(codec: PayloadCodec, text: string, recordKey: string): DecodedPayload {
  try {
    if (text.charCodeAt(0) === STORED_ERROR) {
      const { name, message, code } = JSON.parse(text.slice(1)) as { name?: unknown; message?: unknown; code?: unknown };
      return { error: new ReplayedError(String(name ?? 'Error'), String(message ?? ''), typeof code === 'string' || typeof code === 'number' ? code : undefined) };
    }
    return { value: codec.serializer.deserialize(text.charCodeAt(0) === ESCAPE ? text.slice(1) : text) };
  } catch (err) {
    throw new IdempotencyCorruptRecordError(`${codec.namespace}: the stored result at ${recordKey} cannot be read by the configured serializer; delete the key to recover.`, { cause: err });
  }
}
