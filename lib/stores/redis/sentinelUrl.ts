import { IdempotencyConfigError } from '../../core/errors';

/**
 * The Sentinel URL form: `redis+sentinel://[user:password@]host1:26379,host2,[::1]:26379/mymaster
 * [?db=N&sentinelUsername=..&sentinelPassword=..]`, and `rediss+sentinel://` for TLS to the
 * sentinels and to Redis. WHATWG `new URL` refuses a list of hosts, so this parses it by hand. No
 * error message holds the URL or any part of it: the URL may hold passwords.
 */

/**
 * A sentinel's address, as ioredis' `sentinels` option takes it.
 *
 * @example
 * ```ts
 * const sentinels: SentinelAddress[] = [{ host: '10.0.0.1', port: 26379 }, { host: '::1', port: 26380 }];
 * ```
 */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The ioredis options a Sentinel URL stands for (spread them into `new Redis({...})`). `username`
 * and `password` are Redis' own (the user's ACL); `sentinelUsername` and `sentinelPassword` are the
 * sentinels'.
 *
 * @example
 * ```ts
 * const options: SentinelUrlOptions = parseSentinelUrl('redis+sentinel://s1,s2/mymaster');
 * const client = new Redis({ ...options, ...lambdaRedisOptions() });
 * ```
 */
export interface SentinelUrlOptions {
  readonly sentinels: SentinelAddress[];
  /** The master name the sentinels monitor. */
  readonly name: string;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly sentinelUsername?: string;
  readonly sentinelPassword?: string;
  /** `rediss+sentinel://`: TLS to Redis (`tls`) and to the sentinels (`sentinelTLS`). */
  readonly tls?: Record<string, never>;
  readonly sentinelTLS?: Record<string, never>;
  readonly enableTLSForSentinelMode?: boolean;
}

const SENTINEL_SCHEME = /^(rediss?)\+sentinel:\/\//i;
const DEFAULT_SENTINEL_PORT = 26379;
const QUERY_NAMES = ['db', 'sentinelUsername', 'sentinelPassword'] as const;
type QueryName = (typeof QUERY_NAMES)[number];
const FORM = 'redis+sentinel://[user:password@]host1:26379,host2:26379/mymaster[?db=0]';

/**
 * Is this a `redis+sentinel://` or `rediss+sentinel://` URL (by its scheme only)?
 *
 * @example
 * ```ts
 * isSentinelUrl('redis+sentinel://s1:26379/mymaster'); // true
 * isSentinelUrl('redis://cache:6379'); // false
 * ```
 */
export function isSentinelUrl(url: string): boolean {
  return SENTINEL_SCHEME.test(url);
}

/**
 * Parses a Sentinel URL into ioredis options. The default sentinel port is 26379; user and
 * passwords are percent-decoded; the database goes in `?db=N` (the path is the master name).
 * Throws `IdempotencyConfigError` naming what is wrong, never the URL nor any part of it.
 *
 * @example
 * ```ts
 * parseSentinelUrl('rediss+sentinel://app:s3cret@10.0.0.1,10.0.0.2:26380/mymaster?db=2');
 * // { sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }],
 * //   name: 'mymaster', username: 'app', password: 's3cret', db: 2,
 * //   tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true }
 * ```
 */
export function parseSentinelUrl(url: string): SentinelUrlOptions {
  const scheme = SENTINEL_SCHEME.exec(url);
  if (scheme === null) fail('it does not start with redis+sentinel:// or rediss+sentinel://');
  const rest = url.slice(scheme[0].length);
  if (rest.includes('#')) fail('it has a #fragment (percent-encode # in a password as %23)');
  // The authority ends at the first '/' or '?' (reserved characters in a password are percent-encoded).
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const credentials = at === -1 ? {} : userInfo(authority.slice(0, at));
  const sentinels = authority.slice(at + 1).split(',').map(sentinelAddress);
  const queryStart = afterAuthority.indexOf('?');
  const path = queryStart === -1 ? afterAuthority : afterAuthority.slice(0, queryStart);
  const query = queryStart === -1 ? new Map<QueryName, string>() : queryParameters(afterAuthority.slice(queryStart + 1));
  const db = query.get('db');
  return {
    sentinels,
    name: masterName(path),
    ...credentials,
    ...(db === undefined ? {} : { db: database(db) }),
    ...optional('sentinelUsername', query.get('sentinelUsername')),
    ...optional('sentinelPassword', query.get('sentinelPassword')),
    ...(scheme[1]!.toLowerCase() === 'rediss' ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/** Throws the one error this parser throws: what is wrong and the form, never the URL. */
function fail(problem: string): never {
  throw new IdempotencyConfigError(`Expected a Sentinel URL of the form ${FORM}, but ${problem}; the URL is not shown, as it may hold credentials.`);
}

/** Percent-decodes a part; a malformed escape fails without showing the part. */
function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`the ${what} has a malformed percent-escape`);
  }
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [name]: value } as Record<K, string>);
}

/** `user:password`, `:password` or `user`, each percent-decoded. */
function userInfo(info: string): { username?: string; password?: string } {
  const colon = info.indexOf(':');
  const username = decoded(colon === -1 ? info : info.slice(0, colon), 'user name');
  const password = colon === -1 ? '' : decoded(info.slice(colon + 1), 'password');
  return { ...optional('username', username), ...optional('password', password) };
}

function ordinal(index: number): string {
  const n = index + 1;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
function sentinelAddress(entry: string, index: number): SentinelAddress {
  const which = `the ${ordinal(index)} sentinel`;
  if (entry === '') fail(`${which} is empty (list hosts as host1:26379,host2:26379)`);
  let host: string;
  let port: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close === -1) fail(`${which} opens an IPv6 address with [ but does not close it`);
    host = entry.slice(1, close);
    const after = entry.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail(`${which} has characters after its ] that are not :port`);
    port = after === '' ? undefined : after.slice(1);
    if (!/^[0-9a-f:.]+$/i.test(host) || !host.includes(':')) fail(`${which} is not an IPv6 address between [ and ]`);
  } else {
    const colon = entry.indexOf(':');
    host = colon === -1 ? entry : entry.slice(0, colon);
    port = colon === -1 ? undefined : entry.slice(colon + 1);
    if (!/^[a-z0-9]([a-z0-9_.-]*[a-z0-9_])?$/i.test(host)) {
      fail(`${which} is not a host name or IPv4 address (an IPv6 address goes between [ and ]; reserved characters in a password are percent-encoded)`);
    }
  }
  return { host, port: port === undefined ? DEFAULT_SENTINEL_PORT : sentinelPort(port, which) };
}

function sentinelPort(port: string, which: string): number {
  const value = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(value >= 1 && value <= 65535)) fail(`${which}'s port is not a number from 1 to 65535 (reserved characters in a password are percent-encoded)`);
  return value;
}

/** The path: `/mymaster`, percent-decoded. */
function masterName(path: string): string {
  if (path === '' || path === '/') fail('it names no master (add /mymaster, the name the sentinels monitor, after the hosts)');
  const name = decoded(path.slice(1), 'master name');
  if (name.includes('/')) fail('its path has more than the master name (the database goes in ?db=N)');
  if (/[\s\x00-\x1f]/.test(name)) fail('the master name has spaces or control characters');
  return name;
}

/**
 * `db`, `sentinelUsername`, `sentinelPassword`: each at most once, values percent-decoded. A `+`
 * stays a `+` (passwords hold them more often than spaces; a space is `%20`).
 */
function queryParameters(query: string): Map<QueryName, string> {
  const found = new Map<QueryName, string>();
  if (query === '') return found;
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const name = pair.slice(0, equals === -1 ? pair.length : equals);
    const known = QUERY_NAMES.find((n) => n === name);
    if (known === undefined) fail(`it has a query parameter other than ${QUERY_NAMES.join(', ')}`);
    if (found.has(known)) fail(`it gives ?${known} more than once`);
    found.set(known, equals === -1 ? '' : decoded(pair.slice(equals + 1), `${known} value`));
  }
  return found;
}

function database(value: string): number {
  const db = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(db)) fail('?db is not a database number (a whole number from 0)');
  return db;
}
