import { randomBytes } from 'node:crypto';
import { IdempotencyCorruptRecordError, IdempotencyResultError, jsonSerializer, ReplayedError, type Serializer } from '../../lib';
import { createSealer } from '../../lib/core/encryption';
import { checkPayloadSize, decodePayload, encodeFailure, encodeResult, payloadKind, PayloadKind, type PayloadCodec } from '../../lib/engine/payload';

const recordKey = 'idempotency:Orders.create:ab12';
const plain: PayloadCodec = { namespace: 'Orders.create', serializer: jsonSerializer, sealer: undefined, maxResultBytes: 1024 };
const sealed: PayloadCodec = { ...plain, sealer: createSealer({ key: randomBytes(32) }) };
const roundTrip = (codec: PayloadCodec, value: unknown, hash?: string): unknown => decodePayload(codec, encodeResult(codec, value, recordKey, hash), recordKey, hash);

describe('payload codec', () => {
  it('stores no payload for an undefined result without encryption, and a sealed empty text with it', () => {
    expect(encodeResult(plain, undefined, recordKey, undefined)).toBeUndefined();
    expect(encodeResult(sealed, undefined, recordKey, undefined)).toMatch(/^#2:k1:/);
    expect(roundTrip(sealed, undefined, 'h')).toEqual({ value: undefined });
  });

  it('escapes serializer text that is empty or starts with a marker, and reads it back unchanged', () => {
    const verbatim: Serializer = { serialize: (v) => v as string, deserialize: (t) => t };
    for (const codec of [{ ...plain, serializer: verbatim }, { ...sealed, serializer: verbatim }]) {
      for (const text of ['', '!x', '#2:k1:AAAA', '\\', 'plain']) expect(roundTrip(codec, text)).toEqual({ value: text });
    }
    expect(encodeResult({ ...plain, serializer: verbatim }, '!x', recordKey, undefined)).toBe('\\!x');
  });

  it('reads the payloads 0.1.x stored without encryption', () => {
    expect(decodePayload(plain, '{"ok":true}', recordKey, undefined)).toEqual({ value: { ok: true } });
    expect(decodePayload(plain, undefined, recordKey, undefined)).toEqual({ value: undefined });
    const failure = decodePayload(plain, '!{"name":"CardDeclined","message":"no funds","code":42}', recordKey, undefined) as { error: ReplayedError };
    expect(failure.error).toBeInstanceOf(ReplayedError);
    expect(failure.error).toMatchObject({ name: 'CardDeclined', message: 'no funds', code: 42 });
  });

  it('seals stored failures too, bound to the validation hash', () => {
    const stored = encodeFailure(sealed, Object.assign(new Error('no funds'), { code: 'E42' }), recordKey, 'h1');
    expect(stored).not.toContain('no funds');
    expect(decodePayload(sealed, stored, recordKey, 'h1')).toMatchObject({ error: { message: 'no funds', code: 'E42' } });
    expect(() => decodePayload(sealed, stored, recordKey, undefined)).toThrow(IdempotencyCorruptRecordError);
  });

  it('refuses unsealed payloads under encryption unless acceptPlaintext is set', () => {
    expect(() => decodePayload(sealed, '{"paid":1}', recordKey, undefined)).toThrow(IdempotencyCorruptRecordError);
    expect(() => decodePayload(sealed, undefined, recordKey, undefined)).toThrow(IdempotencyCorruptRecordError);
    const migrating: PayloadCodec = { ...plain, sealer: createSealer({ key: randomBytes(32), acceptPlaintext: true }) };
    expect(decodePayload(migrating, '{"paid":1}', recordKey, undefined)).toEqual({ value: { paid: 1 } });
    expect(decodePayload(migrating, undefined, recordKey, undefined)).toEqual({ value: undefined });
  });

  it('refuses a result over maxResultBytes as stored, after sealing', () => {
    const unlimited = Number.POSITIVE_INFINITY;
    expect(() => checkPayloadSize(sealed, encodeResult(sealed, 'x'.repeat(800), recordKey, undefined), unlimited)).toThrow(IdempotencyResultError);
    expect(() => checkPayloadSize(plain, encodeResult(plain, 'x'.repeat(800), recordKey, undefined), unlimited)).not.toThrow();
  });

  it('counts UTF-8 bytes against the smaller of maxResultBytes and the store limit, and names the one that refused', () => {
    const accented = JSON.stringify('é'.repeat(400)); // 402 characters, 802 bytes
    expect(() => checkPayloadSize(plain, accented, 900)).not.toThrow();
    expect(() => checkPayloadSize(plain, accented, 800)).toThrow(/802 bytes stored, over what the store holds \(800\)/);
    expect(() => checkPayloadSize({ ...plain, maxResultBytes: 801 }, accented, 10_000)).toThrow(/over maxResultBytes \(801\)/);
    expect(() => checkPayloadSize(plain, undefined, 1)).not.toThrow();
  });

  it('tells what a stored payload holds without opening it, for the CLI', () => {
    const verbatim: PayloadCodec = { ...plain, serializer: { serialize: (v) => v as string, deserialize: (t) => t } };
    expect(payloadKind(encodeResult(plain, undefined, recordKey, undefined))).toBe(PayloadKind.Undefined);
    expect(payloadKind(encodeResult(plain, { ok: true }, recordKey, undefined))).toBe(PayloadKind.Value);
    expect(payloadKind(encodeResult(verbatim, '!not an error', recordKey, undefined))).toBe(PayloadKind.Value);
    expect(payloadKind(encodeResult(verbatim, '#not sealed', recordKey, undefined))).toBe(PayloadKind.Value);
    expect(payloadKind(encodeFailure(plain, new Error('declined'), recordKey, undefined))).toBe(PayloadKind.StoredError);
    expect(payloadKind(encodeFailure(sealed, new Error('declined'), recordKey, undefined))).toBe(PayloadKind.Encrypted);
    expect(payloadKind(encodeResult(sealed, undefined, recordKey, undefined))).toBe(PayloadKind.Encrypted);
  });
});
