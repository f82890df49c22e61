import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IdempotencyConfigError, IdempotencyCorruptRecordError } from './errors';

/**
 * Encryption at rest of stored results (AES-256-GCM), with key rotation by key id: results are
 * sealed with `key` and its `keyId`; `previousKeys` still open records sealed before a rotation.
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
   * Id stored with each sealed record, to find its key after a rotation (letters, digits, `-_.`).
   * @default 'k1'
   */
  readonly keyId?: string;
  /**
   * Older keys by id, for reading records sealed before a rotation.
   * @default {}
   */
  readonly previousKeys?: Readonly<Record<string, Buffer | string>>;
}

/** A prepared key ring: seal with the current key, open with any. */
export interface Sealer {
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
}

/** Sealed records start with '#', which no JSON text and no serializer output (escaped) starts with. */
export const SEALED_MARK = 35; /* # */

function toKey(value: unknown, name: string): Buffer {
  const key = Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (key === undefined || key.length !== 32) {
    // The message names the option, never the key's content.
    throw new IdempotencyConfigError(`Expected \`${name}\` to be 32 bytes (a Buffer, or base64 of 32 bytes) for AES-256-GCM; generate one with crypto.randomBytes(32).`);
  }
  return key;
}

/**
 * Validates the options and prepares the keys. The record key is the AAD of every seal, so a
 * sealed result copied to another record does not open there.
 */
export function createSealer(options: EncryptionOptions): Sealer {
  if (options === null || typeof options !== 'object') throw new IdempotencyConfigError('Expected `encryption` to be { key, keyId?, previousKeys? }.');
  const keyId = options.keyId ?? 'k1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(keyId)) throw new IdempotencyConfigError(`Expected \`encryption.keyId\` to be 1-64 letters, digits, '-', '_' or '.', got ${JSON.stringify(keyId)}`);
  const keys = new Map<string, Buffer>();
  for (const [id, key] of Object.entries(options.previousKeys ?? {})) keys.set(id, toKey(key, `encryption.previousKeys.${id}`));
  const current = toKey(options.key, 'encryption.key');
  keys.set(keyId, current);
  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(aad));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `#${keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed, aad) {
      const dot = sealed.indexOf('.');
      const id = sealed.slice(1, dot);
      const key = dot > 1 ? keys.get(id) : undefined;
      if (key === undefined) {
        throw new IdempotencyCorruptRecordError(`A stored result was sealed with encryption key id ${JSON.stringify(id)}, which is not configured; add it to \`encryption.previousKeys\`.`);
      }
      try {
        const raw = Buffer.from(sealed.slice(dot + 1), 'base64');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(aad));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch (err) {
        throw new IdempotencyCorruptRecordError('A stored result failed its integrity check (tampered, truncated, or copied from another record); delete the key to recover.', { cause: err });
      }
    },
  };
}
