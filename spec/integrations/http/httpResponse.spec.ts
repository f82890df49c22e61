import { markReplayed, withoutCookies } from '../../../lib/integrations/http';

describe('markReplayed', () => {
  it('sets Idempotent-Replayed once, replacing a header of that name in any letter case', () => {
    expect(markReplayed({ statusCode: 200, headers: { 'idempotent-replayed': 'false', 'content-type': 'application/json' } })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'Idempotent-Replayed': 'true' },
    });
    expect(markReplayed({ statusCode: 200, multiValueHeaders: { 'IDEMPOTENT-REPLAYED': ['false'] } })).toEqual({
      statusCode: 200,
      multiValueHeaders: { 'Idempotent-Replayed': ['true'] },
    });
  });

  it('leaves anything that is not a proxy result unchanged', () => {
    expect(markReplayed({ ok: true })).toEqual({ ok: true });
  });
});

describe('withoutCookies', () => {
  it('removes Set-Cookie in any letter case and the v2 cookies', () => {
    expect(withoutCookies({ statusCode: 200, cookies: ['s=1'], headers: { 'SET-COOKIE': 's=1', a: 'b' }, multiValueHeaders: { 'set-cookie': ['s=1'] } })).toEqual({
      statusCode: 200,
      headers: { a: 'b' },
      multiValueHeaders: {},
    });
  });
});
