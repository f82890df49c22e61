import { IdempotencyKeyError } from '../errors';
import { bigintText, ExactNumber } from './exactNumber';

/**
 * Canonical JSON of a key value: object keys sorted recursively, arrays in order, numbers as
 * `String(n)` writes them, so `{a:1,b:2}` and `{b:2,a:1}` give the same text, and two values give
 * the same text only when they are equal as JSON data.
 *
 * Accepted: `null`, booleans, finite numbers, strings, BigInts (written as their digits, so `5n`
 * and `5` are one key), arrays, plain objects (prototype `Object.prototype` or `null`; members that
 * are `undefined` are left out, as JSON does) and the exact big numbers of a parsed JSON body.
 * Everything else would hash as something it is not (a `Map` as `{}`, a Promise as `{}`, `NaN` as
 * `null`), so it throws {@link IdempotencyKeyError} naming the type found and the fix: a Promise,
 * `Map`, `Set`, `Date`, boxed primitive, typed array, class instance, function, symbol, `NaN`,
 * `±Infinity`, `undefined` inside an array, a cycle. The message never holds the value.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 2, a: [1, { d: 1, c: 2 }] }); // '{"a":[1,{"c":2,"d":1}],"b":2}'
 * canonicalJson({ at: new Date() });              // throws IdempotencyKeyError: ... a Date; return `date.toISOString()` ...
 * ```
 */
export function canonicalJson(value: unknown, what = 'The idempotency key value'): string {
  try {
    return writeCanonical(value);
  } catch (err) {
    if (err instanceof Refusal) throw new IdempotencyKeyError(`${what} cannot be hashed faithfully: it is or holds ${err.message}.`);
    // A getter or a Proxy trap of the value threw while it was read.
    throw new IdempotencyKeyError(`${what} threw while it was read for hashing; select plain data (its error is the cause).`, { cause: err });
  }
}

/** What cannot be hashed, and how to fix it; turned into an IdempotencyKeyError by canonicalJson. */
class Refusal extends Error {}

// Strings with nothing to escape (no quote, backslash, control character or surrogate) are
// written as they are: most keys and values in an event, and cheaper than JSON.stringify per string.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** The text of a value that is not an object (or `null`); undefined for objects. */
function writePrimitive(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (Number.isFinite(value)) return String(value);
      throw new Refusal(`the non-finite number ${String(value)}, which JSON writes as null; select a finite number or a string`);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return bigintText(value);
    case 'object':
      if (value === null) return 'null';
      return value instanceof ExactNumber ? value.text : undefined;
    case 'undefined':
      throw new Refusal('`undefined` (JSON has none: in an array it would be written as null, so [x, undefined] and [x, null] would be one key); use null, or leave it out');
    default:
      throw new Refusal(refusalOf(value));
  }
}

/** Is this object written as an array, as a JSON object, or refused? */
function shapeOf(value: object): 'array' | 'object' {
  if (Array.isArray(value)) return 'array';
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || isForeignObjectPrototype(proto)) return 'object';
  throw new Refusal(refusalOf(value));
}

/** `Object.prototype` of another realm (a `vm` context, a test environment). */
function isForeignObjectPrototype(proto: unknown): boolean {
  return typeof proto === 'object' && proto !== null && Object.getPrototypeOf(proto) === null && Object.prototype.hasOwnProperty.call(proto, 'isPrototypeOf');
}

const FIXES: Record<string, string> = {
  Promise: 'key functions must be synchronous: derive the key from the event without `async` / `await`',
  Date: 'return `date.toISOString()` from a key function',
  Map: 'return `Object.fromEntries(map)` from a key function',
  Set: 'return `[...set].sort()` from a key function',
  Number: 'return the primitive, `value.valueOf()`',
  String: 'return the primitive, `value.valueOf()`',
  Boolean: 'return the primitive, `value.valueOf()`',
  BigInt: 'return the primitive, `value.valueOf()`',
  Symbol: 'return a string',
  ArrayBuffer: "return `Buffer.from(bytes).toString('base64')` from a key function",
};

/** The type found and the fix, never the value itself. */
function refusalOf(value: unknown): string {
  if (typeof value === 'function') return 'a function; select data from the event, not a method';
  if (typeof value === 'symbol') return 'a symbol; use a string';
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag === 'Promise' || typeof (value as { then?: unknown }).then === 'function') return `a Promise; ${FIXES.Promise}`;
  const boxed = ['Number', 'String', 'Boolean', 'BigInt', 'Symbol'].includes(tag);
  if (boxed) return `a boxed ${tag} (new ${tag}(...)); ${FIXES[tag] as string}`;
  if (ArrayBuffer.isView(value)) return `a ${className(value) ?? tag}; ${FIXES.ArrayBuffer}`;
  const fix = FIXES[tag];
  if (fix !== undefined) return `a ${tag}; ${fix}`;
  return `an instance of ${className(value) ?? tag}; return a plain object, an array or a string (such as its id) from a key function`;
}

/** The constructor's name: code, not data, so it may be shown. */
function className(value: unknown): string | undefined {
  const name: unknown = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && /^[\w$]{1,60}$/.test(name) ? name : undefined;
}

function writeCanonical(value: unknown): string {
  // A thenable is refused as one, whatever its shape (a plain `{ then }` object too).
  if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') throw new Refusal(refusalOf(value));
  try {
    return writeNested(value, []);
  } catch (err) {
    if (err !== TOO_DEEP) throw err;
    return writeDeep(value);
  }
}

// Recursion is about a third faster than the explicit stack below (no frame objects, no Set), and
// events are shallow; past MAX_RECURSION levels the writer starts over with the explicit stack.
const MAX_RECURSION = 256;
const TOO_DEEP = new Error('nested past MAX_RECURSION');
const CYCLE = 'a cycle (an object that contains itself); select an acyclic part of the event with `key`';

function writeNested(value: unknown, ancestors: object[]): string {
  const primitive = writePrimitive(value);
  if (primitive !== undefined) return primitive;
  const container = value as object;
  const shape = shapeOf(container);
  if (ancestors.length >= MAX_RECURSION) throw TOO_DEEP;
  if (ancestors.includes(container)) throw new Refusal(CYCLE);
  ancestors.push(container);
  let out: string;
  if (shape === 'array') {
    const array = container as readonly unknown[];
    out = '[';
    for (let i = 0; i < array.length; i++) out += (i > 0 ? ',' : '') + writeNested(array[i], ancestors);
    out += ']';
  } else {
    const object = container as Record<string, unknown>;
    out = '{';
    let first = true;
    for (const k of Object.keys(object).sort()) {
      const member = object[k];
      if (member === undefined) continue;
      out += (first ? '' : ',') + quote(k) + ':' + writeNested(member, ancestors);
      first = false;
    }
    out += '}';
  }
  ancestors.pop();
  return out;
}

type Frame =
  | { readonly array: readonly unknown[]; i: number }
  | { readonly object: Record<string, unknown>; readonly keys: string[]; i: number; first: boolean };

// Iterative, with an explicit stack: an event nested 100,000 levels deep hashes instead of
// overflowing the call stack. Writes exactly what writeNested writes.
function writeDeep(root: unknown): string {
  let next = root;
  const stack: Frame[] = [];
  const ancestors = new Set<object>();
  let out = '';
  for (;;) {
    const primitive = writePrimitive(next);
    if (primitive !== undefined) {
      out += primitive;
    } else {
      const obj = next as object;
      const shape = shapeOf(obj);
      if (ancestors.has(obj)) throw new Refusal(CYCLE);
      ancestors.add(obj);
      if (shape === 'array') {
        out += '[';
        stack.push({ array: obj as readonly unknown[], i: 0 });
      } else {
        out += '{';
        stack.push({ object: obj as Record<string, unknown>, keys: Object.keys(obj).sort(), i: 0, first: true });
      }
    }
    // Close finished containers until one has a next member to write.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return out;
      if ('array' in top) {
        if (top.i < top.array.length) {
          if (top.i > 0) out += ',';
          next = top.array[top.i++];
          break;
        }
        out += ']';
        ancestors.delete(top.array);
      } else {
        let found = false;
        while (top.i < top.keys.length) {
          const k = top.keys[top.i++] as string;
          const member = top.object[k];
          if (member === undefined) continue;
          out += (top.first ? '' : ',') + quote(k) + ':';
          top.first = false;
          next = member;
          found = true;
          break;
        }
        if (found) break;
        out += '}';
        ancestors.delete(top.object);
      }
      stack.pop();
    }
  }
}
