import { IdempotencyConfigError, IdempotencyKeyError } from '../../../lib';
import { ExactNumber } from '../../../lib/core/key/exactNumber';
import { compileSelector, legacyValidationValue, missingKeyError, MISSING, select, type KeySelector } from '../../../lib/core/key/key';
import { httpEvent } from '../../helpers/lambda';

const pick = (event: unknown, selector: KeySelector | undefined): unknown => select(event, compileSelector(selector), new Map());
const pickValidated = (event: unknown, selector: KeySelector): unknown => select(event, compileSelector(selector, 'validate'), new Map());

/** The error a call would throw, for assertions on its message and cause. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('key selection', () => {
  it('uses the whole event when no key is given', () => {
    const event = { a: 1 };
    expect(pick(event, undefined)).toBe(event);
    expect(pick(undefined, undefined)).toBe(MISSING);
    expect(pick(null, undefined)).toBe(MISSING);
  });

  it('follows a dot path into objects and array indexes, in dot or bracket form', () => {
    const sqs = { Records: [{ messageId: 'm-0' }, { messageId: 'm-1' }] };
    expect(pick(sqs, 'Records.1.messageId')).toBe('m-1');
    expect(pick(sqs, 'Records[1].messageId')).toBe('m-1');
    expect(pick(sqs, 'Records.2.messageId')).toBe(MISSING);
  });

  it('reads a quoted name in brackets, dots included', () => {
    expect(pick({ headers: { 'x-request.id': 'r-1' } }, 'headers["x-request.id"]')).toBe('r-1');
  });

  it('parses a JSON string body when the path goes into it', () => {
    expect(pick(httpEvent({ orderId: 'o-1', lines: [{ sku: 'A' }] }), 'body.lines.0.sku')).toBe('A');
    expect(pick({ body: 'not json' }, 'body.orderId')).toBe(MISSING);
  });

  it('keeps a body number that no double holds as its exact value', () => {
    expect(pick({ body: '{"id":9007199254740993}' }, 'body.id')).toEqual(new ExactNumber('9007199254740993'));
    expect(pick({ body: '{"id":9007199254740991}' }, 'body.id')).toBe(9007199254740991);
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
    select(event, compileSelector('body', 'validate'), cache);
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

  it('treats null and empty strings as a missing key, but keeps 0 and false', () => {
    expect(pick({ k: null }, 'k')).toBe(MISSING);
    expect(pick({ k: '' }, 'k')).toBe(MISSING);
    expect(pick({ k: 0 }, 'k')).toBe(0);
    expect(pick({ k: false }, 'k')).toBe(false);
  });

  it('does not read inherited properties', () => {
    expect(pick({}, 'constructor')).toBe(MISSING);
    expect(pick({}, '__proto__')).toBe(MISSING);
  });

  it('rejects malformed selectors with the fix in the message', () => {
    expect(() => compileSelector('')).toThrow(IdempotencyConfigError);
    expect(() => compileSelector('body..id')).toThrow(/dot path like 'body.orderId', got "body..id"/);
    expect(() => compileSelector([])).toThrow(/got an empty array/);
    expect(() => compileSelector(42 as unknown as string)).toThrow(IdempotencyConfigError);
  });
});

describe('key functions', () => {
  it('accepts a synchronous key function', () => {
    expect(pick({ detail: { id: 'd-1' } }, (e: { detail: { id: string } }) => e.detail.id)).toBe('d-1');
  });

  it('wraps a throwing key function in IdempotencyKeyError, with its error as the cause', () => {
    const err = thrown(() => pick(null, (e: { detail: { id: string } }) => e.detail.id));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it('passes on an IdempotencyKeyError from a key function built on select, message intact', () => {
    const inner = compileSelector('body.orderId');
    const err = thrown(() => pick({ body: { get orderId(): never { throw new Error('x'); } } }, (e: unknown) => select(e, inner, new Map())));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/`key` path 'body\.orderId' from the event threw/);
  });

  it('refuses an async key function: its Promise is not a key', () => {
    const err = thrown(() => pick({ id: 'a' }, async (e: { id: string }) => e.id));
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/`key` function returned a Promise; key functions must be synchronous/);
  });

  it('handles the rejection of a refused async key function, so the process does not die of it', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      expect(() =>
        pick({}, async () => {
          throw new Error('rejected');
        }),
      ).toThrow(IdempotencyKeyError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('reading the event only ever throws IdempotencyKeyError', () => {
  const throwingGetter = (): object => ({
    get body(): string {
      throw new Error('getter failed: secret-value');
    },
  });
  const throwingProxy = (): object =>
    new Proxy(
      {},
      {
        has: () => {
          throw new Error('trap failed');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('trap failed');
        },
      },
    );

  it.each([
    ['a getter on the key path', (): unknown => pick(throwingGetter(), 'body.orderId')],
    ['a getter on the validate path', (): unknown => pickValidated(throwingGetter(), 'body')],
    ['a Proxy trap on the key path', (): unknown => pick(throwingProxy(), 'body.orderId')],
    ['a Proxy in the headers', (): unknown => pick({ headers: throwingProxy() }, 'headers.idempotency-key')],
  ])('wraps %s that throws, naming the path and keeping the cause', (_name, read) => {
    const err = thrown(read);
    expect(err).toBeInstanceOf(IdempotencyKeyError);
    expect(err.message).toMatch(/path '(body\.orderId|body|headers\.idempotency-key)' from the event threw/);
    expect(err.message).not.toMatch(/secret-value/);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('the validated part', () => {
  it('compares a JSON body as parsed JSON: key order and spacing do not matter', () => {
    expect(pickValidated({ body: '{"b":1,"a":[1,2]}' }, 'body')).toEqual([{ b: 1, a: [1, 2] }]);
    expect(pickValidated({ body: '{ "a": [1, 2],\n "b": 1 }' }, 'body')).toEqual([{ a: [1, 2], b: 1 }]);
  });

  it('compares a body that is not JSON as text, never equal to a JSON body that reads the same', () => {
    expect(pickValidated({ body: 'plain text' }, 'body')).toBe('plain text');
    expect(pickValidated({ body: '"abc"' }, 'body')).toEqual(['abc']);
    expect(pickValidated({ body: 'abc' }, 'body')).toBe('abc');
  });

  it('reads an absent body (API Gateway leaves it out of a request without one) as null', () => {
    expect(pickValidated({ headers: {} }, 'body')).toBeNull();
    expect(pickValidated({ body: null }, 'body')).toBeNull();
  });

  it('keeps null and empty strings as values, but a path that finds nothing is missing', () => {
    expect(pickValidated({ detail: { note: null } }, 'detail.note')).toBeNull();
    expect(pickValidated({ detail: { note: '' } }, 'detail.note')).toBe('');
    expect(pickValidated({ body: '{}' }, 'bodyy')).toBe(MISSING);
    expect(pickValidated({ body: '{}' }, 'body.amount')).toBe(MISSING);
  });

  it('compares what a validate function returns, undefined as null', () => {
    expect(pickValidated({}, () => undefined)).toBeNull();
    expect(pickValidated({ a: '' }, (e: { a: string }) => e.a)).toBe('');
  });

  it('reads a body as version 0.1.x did for records it stored (its raw text, empty as null), and nothing else differently', () => {
    const event = { body: '{"b":1,"a":2}', detail: { note: '' } };
    expect(legacyValidationValue(event, compileSelector('body', 'validate'))).toBe('{"b":1,"a":2}');
    expect(legacyValidationValue({ body: '' }, compileSelector('body', 'validate'))).toBeNull();
    expect(legacyValidationValue(event, compileSelector(['body', 'detail.note'], 'validate'))).toEqual(['{"b":1,"a":2}', '']);
    expect(legacyValidationValue(event, compileSelector('detail.missing', 'validate'))).toBe(MISSING);
    expect(legacyValidationValue(event, compileSelector((e: typeof event) => e.body, 'validate'))).toBe(MISSING);
  });
});

describe('the error for a missing key', () => {
  const message = (event: unknown, selector: KeySelector | undefined, option = 'key'): string => missingKeyError('Orders.charge', event, compileSelector(selector, option)).message;

  it('names the path and the segment where it stopped, and hints at a letter-case slip', () => {
    expect(message({ body: '{"orderId":"o-1"}' }, 'body.orderID')).toBe(
      "Orders.charge: no idempotency key in the event: the `key` path 'body.orderID' found nothing ('body' has no property 'orderID'; a property differing only in letter case exists: names are case-sensitive outside headers). " +
        'Send the key, fix the `key` option, or set `requireKey: false` to run such calls without idempotency (logged as key_missing).',
    );
    expect(message({ Records: [] }, 'Records[0].messageId')).toMatch(/'Records' has no element '0'\)/);
    expect(message({ body: { orderId: null } }, 'body.orderId')).toMatch(/'body\.orderId' is null\)/);
    expect(message({ body: 5 }, 'body.orderId')).toMatch(/'body' is a number, not an object\)/);
    expect(message(null, undefined)).toMatch(/the event is null \(no `key` is set, so the whole event is the key\)/);
    expect(message({}, () => undefined)).toMatch(/the `key` function returned undefined, null or an empty string/);
  });

  it('says a body is not JSON, with the parse error as the cause, never the body', () => {
    const err = missingKeyError('Orders.charge', { body: 'orderId=secret-42' }, compileSelector('body.orderId'));
    expect(err.message).toMatch(/'body' is a string that is not valid JSON, so the path cannot go into it/);
    expect(err.message).not.toMatch(/secret-42/);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('says what is wrong with a validate path that finds nothing', () => {
    expect(message({ body: '{}' }, 'bodyy', 'validate')).toBe(
      "Orders.charge: the part of the event to validate is missing: the `validate` path 'bodyy' found nothing (the event has no property 'bodyy'). " +
        'Fix the `validate` option; without that part a repeat cannot be checked against the first request.',
    );
  });

  it('never shows a value of the event', () => {
    const event = { body: JSON.stringify({ orderid: 'secret-order-value', card: '4111111111111111' }) };
    expect(message(event, 'body.orderId')).not.toMatch(/secret-order-value|4111/);
  });
});
