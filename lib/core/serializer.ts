/**
 * How results become the stored string and back.
 *
 * @example
 * ```ts
 * const upper: Serializer = { serialize: (v) => JSON.stringify(v), deserialize: (t) => JSON.parse(t) };
 * ```
 */
export interface Serializer {
  /** The stored text of a result (never called with `undefined`). Throw for values it cannot hold. */
  serialize(value: unknown): string;
  /** The result back from its stored text. */
  deserialize(text: string): unknown;
}

/**
 * The default: plain JSON. A replay returns what `JSON.parse(JSON.stringify(result))` would: a
 * `Date` comes back as its ISO string, a `Map` as `{}`; `BigInt` and cycles are refused.
 *
 * @example
 * ```ts
 * jsonSerializer.deserialize(jsonSerializer.serialize({ a: 1 })); // { a: 1 }
 * ```
 */
export const jsonSerializer: Serializer = {
  serialize: (value) => {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`a ${typeof value} has no JSON form`);
    return text;
  },
  deserialize: (text) => JSON.parse(text),
};

const TAG = '$t';

// defineProperty, not `out[k] = v`: an own "__proto__" key (JSON.parse makes them) must stay a
// property; assigning it would set the object's prototype instead.
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

// Every typed array by its [[TypedArrayName]], which `Symbol.toStringTag` reports (also for a
// subclass, which therefore comes back as its base type). Elements are stored as their raw bytes,
// in the platform's byte order (little-endian on x86-64 and arm64), so NaN payloads and -0 survive.
const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;
// Pure (a bundle that uses jsonSerializer alone drops it, as it drops richSerializer).
const typedArrayName = /* @__PURE__ */ (() => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)?.get as (this: unknown) => string | undefined)();

function isTypedArrayName(tag: string): tag is TypedArrayName {
  return Object.prototype.hasOwnProperty.call(TYPED_ARRAYS, tag);
}

function bytesOf(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

/** A fresh, exactly sized ArrayBuffer holding the decoded bytes (never Buffer's shared pool). */
function bufferOf(base64: unknown): ArrayBuffer {
  const bytes = Buffer.from(base64 as string, 'base64');
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

function encodeBinary(value: object): unknown {
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', v: value.toString('base64') };
  if (ArrayBuffer.isView(value)) {
    const name = typedArrayName.call(value);
    if (name !== undefined) return { [TAG]: name, v: bytesOf(value) };
    return { [TAG]: 'DataView', v: bytesOf(value) };
  }
  if (Object.prototype.toString.call(value) === '[object ArrayBuffer]') return { [TAG]: 'ArrayBuffer', v: Buffer.from(value as ArrayBuffer).toString('base64') };
  return undefined;
}

function hasHoles(value: readonly unknown[]): boolean {
  for (let i = 0; i < value.length; i++) if (!(i in value)) return true;
  return false;
}

/** A dense array stays a JSON array; one with holes lists its present [index, value] pairs. */
function encodeArray(value: readonly unknown[]): unknown {
  if (!hasHoles(value)) return value.map(encode);
  const present: Array<[number, unknown]> = [];
  value.forEach((item, index) => present.push([index, encode(item)]));
  return { [TAG]: 'SparseArray', n: value.length, v: present };
}

function encodeEntries(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys starting with '$' get one more, so a user's own "$t" key is never read as a tag.
  for (const [k, v] of Object.entries(value)) put(out, k.startsWith('$') ? `$${k}` : k, encode(v));
  return out;
}

function encode(value: unknown): unknown {
  if (value === undefined) return { [TAG]: 'undefined' };
  if (typeof value === 'bigint') return { [TAG]: 'BigInt', v: value.toString() };
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { [TAG]: 'Number', v: Object.is(value, -0) ? '-0' : String(value) };
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return { [TAG]: 'Date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (value instanceof Map) return { [TAG]: 'Map', v: [...value].map(([k, v]) => [encode(k), encode(v)]) };
  if (value instanceof Set) return { [TAG]: 'Set', v: [...value].map(encode) };
  const binary = encodeBinary(value);
  if (binary !== undefined) return binary;
  if (Array.isArray(value)) return encodeArray(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === null) return { [TAG]: 'NullPrototype', v: encodeEntries(value) };
  if (proto !== Object.prototype) {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return typeof json === 'function' ? encode(json.call(value)) : encode({ ...value });
  }
  return encodeEntries(value);
}

function decodeSparse(o: Record<string, unknown>): unknown[] {
  const out = new Array<unknown>(o.n as number);
  for (const [index, item] of o.v as Array<[number, unknown]>) {
    if (!Number.isInteger(index) || index < 0 || index >= out.length) throw new RangeError(`sparse array index ${String(index)} out of range`);
    out[index] = decode(item);
  }
  return out;
}

function decodeEntries(o: Record<string, unknown>, out: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) put(out, k.startsWith('$$') ? k.slice(1) : k, decode(v));
  return out;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const tag = o[TAG];
  if (typeof tag === 'string') {
    switch (tag) {
      case 'undefined':
        return undefined;
      case 'BigInt':
        return BigInt(o.v as string);
      case 'Number':
        return Number(o.v);
      case 'Date':
        return new Date(o.v === null ? Number.NaN : (o.v as string));
      case 'Map':
        return new Map((o.v as Array<[unknown, unknown]>).map(([k, v]) => [decode(k), decode(v)]));
      case 'Set':
        return new Set((o.v as unknown[]).map(decode));
      case 'Buffer':
        return Buffer.from(o.v as string, 'base64');
      case 'DataView':
        return new DataView(bufferOf(o.v));
      case 'ArrayBuffer':
        return bufferOf(o.v);
      case 'SparseArray':
        return decodeSparse(o);
      case 'NullPrototype':
        return decodeEntries(o.v as Record<string, unknown>, Object.create(null) as Record<string, unknown>);
      default:
        if (isTypedArrayName(tag)) return new TYPED_ARRAYS[tag](bufferOf(o.v));
    }
  }
  return decodeEntries(o, {});
}

/**
 * A serializer that round-trips what JSON loses: `Date`, `Map`, `Set`, `BigInt`, `Buffer`, every
 * typed array (`Int8Array` ... `BigUint64Array`, with its type), `DataView`, `ArrayBuffer`,
 * `undefined` and holes inside arrays, `undefined` inside objects, objects with a `null`
 * prototype, `NaN`, `Infinity` and `-0`. A replay returns values deep-equal to the first call's,
 * prototypes included (`util.isDeepStrictEqual`). Other class instances come back as plain
 * objects (their `toJSON()`, else their own enumerable properties); cycles are refused.
 *
 * @example
 * ```ts
 * @Idempotent({ key: 'id', serializer: richSerializer })
 * async quote(event: { id: string }) { return { at: new Date(), total: 10n, tags: new Set(['a']) }; }
 * ```
 */
export const richSerializer: Serializer = {
  serialize: (value) => JSON.stringify(encode(value)),
  deserialize: (text) => decode(JSON.parse(text)),
};

/** Checks a `serializer` option up front. */
export function isSerializer(value: unknown): value is Serializer {
  return value !== null && typeof value === 'object' && typeof (value as Serializer).serialize === 'function' && typeof (value as Serializer).deserialize === 'function';
}
