import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IdempotencyConfigError, IdempotencyCorruptRecordError } from './errors';

/**
 * Encryption at rest of stored results (AES-256-GCM), with key rotation by key id: results are
 * sealed with `key` and its `keyId`; `previousKeys` still open records sealed before a rotation.
 * Each seal is bound to its record key, status and validation hash, so a sealed result that is
 * moved, or whose validation hash is changed, does not open.
 *
 * @example
 * ```ts
 * encryption: { key: process.env.IDEMPOTENCY_KEY!, keyId: '2026-11', previousKeys: { '2026-05': process.env.IDEMPOTENCY_KEY_OLD! } }
 * ```
 */
export interface EncryptionOptions {
  /** 32 bytes: a Buffer, or a base64 string of 32 bytes. */
  readonly key: Buffer | string;
  /**
   * Id stored with each sealed record, to find its key after a rotation (1-64 letters, digits,
   * `-`, `_` or `.`).
   * @default 'k1'
   */
  readonly keyId?: string;
  /**
   * Older keys by id, for reading records sealed before a rotation.
   * @default {}
   */
  readonly previousKeys?: Readonly<Record<string, Buffer | string>>;
  /**
   * Migration switch for turning encryption on over live records: also replay results stored
   * unencrypted. Such a record is not authenticated, so anyone who can write to the store can
   * plant one; turn this off once the records written before encryption have expired (one TTL).
   * @default false
   */
  readonly acceptPlaintext?: boolean;
  /**
   * Migration switch for upgrading from lambda-idempotency 0.1.x, whose seals bind only the
   * record key: also open those. Their validation hash is not authenticated, so anyone who can write to
   * the store can change it and have a different payload replay the result; turn this off once
   * the records sealed by 0.1.x have expired (one TTL).
   * @default false
   */
  readonly acceptLegacySeals?: boolean;
}

/** What a seal is bound to (its AES-GCM associated data): which record, in which state. */
export interface SealContext {
  /** The full record key, `<prefix>:<namespace>:<sha256>`. */
  readonly recordKey: string;
  /** The record's status, as stored (`COMPLETED` for every record with a result). */
  readonly status: string;
  /** The record's validation hash, as stored; `undefined` when `validate` is not set. */
  readonly validationHash: string | undefined;
}

/** A prepared key ring: seal with the current key, open with any. */
export interface Sealer {
  seal(plaintext: string, context: SealContext): string;
  /** The plaintext of a sealed string; throws `IdempotencyCorruptRecordError` when it does not open. */
  open(sealed: string, context: SealContext): string;
  /** Whether unencrypted stored results are still replayed (`acceptPlaintext`). */
  readonly acceptPlaintext: boolean;
}

/** Sealed records start with '#', which no JSON text and no serializer output (escaped) starts with. */
export const SEALED_MARK = 35; /* # */

// Stored forms (base64 has no '.' nor ':', key ids have no ':', so both parse unambiguously):
//   current  `#2:<keyId>:<base64(iv 12 bytes | tag 16 bytes | ciphertext)>`, AAD = associatedData()
//   0.1.x    `#<keyId>.<base64(...)>`, AAD = the record key alone (key id split at the LAST dot)
const CURRENT = '#2:';
const AAD_LABEL = 'lambda-idempotency/seal/2';
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const OPTION_NAMES: ReadonlySet<string> = new Set(['key', 'keyId', 'previousKeys', 'acceptPlaintext', 'acceptLegacySeals']);

/**
 * Whether a sealed string is in the current form (bound to status and validation hash too); an
 * empty plaintext means an `undefined` result only there.
 *
 * @example
 * ```ts
 * isCurrentSeal(sealer.seal('', context)); // true
 * ```
 */
export function isCurrentSeal(sealed: string): boolean {
  return sealed.startsWith(CURRENT);
}

/**
 * The associated data of a current seal: a JSON array, so no choice of record key or hash can
 * make two different contexts encode alike.
 *
 * @example
 * ```ts
 * associatedData({ recordKey: 'idempotency:Orders.create:ab12', status: 'COMPLETED', validationHash: 'cd34' });
 * // '["lambda-idempotency/seal/2","idempotency:Orders.create:ab12","COMPLETED","cd34"]'
 * ```
 */
export function associatedData(context: SealContext): string {
  return JSON.stringify([AAD_LABEL, context.recordKey, context.status, context.validationHash ?? '']);
}

function toKey(value: unknown, name: string): Buffer {
  const key = Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (key === undefined || key.length !== 32) {
    // The message names the option, never the key's content.
    throw new IdempotencyConfigError(`Expected \`${name}\` to be 32 bytes (a Buffer, or base64 of 32 bytes) for AES-256-GCM; generate one with crypto.randomBytes(32).`);
  }
  return key;
}

function checkKeyId(id: unknown, name: string): void {
  if (typeof id !== 'string' || !KEY_ID.test(id)) throw new IdempotencyConfigError(`Expected \`${name}\` to be 1-64 letters, digits, '-', '_' or '.', got ${JSON.stringify(id)}`);
}

function checkFlag(options: EncryptionOptions, name: 'acceptPlaintext' | 'acceptLegacySeals'): boolean {
  const value: unknown = options[name];
  if (value !== undefined && typeof value !== 'boolean') throw new IdempotencyConfigError(`Expected \`encryption.${name}\` to be a boolean, got ${JSON.stringify(value) ?? typeof value}`);
  return value === true;
}

/** Validates the options (never echoing key material) and returns the key ring by id. */
function keyRing(options: EncryptionOptions, keyId: string): Map<string, Buffer> {
  if (options === null || typeof options !== 'object') throw new IdempotencyConfigError('Expected `encryption` to be { key, keyId?, previousKeys?, acceptPlaintext?, acceptLegacySeals? }.');
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new IdempotencyConfigError(`Unknown option \`encryption.${name}\`; expected one of ${[...OPTION_NAMES].join(', ')}.`);
  }
  checkKeyId(keyId, 'encryption.keyId');
  const previous: unknown = options.previousKeys ?? {};
  if (previous === null || typeof previous !== 'object') throw new IdempotencyConfigError('Expected `encryption.previousKeys` to be an object of key id to key.');
  const keys = new Map<string, Buffer>();
  for (const [id, key] of Object.entries(previous)) {
    checkKeyId(id, 'encryption.previousKeys key id');
    keys.set(id, toKey(key, `encryption.previousKeys.${id}`));
  }
  keys.set(keyId, toKey(options.key, 'encryption.key'));
  return keys;
}

function encrypt(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function decrypt(key: Buffer, base64: string, aad: string): string {
  try {
    const raw = Buffer.from(base64, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new IdempotencyCorruptRecordError(
      'A stored result failed its integrity check (tampered, truncated, its validation hash changed, or copied from another record); delete the key to recover.',
      { cause: err },
    );
  }
}

/** Splits a sealed string into its key id, ciphertext and the AAD it was sealed with. */
function parse(sealed: string, context: SealContext, acceptLegacySeals: boolean): { id: string; body: string; aad: string } {
  if (sealed.startsWith(CURRENT)) {
    const colon = sealed.indexOf(':', CURRENT.length);
    if (colon < 0) throw new IdempotencyCorruptRecordError(`The sealed result at ${context.recordKey} has no key id separator; delete the key to recover.`);
    return { id: sealed.slice(CURRENT.length, colon), body: sealed.slice(colon + 1), aad: associatedData(context) };
  }
  if (!acceptLegacySeals) {
    throw new IdempotencyCorruptRecordError(
      `The stored result at ${context.recordKey} was sealed by lambda-idempotency 0.1.x, whose seal does not cover the validation hash; set \`encryption.acceptLegacySeals: true\` until such records expire (one TTL), or delete the key.`,
    );
  }
  // 0.1.x wrote `#<keyId>.<base64>`; base64 has no '.', so the last dot ends the key id.
  const dot = sealed.lastIndexOf('.');
  return { id: dot > 1 ? sealed.slice(1, dot) : '', body: sealed.slice(dot + 1), aad: context.recordKey };
}

/**
 * Validates the options and prepares the keys. Each seal's associated data names its record key,
 * status and validation hash (see {@link associatedData}), so a sealed result copied to another
 * record, or left in place with its validation hash changed, fails to open.
 *
 * @example
 * ```ts
 * const sealer = createSealer({ key: randomBytes(32) });
 * const context = { recordKey: 'idempotency:Orders.create:ab12', status: 'COMPLETED', validationHash: undefined };
 * sealer.open(sealer.seal('{"ok":true}', context), context); // '{"ok":true}'
 * ```
 */
export function createSealer(options: EncryptionOptions): Sealer {
  const keyId = options?.keyId ?? 'k1';
  const keys = keyRing(options, keyId);
  const current = keys.get(keyId) as Buffer;
  const acceptPlaintext = checkFlag(options, 'acceptPlaintext');
  const acceptLegacySeals = checkFlag(options, 'acceptLegacySeals');
  return {
    acceptPlaintext,
    seal: (plaintext, context) => `${CURRENT}${keyId}:${encrypt(current, plaintext, associatedData(context))}`,
    open(sealed, context) {
      const { id, body, aad } = parse(sealed, context, acceptLegacySeals);
      if (!KEY_ID.test(id)) throw new IdempotencyCorruptRecordError(`The sealed result at ${context.recordKey} has no valid key id; delete the key to recover.`);
      const key = keys.get(id);
      if (key === undefined) {
        throw new IdempotencyCorruptRecordError(`A stored result was sealed with encryption key id ${JSON.stringify(id)}, which is not configured; add it to \`encryption.previousKeys\`.`);
      }
      return decrypt(key, body, aad);
    },
  };
}
