import { canonicalJson, hashValue, IdempotencyConfigError, IdempotencyKeyError } from '../lib';
import { compileSelector, MISSING, select, type KeySelector } from '../lib/key';
import { httpEvent } from './helpers/lambda';

const pick = (event: unknown, selector: KeySelector | undefined): unknown => select(event, compileSelector(selector), new Map());

describe('key selection', () => {
  it('uses the whole event when no key is given', () => {
    const event = { a: 1 };
    expect(pick(event, undefined)).toBe(event);
    expect(pick(undefined, undefined)).toBe(MISSING);
    expect(pick(null, undefined)).toBe(MISSING);
  });

  it('follows a dot path into objects and array indexes', () => {
    const sqs = { Records: [{ messageId: 'm-0' }, { messageId: 'm-1' }] };
    expect(pick(sqs, 'Records.1.messageId')).toBe('m-1');
    expect(pick(sqs, 'Records.2.messageId')).toBe(MISSING);
  });

  it('parses a JSON string body when the path goes into it', () => {
    expect(pick(httpEvent({ orderId: 'o-1', lines: [{ sku: 'A' }] }), 'body.lines.0.sku')).toBe('A');
    expect(pick({ body: 'not json' }, 'body.orderId')).toBe(MISSING);
  });

  it('decodes a base64 body before parsing it', () => {
    const body = Buffer.from(JSON.stringify({ orderId: 'o-64' })).toString('base64');
    expect(pick({ body, isBase64Encoded: true }, 'body.orderId')).toBe('o-64');
  });

  it('parses the body once per call even when key and validation both read it', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const cache = new Map<string, unknown>();
    const event = httpEvent({ orderId: 'o-1', amount: 5 });
    select(event, compileSelector('body.orderId'), cache);
    select(event, compileSelector('body.amount'), cache);
    expect(parse).toHaveBeenCalledTimes(1);
    parse.mockRestore();
  });

  it('matches header names case-insensitively', () => {
    const event = httpEvent({}, { 'Idempotency-Key': 'k-1' });
    expect(pick(event, 'headers.idempotency-key')).toBe('k-1');
    expect(pick(event, 'headers.IDEMPOTENCY-KEY')).toBe('k-1');
    // Outside headers, names stay exact.
    expect(pick({ body: { OrderId: 'x' } }, 'body.orderid')).toBe(MISSING);
  });

  it('combines several paths, and is missing when any part is', () => {
    const event = { a: 1, b: { c: 'two' } };
    expect(pick(event, ['a', 'b.c'])).toEqual([1, 'two']);
    expect(pick(event, ['a', 'b.d'])).toBe(MISSING);
  });

  it('treats null and empty strings as missing, but keeps 0 and false', () => {
    expect(pick({ k: null }, 'k')).toBe(MISSING);
    expect(pick({ k: '' }, 'k')).toBe(MISSING);
    expect(pick({ k: 0 }, 'k')).toBe(0);
    expect(pick({ k: false }, 'k')).toBe(false);
  });

  it('does not read inherited properties', () => {
    expect(pick({}, 'constructor')).toBe(MISSING);
    expect(pick({}, '__proto__')).toBe(MISSING);
  });

  it('accepts a key function and wraps its failure in IdempotencyKeyError', () => {
    expect(pick({ detail: { id: 'd-1' } }, (e: { detail: { id: string } }) => e.detail.id)).toBe('d-1');
    expect(() => pick(null, (e: { detail: { id: string } }) => e.detail.id)).toThrow(IdempotencyKeyError);
  });

  it('rejects malformed selectors with the fix in the message', () => {
    expect(() => compileSelector('')).toThrow(IdempotencyConfigError);
    expect(() => compileSelector('body..id')).toThrow(/dot path like 'body.orderId', got "body..id"/);
    expect(() => compileSelector([])).toThrow(/got an empty array/);
    expect(() => compileSelector(42 as unknown as string)).toThrow(IdempotencyConfigError);
  });
});

describe('canonical JSON and hashing', () => {
  it('gives one key for reordered object keys, recursively', () => {
    expect(canonicalJson({ b: 2, a: { d: [1, { y: 1, x: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[1,{"x":2,"y":1}]},"b":2}');
    expect(hashValue({ a: 1, b: 2 })).toBe(hashValue({ b: 2, a: 1 }));
  });

  it('keeps array order and distinguishes types', () => {
    expect(hashValue([1, 2])).not.toBe(hashValue([2, 1]));
    expect(hashValue('1')).not.toBe(hashValue(1));
    expect(hashValue(null)).not.toBe(hashValue('null'));
  });

  it('follows JSON for undefined members, non-finite numbers and toJSON', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, NaN, Infinity], c: new Date(0) })).toBe('{"b":[null,null,null],"c":"1970-01-01T00:00:00.000Z"}');
  });

  it('is a 64-character hex SHA-256', () => {
    expect(hashValue('order-1')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('throws IdempotencyKeyError for cycles and BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => hashValue(cyclic)).toThrow(IdempotencyKeyError);
    expect(() => hashValue({ amount: 1n })).toThrow(/BigInt/);
  });

  it('hashes a shared (non-cyclic) sub-object used twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('hashes events nested 10,000 and 100,000 levels deep without overflowing the stack', () => {
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
  });

  it('matches JSON.stringify on plain data with sorted keys', () => {
    const event = { s: 'a"b\\c\u0000é🚀', n: -0.5e-7, big: 1e21, t: true, f: false, z: null, arr: [[], {}, [1, [2]]] };
    expect(JSON.parse(canonicalJson(event))).toEqual(JSON.parse(JSON.stringify(event)));
  });
});
