import fc from 'fast-check';
import { IdempotencyConfigError, parseSentinelUrl } from '../../../lib';
import { isSentinelUrl } from '../../../lib/stores/redis/sentinelUrl';

/** The error `parse` throws, or a failure when it throws none (or another kind). */
function errorOf(url: string): IdempotencyConfigError {
  try {
    parseSentinelUrl(url);
  } catch (err) {
    if (err instanceof IdempotencyConfigError) return err;
    throw err;
  }
  throw new Error('expected parseSentinelUrl to throw');
}

const SECRET = 'Hunter2-s3cret';

describe('parseSentinelUrl', () => {
  it('reads hosts (default port 26379), the master name, credentials and the database', () => {
    expect(parseSentinelUrl(`redis+sentinel://app:${SECRET}@10.0.0.1:26380,sentinel-2.internal,10.0.0.3:26381/mymaster?db=2`)).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26380 },
        { host: 'sentinel-2.internal', port: 26379 },
        { host: '10.0.0.3', port: 26381 },
      ],
      name: 'mymaster',
      username: 'app',
      password: SECRET,
      db: 2,
    });
  });

  it('reads a single sentinel and no credentials, and leaves out what the URL does not give', () => {
    expect(parseSentinelUrl('redis+sentinel://s1/mymaster')).toEqual({ sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster' });
    expect(parseSentinelUrl('redis+sentinel://s1/mymaster?')).toEqual({ sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster' });
  });

  it('reads IPv6 sentinels between brackets, with and without a port', () => {
    expect(parseSentinelUrl('redis+sentinel://[::1]:26380,[fd00::2],127.0.0.1/m').sentinels).toEqual([
      { host: '::1', port: 26380 },
      { host: 'fd00::2', port: 26379 },
      { host: '127.0.0.1', port: 26379 },
    ]);
  });

  it('turns on TLS to Redis and to the sentinels for rediss+sentinel://', () => {
    expect(parseSentinelUrl('rediss+sentinel://s1:26379/mymaster')).toEqual({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
    expect(parseSentinelUrl('REDIS+SENTINEL://s1/m')).not.toHaveProperty('tls');
  });

  it('percent-decodes the user, the password, the master name and the sentinel credentials', () => {
    const parsed = parseSentinelUrl('redis+sentinel://us%40er:p%40ss%3Aw%2Fo%2Crd@s1/my%2Dmaster?sentinelUsername=sen%20tinel&sentinelPassword=a%26b%3Dc+d');
    expect(parsed).toMatchObject({ username: 'us@er', password: 'p@ss:w/o,rd', name: 'my-master', sentinelUsername: 'sen tinel', sentinelPassword: 'a&b=c+d' });
  });

  it('takes a password-only URL (redis+sentinel://:password@...) and an @ left unencoded in the password', () => {
    expect(parseSentinelUrl(`redis+sentinel://:${SECRET}@s1/m`)).toMatchObject({ password: SECRET });
    expect(parseSentinelUrl(`redis+sentinel://:${SECRET}@x@s1/m`)).toMatchObject({ password: `${SECRET}@x`, sentinels: [{ host: 's1', port: 26379 }] });
    expect(parseSentinelUrl('redis+sentinel://app@s1/m')).toEqual({ sentinels: [{ host: 's1', port: 26379 }], name: 'm', username: 'app' });
  });

  it('tells the Sentinel schemes from the others', () => {
    expect(['redis+sentinel://s/m', 'rediss+sentinel://s/m', 'Redis+Sentinel://s/m'].map(isSentinelUrl)).toEqual([true, true, true]);
    expect(['redis://s:6379', 'rediss://s', 'sentinel://s/m', 'redis+sentinels://s/m', ' redis+sentinel://s/m'].map(isSentinelUrl)).toEqual([false, false, false, false, false]);
  });

  describe('refuses, naming what is wrong and never the URL', () => {
    const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
      ['no master name', `redis+sentinel://app:${SECRET}@s1:26379,s2:26379`, /names no master/],
      ['an empty master name', `redis+sentinel://app:${SECRET}@s1/`, /names no master/],
      ['a master name with a query but no path', `redis+sentinel://app:${SECRET}@s1?db=1`, /names no master/],
      ['a database in the path', `redis+sentinel://app:${SECRET}@s1/mymaster/2`, /the database goes in \?db=N/],
      ['an empty host between commas', `redis+sentinel://app:${SECRET}@s1,,s3/m`, /the 2nd sentinel is empty/],
      ['a trailing comma', `redis+sentinel://app:${SECRET}@s1,/m`, /the 2nd sentinel is empty/],
      ['no host at all', `redis+sentinel://app:${SECRET}@/m`, /the 1st sentinel is empty/],
      ['a port that is not a number', `redis+sentinel://app:${SECRET}@s1:port/m`, /1st sentinel's port is not a number from 1 to 65535/],
      ['port 0', `redis+sentinel://s1:26379,s2:0/m?sentinelPassword=${SECRET}`, /2nd sentinel's port/],
      ['a port over 65535', `redis+sentinel://s1:65536/m?sentinelPassword=${SECRET}`, /1st sentinel's port/],
      ['an empty port', `redis+sentinel://s1:/m?sentinelPassword=${SECRET}`, /1st sentinel's port/],
      ['a signed port', `redis+sentinel://s1:+26379/m?sentinelPassword=${SECRET}`, /1st sentinel's port/],
      ['an unclosed IPv6 bracket', `redis+sentinel://[::1:26379/m?sentinelPassword=${SECRET}`, /does not close it/],
      ['an IPv6 address without brackets', `redis+sentinel://::1/m?sentinelPassword=${SECRET}`, /an IPv6 address goes between \[ and \]/],
      ['junk after an IPv6 bracket', `redis+sentinel://[::1]x/m?sentinelPassword=${SECRET}`, /after its \]/],
      ['a host name between brackets', `redis+sentinel://[s1]/m?sentinelPassword=${SECRET}`, /not an IPv6 address/],
      ['a host with a space', `redis+sentinel://s 1/m?sentinelPassword=${SECRET}`, /not a host name/],
      ['a / left unencoded in the password', `redis+sentinel://app:pa/${SECRET}@s1/m`, /percent-encoded/],
      ['a malformed escape in the password', `redis+sentinel://app:%E0%A4%A${SECRET}@s1/m`, /password has a malformed percent-escape/],
      ['a malformed escape in a query value', `redis+sentinel://s1/m?sentinelPassword=${SECRET}%zz`, /sentinelPassword value has a malformed percent-escape/],
      ['a database that is not a number', `redis+sentinel://app:${SECRET}@s1/m?db=one`, /\?db is not a database number/],
      ['a negative database', `redis+sentinel://app:${SECRET}@s1/m?db=-1`, /\?db is not a database number/],
      ['an empty database', `redis+sentinel://app:${SECRET}@s1/m?db=`, /\?db is not a database number/],
      ['an unknown query parameter', `redis+sentinel://s1/m?password=${SECRET}`, /a query parameter other than db, sentinelUsername, sentinelPassword/],
      ['a repeated query parameter', `redis+sentinel://s1/m?sentinelPassword=${SECRET}&sentinelPassword=x`, /gives \?sentinelPassword more than once/],
      ['a fragment', `redis+sentinel://app:pa#${SECRET}@s1/m`, /#fragment/],
      ['a control character in the master name', `redis+sentinel://app:${SECRET}@s1/m%0Aaster`, /control characters/],
      ['another scheme', `redis://app:${SECRET}@s1:6379`, /does not start with redis\+sentinel:\/\//],
    ];

    it.each(cases)('%s', (_name, url, problem) => {
      const err = errorOf(url);
      expect(err.message).toMatch(problem);
      expect(err.message).toMatch(/^Expected a Sentinel URL of the form redis\+sentinel:\/\/.*; the URL is not shown, as it may hold credentials\.$/);
      expect(err.message).not.toContain(SECRET);
      expect(err.message).not.toContain(url);
      expect(err.message).not.toMatch(/\bs1\b|app:|pa\//);
      expect(err.cause).toBeUndefined(); // a URIError's message could hold text to come
    });
  });

  it('never throws anything but IdempotencyConfigError, and never shows a password, on hostile input', () => {
    const secret = fc.string({ minLength: 8, maxLength: 24 }).map((s) => `Zq9${s}`);
    fc.assert(
      fc.property(secret, fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (password, before, after) => {
        for (const url of [`redis+sentinel://${before}:${password}@${after}`, `rediss+sentinel://u:${password}${after}`, `redis+sentinel://s1/m?sentinelPassword=${password}&${after}`]) {
          try {
            parseSentinelUrl(url);
          } catch (err) {
            expect(err).toBeInstanceOf(IdempotencyConfigError);
            expect((err as Error).message).not.toContain(password);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives back any password as written, once it is percent-encoded', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 40 }), (password, sentinelPassword) => {
        const url = `rediss+sentinel://app:${encodeURIComponent(password)}@s1,[::1]:26380/mymaster?sentinelPassword=${encodeURIComponent(sentinelPassword)}`;
        expect(parseSentinelUrl(url)).toMatchObject({ password, sentinelPassword, name: 'mymaster' });
      }),
      { numRuns: 300 },
    );
  });
});
