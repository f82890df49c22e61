import { canonicalJson, hashValue, IdempotencyKeyError } from '../../../lib';
import { ExactNumber } from '../../../lib/core/key/exactNumber';

describe('canonical JSON', () => {
  it('gives one text for reordered object keys, recursively', () => {
    expect(canonicalJson({ b: 2, a: { d: [1, { y: 1, x: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[1,{"x":2,"y":1}]},"b":2}');
  });

  it('leaves out undefined object members, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('writes numbers as String(n) does, and BigInts and exact big numbers as their digits', () => {
    expect(canonicalJson([1e21, -0, 0.1, 5e-7, 5n, 10n ** 21n])).toBe('[1e+21,0,0.1,5e-7,5,1e+21]');
    expect(canonicalJson(9007199254740993n)).toBe('9007199254740993');
    expect(canonicalJson(new ExactNumber('1e+400'))).toBe('1e+400');
  });

  it('accepts objects with a null prototype', () => {
    expect(canonicalJson(Object.assign(Object.create(null) as object, { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it('hashes a shared (non-cyclic) sub-object used twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('matches JSON.stringify on plain data with sorted keys', () => {
    const event = { s: 'a"b\\c\u0000é🚀', n: -0.5e-7, big: 1e21, t: true, f: false, z: null, arr: [[], {}, [1, [2]]] };
    expect(JSON.parse(canonicalJson(event))).toEqual(JSON.parse(JSON.stringify(event)));
  });

  class Order {
    constructor(readonly id: string) {}
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;

  it.each<[string, unknown, RegExp]>([
    ['a Promise', Promise.resolve('k'), /a Promise; key functions must be synchronous/],
    ['a thenable', { then: (): void => undefined }, /a Promise; key functions must be synchronous/],
    ['a Map', new Map([['k', 1]]), /a Map; return `Object\.fromEntries\(map\)`/],
    ['a Set', new Set(['k']), /a Set; return `\[\.\.\.set\]\.sort\(\)`/],
    ['a Date', new Date(0), /a Date; return `date\.toISOString\(\)`/],
    ['a boxed number', Object(42), /a boxed Number \(new Number\(\.\.\.\)\); return the primitive/],
    ['a boxed string', Object('k'), /a boxed String/],
    ['a boxed BigInt', Object(1n), /a boxed BigInt/],
    ['a typed array', new Uint8Array([1]), /a Uint8Array; return `Buffer\.from\(bytes\)\.toString\('base64'\)`/],
    ['a class instance', new Order('o-1'), /an instance of Order; return a plain object, an array or a string/],
    ['a function', { f: (): number => 1 }, /a function; select data from the event/],
    ['a symbol', { s: Symbol('k') }, /a symbol; use a string/],
    ['NaN', { n: NaN }, /the non-finite number NaN/],
    ['Infinity', [Infinity], /the non-finite number Infinity/],
    ['undefined in an array', [1, undefined], /`undefined`.*\[x, undefined\] and \[x, null\] would be one key/],
    ['a sparse array (a hole)', [1, , 3], /`undefined`/],
    ['a nested Map', { a: [{ m: new Map() }] }, /a Map/],
    ['a cycle', cyclic, /a cycle/],
  ])('refuses %s with IdempotencyKeyError naming the type and the fix', (_name, value, fix) => {
    expect(() => canonicalJson(value, 'The `key` path \'body.id\'')).toThrow(IdempotencyKeyError);
    expect(() => canonicalJson(value, 'The `key` path \'body.id\'')).toThrow(fix);
    expect(() => canonicalJson(value, 'The `key` path \'body.id\'')).toThrow(/^The `key` path 'body\.id' cannot be hashed faithfully/);
  });

  it('never puts the refused value in the message', () => {
    expect(() => canonicalJson(new Map([['secret-key', 'secret-value']]))).toThrow(/^(?!.*secret)/s);
    expect(() => canonicalJson({ at: new Date(1795000000000) })).toThrow(/^(?!.*2026)/s);
  });

  it('wraps a getter that throws while hashing, with the cause', () => {
    const value = {
      get id(): string {
        throw new Error('boom');
      },
    };
    let caught: unknown;
    try {
      canonicalJson(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IdempotencyKeyError);
    expect((caught as Error).cause).toEqual(new Error('boom'));
  });

  it('hashes events nested 10,000 and 100,000 levels deep without overflowing the stack, refusing deep Maps too', () => {
    for (const depth of [10_000, 100_000]) {
      let deep: unknown = 'leaf';
      let reordered: unknown = 'leaf';
      for (let i = 0; i < depth; i++) {
        deep = { n: deep, z: i };
        reordered = { z: i, n: reordered };
      }
      expect(hashValue(deep)).toMatch(/^[0-9a-f]{64}$/);
      expect(hashValue(deep)).toBe(hashValue(reordered));
    }
    let deepMap: unknown = new Map();
    for (let i = 0; i < 1_000; i++) deepMap = [deepMap];
    expect(() => hashValue(deepMap)).toThrow(/a Map/);
  });
});
