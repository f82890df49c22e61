import { IdempotencyConfigError, makeIdempotent, MemoryStore } from '../../../lib';
import { parseKeyPath } from '../../../lib/core/key/keyPath';
import { CaptureLogger } from '../../helpers/logger';

describe('key path syntax', () => {
  it.each([
    ['body.orderId', ['body', 'orderId']],
    ['Records.0.messageId', ['Records', '0', 'messageId']],
    ['Records[0].messageId', ['Records', '0', 'messageId']],
    ['matrix[1][2]', ['matrix', '1', '2']],
    ['[0].id', ['0', 'id']],
    ['headers["idempotency-key"]', ['headers', 'idempotency-key']],
    ["headers['idempotency-key']", ['headers', 'idempotency-key']],
    ['detail["order.id"]', ['detail', 'order.id']],
    ['body.first name', ['body', 'first name']],
    ['$schema.id', ['$schema', 'id']],
  ])('reads %s as %j', (path, segments) => {
    expect(parseKeyPath(path, 'key')).toEqual(segments);
  });

  it.each([
    ['$.body.orderId', /JSONPath \('\$\.'\) is not supported: write "body\.orderId"/],
    ['$', /JSONPath/],
    ['powertools_json(body).orderId', /JMESPath functions are not supported: write "body\.orderId"; a JSON string body is parsed automatically/],
    ['to_string(body.id)', /JMESPath functions are not supported/],
    ['body.orderId ', /remove the spaces at its start or end: write "body\.orderId"/],
    [' body.orderId', /remove the spaces at its start or end/],
    ['body. orderId', /remove the spaces around the dots/],
    ['body .orderId', /remove the spaces around the dots/],
    ['Records[*].messageId', /wildcards, filters and slices \(\[\*\]\) are not supported/],
    ['body.*', /wildcards are not supported/],
    ['items[?sku==`A`].id', /filters/],
    ['items[0:2]', /slices/],
    ['items[]', /projections/],
    ['items[-1]', /negative indexes are not supported/],
    ['a | b', /JMESPath or JSONPath expression/],
    ['@.id', /JMESPath or JSONPath expression/],
    ['items[x]', /brackets hold an index like \[0\] or a quoted name/],
    ['items[01]', /brackets hold an index/],
    ['items[0', /never closed/],
    ['items[0]id', /expected '\.' or '\[' after '\]'/],
    ['body..id', /dot path like 'body\.orderId', got "body\.\.id"/],
    ['body.', /a dot must be followed by a name/],
    ['.body', /empty name/],
    ['', /non-empty string/],
  ])('refuses %j with a hint', (path, hint) => {
    expect(() => parseKeyPath(path, 'key')).toThrow(IdempotencyConfigError);
    expect(() => parseKeyPath(path, 'key')).toThrow(hint);
  });

  it('names the option in the message', () => {
    expect(() => parseKeyPath('$.body', 'validate')).toThrow(/Expected every path in `validate` to be a dot path/);
  });

  it.each([
    ['key', { key: 'powertools_json(body).orderId' }],
    ['key (array)', { key: ['body.customerId', '$.body.orderId'] }],
    ['validate', { validate: 'body ' }],
  ])('refuses a foreign path in %s when the function is wrapped, before any call', (_name, options) => {
    const fn = async (_event: unknown): Promise<string> => 'ran';
    expect(() => makeIdempotent(fn, { ...options, store: new MemoryStore(), logger: new CaptureLogger() })).toThrow(IdempotencyConfigError);
  });
});
