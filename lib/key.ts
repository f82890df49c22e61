import * as crypto from 'node:crypto';
import { IdempotencyConfigError, IdempotencyKeyError } from './errors';

/**
 * Where the idempotency key (or the validated part) comes from: a dot path into the event
 * (`'body.orderId'`, `'headers.idempotency-key'`, `'Records.0.messageId'`), several paths whose
 * values are combined, or a function of the event.
 *
 * @example
 * ```ts
 * const byOrder: KeySelector = 'body.orderId';
 * const byCustomerAndOrder: KeySelector = ['body.customerId', 'body.orderId'];
 * const custom: KeySelector<{ id: string }> = (event) => event.id;
 * ```
 */
export type KeySelector<TEvent = unknown> = string | readonly string[] | KeyFunction<TEvent>;

/**
 * A function of the event returning the key value. Its parameter is checked bivariantly, so a
 * function typed for your event, `(event: APIGatewayProxyEventV2) => ...`, is accepted.
 *
 * @example
 * ```ts
 * const key: KeyFunction = (event: { detail: { id: string } }) => event.detail.id;
 * ```
 */
export type KeyFunction<TEvent = unknown> = { bivarianceHack(event: TEvent): unknown }['bivarianceHack'];

/** A selector parsed once, at configuration time. */
export type CompiledSelector =
  | { readonly kind: 'event' }
  | { readonly kind: 'paths'; readonly paths: readonly (readonly string[])[]; readonly single: boolean }
  | { readonly kind: 'function'; readonly fn: KeyFunction };

/** Marks a value the selector did not find. */
export const MISSING: unique symbol = Symbol('lambda-idempotency.missing');

const HEADER_CONTAINERS = new Set(['headers', 'multivalueheaders']);

/**
 * Parses a selector once (at decoration time), so a call only walks the event.
 *
 * @example
 * ```ts
 * compileSelector('body.orderId'); // { kind: 'paths', paths: [['body', 'orderId']], single: true }
 * ```
 */
export function compileSelector(selector: KeySelector | undefined, option = 'key'): CompiledSelector {
  if (selector === undefined) return { kind: 'event' };
  if (typeof selector === 'function') return { kind: 'function', fn: selector };
  const list = typeof selector === 'string' ? [selector] : selector;
  if (!Array.isArray(list) || list.length === 0) {
    throw new IdempotencyConfigError(`Expected \`${option}\` to be a dot path, a non-empty array of dot paths or a function, got ${describe(selector)}`);
  }
  const paths = list.map((path: unknown) => {
    if (typeof path !== 'string' || path === '' || path.split('.').some((s) => s === '')) {
      throw new IdempotencyConfigError(`Expected every path in \`${option}\` to be a dot path like 'body.orderId', got ${describe(path)}`);
    }
    return path.split('.');
  });
  return { kind: 'paths', paths, single: typeof selector === 'string' };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an empty array';
  return value === null ? 'null' : typeof value;
}

/**
 * Reads the selected value out of an event. Returns {@link MISSING} when a path finds nothing
 * (or finds `null` or an empty string); with several paths, when any of them does, since a
 * partial key would make different requests collide.
 *
 * A string that the path goes into is parsed as JSON once per call (API Gateway's `body`, base64
 * decoded first when `isBase64Encoded`); header names match case-insensitively.
 *
 * @example
 * ```ts
 * select({ body: '{"orderId":"o-1"}' }, compileSelector('body.orderId'), new Map()); // 'o-1'
 * ```
 */
export function select(event: unknown, selector: CompiledSelector, parsed: Map<string, unknown>): unknown {
  switch (selector.kind) {
    case 'event':
      return isAbsent(event) ? MISSING : event;
    case 'function': {
      let value: unknown;
      try {
        value = selector.fn(event);
      } catch (err) {
        throw new IdempotencyKeyError('The key function threw while deriving the idempotency key; fix the function or the event shape.', { cause: err });
      }
      return isAbsent(value) ? MISSING : value;
    }
    case 'paths': {
      if (selector.single) return walk(event, selector.paths[0] as readonly string[], parsed);
      const values: unknown[] = [];
      for (const path of selector.paths) {
        const value = walk(event, path, parsed);
        if (value === MISSING) return MISSING;
        values.push(value);
      }
      return values;
    }
  }
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function walk(event: unknown, path: readonly string[], parsed: Map<string, unknown>): unknown {
  let current: unknown = event;
  let parent: unknown = undefined;
  let parentKey = '';
  for (const segment of path) {
    if (typeof current === 'string') {
      current = parseJson(current, parent, parentKey, parsed);
      if (current === MISSING) return MISSING;
    }
    if (current === null || typeof current !== 'object') return MISSING;
    let next: unknown = Object.prototype.hasOwnProperty.call(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
    if (next === undefined && HEADER_CONTAINERS.has(parentKey.toLowerCase())) next = findHeader(current as Record<string, unknown>, segment);
    parent = current;
    parentKey = segment;
    current = next;
  }
  return isAbsent(current) ? MISSING : current;
}

function findHeader(headers: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}

function parseJson(text: string, parent: unknown, parentKey: string, parsed: Map<string, unknown>): unknown {
  const cacheKey = parentKey + '\u0000' + text;
  if (parsed.has(cacheKey)) return parsed.get(cacheKey);
  let value: unknown = MISSING;
  try {
    const base64 = parentKey === 'body' && (parent as { isBase64Encoded?: unknown } | undefined)?.isBase64Encoded === true;
    value = JSON.parse(base64 ? Buffer.from(text, 'base64').toString('utf8') : text);
  } catch {
    // Not JSON: the path cannot go into it.
  }
  parsed.set(cacheKey, value);
  return value;
}

/**
 * Canonical JSON: object keys sorted recursively, arrays in order, `toJSON` honoured, `undefined`
 * members dropped as JSON does. `{a:1,b:2}` and `{b:2,a:1}` give the same text.
 * Throws {@link IdempotencyKeyError} for what JSON cannot hold faithfully (cycles, `BigInt`).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 2, a: [1, { d: 1, c: 2 }] }); // '{"a":[1,{"c":2,"d":1}],"b":2}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  try {
    return writeCanonical(value);
  } catch (err) {
    if (err instanceof IdempotencyKeyError) throw err;
    throw new IdempotencyKeyError('The idempotency key value cannot be serialized; select a plain JSON part of the event with `key`.', { cause: err });
  }
}

type Frame =
  | { readonly array: readonly unknown[]; i: number }
  | { readonly object: Record<string, unknown>; readonly keys: string[]; i: number; first: boolean };

/** `toJSON` applied, as `JSON.stringify` does. */
function resolveJson(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}

/** Members JSON drops from objects (and writes as null in arrays). */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

// Strings with nothing to escape (no quote, backslash, control character or surrogate) are
// written as they are: most keys and values in an event, and cheaper than JSON.stringify per string.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function writePrimitive(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new IdempotencyKeyError('The idempotency key value holds a BigInt, which has no JSON form; convert it to a string in a key function.');
    default:
      return value === null ? 'null' : undefined;
  }
}

function writeCanonical(root: unknown): string {
  const value = resolveJson(root);
  if (isSkipped(value)) return 'null';
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

/** Writes a value that `resolveJson` already resolved and that is not skipped. */
function writeNested(value: unknown, ancestors: object[]): string {
  if (value === null || typeof value !== 'object') return writePrimitive(value) as string;
  if (ancestors.length >= MAX_RECURSION) throw TOO_DEEP;
  if (ancestors.includes(value)) {
    throw new IdempotencyKeyError('The idempotency key value contains a cycle; select an acyclic part of the event with `key`.');
  }
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      const member = resolveJson(value[i]);
      out += (i > 0 ? ',' : '') + (isSkipped(member) ? 'null' : writeNested(member, ancestors));
    }
    out += ']';
  } else {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    out = '{';
    let first = true;
    for (const k of keys) {
      const member = resolveJson(object[k]);
      if (isSkipped(member)) continue;
      out += (first ? '' : ',') + quote(k) + ':' + writeNested(member, ancestors);
      first = false;
    }
    out += '}';
  }
  ancestors.pop();
  return out;
}

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
      if (ancestors.has(obj)) {
        throw new IdempotencyKeyError('The idempotency key value contains a cycle; select an acyclic part of the event with `key`.');
      }
      ancestors.add(obj);
      if (Array.isArray(obj)) {
        out += '[';
        stack.push({ array: obj, i: 0 });
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
          const member = resolveJson(top.array[top.i++]);
          if (isSkipped(member)) {
            out += 'null';
            continue;
          }
          next = member;
          break;
        }
        out += ']';
        ancestors.delete(top.array);
      } else {
        let found = false;
        while (top.i < top.keys.length) {
          const k = top.keys[top.i++] as string;
          const member = resolveJson(top.object[k]);
          if (isSkipped(member)) continue;
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

/**
 * The part of a record key before the hash: `<prefix>:<namespace>:`. The one place that knows the
 * key format, which stored records depend on (engine, `idempotencyKeyFor` and the CLI use it).
 *
 * @example
 * ```ts
 * recordKeyPrefix('idempotency', 'Payments.charge') + hashValue('order-42');
 * ```
 */
export function recordKeyPrefix(prefix: string, namespace: string): string {
  return `${prefix}:${namespace}:`;
}

/**
 * SHA-256 (hex) of the canonical JSON of a value: the key hash and the validation hash.
 *
 * @example
 * ```ts
 * hashValue({ a: 1, b: 2 }) === hashValue({ b: 2, a: 1 }); // true
 * ```
 */
export function hashValue(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

// crypto.hash (Node 20.12+) is a one-shot digest without a Hash object: about twice as fast for
// short inputs such as a key.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (text: string) => string =
  typeof oneShot === 'function' ? (text) => oneShot('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');
