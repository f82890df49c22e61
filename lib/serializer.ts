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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(value: unknown): unknown {
  if (value === undefined) return { [TAG]: 'undefined' };
  if (typeof value === 'bigint') return { [TAG]: 'BigInt', v: value.toString() };
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { [TAG]: 'Number', v: Object.is(value, -0) ? '-0' : String(value) };
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return { [TAG]: 'Date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (value instanceof Map) return { [TAG]: 'Map', v: [...value].map(([k, v]) => [encode(k), encode(v)]) };
  if (value instanceof Set) return { [TAG]: 'Set', v: [...value].map(encode) };
  if (Buffer.isBuffer(value)) return { [TAG]: 'Buffer', v: value.toString('base64') };
  if (value instanceof Uint8Array) return { [TAG]: 'Uint8Array', v: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encode);
  if (!isPlainObject(value)) {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return typeof json === 'function' ? encode(json.call(value)) : encode({ ...value });
  }
  const out: Record<string, unknown> = {};
  // Keys starting with '$' get one more, so a user's own "$t" key is never read as a tag.
  for (const [k, v] of Object.entries(value)) put(out, k.startsWith('$') ? `$${k}` : k, encode(v));
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
      case 'Uint8Array':
        return new Uint8Array(Buffer.from(o.v as string, 'base64'));
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) put(out, k.startsWith('$$') ? k.slice(1) : k, decode(v));
  return out;
}

/**
 * A serializer that round-trips what JSON loses: `Date`, `Map`, `Set`, `BigInt`, `Buffer`,
 * `Uint8Array`, `undefined` inside objects and arrays, `NaN`, `Infinity` and `-0`. A replay returns
 * values equal to the first call's. Cycles are still refused.
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
