#!/usr/bin/env node
import { Redis } from 'ioredis';
import { IdempotencyError } from './errors';
import { hashValue, recordKeyPrefix } from './key';
import { DEFAULTS } from './options';
import { decodeRecord, RecordStatus, type IdempotencyRecord } from './record';
import { lambdaRedisOptions } from './stores/RedisStore';

/**
 * Operators' CLI: inspect, invalidate and list records. The Redis URL comes from --redis-url or
 * REDIS_URL and is never printed; stored results are printed only with --show-result.
 */

const HELP = `Usage: lambda-idempotency <command> [options]

Commands:
  inspect           show one record: status, lease, sizes (--show-result to print the stored result)
  invalidate        delete one record, so the next call runs the method again
  list-in-progress  list claims still held (stuck work shows here)

Select one record with either:
  --record-key <idempotency:Class.method:hash>
  --namespace <Class.method> --key <value>        (a string key value, e.g. a header)
  --namespace <Class.method> --key-json '<json>'  (any JSON key value)

Options:
  --redis-url <url>   redis:// or rediss:// (default: REDIS_URL)
  --prefix <prefix>   record key prefix (default: idempotency)
  --limit <n>         list-in-progress: most records printed (default: 100)
  --json              machine-readable output
`;

interface Args {
  readonly command: string | undefined;
  readonly flags: Map<string, string | true>;
}

function parseArgs(argv: readonly string[]): Args {
  const flags = new Map<string, string | true>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags.set(name, inline);
      else if (next !== undefined && !next.startsWith('--') && !['show-result', 'json', 'help'].includes(name)) flags.set(name, argv[++i] as string);
      else flags.set(name, true);
    } else if (command === undefined) command = arg;
    else throw new Error(`Unexpected argument ${JSON.stringify(arg)}; see --help.`);
  }
  return { command, flags };
}

function str(flags: Args['flags'], name: string): string | undefined {
  const v = flags.get(name);
  if (v === true) throw new Error(`--${name} needs a value.`);
  return v;
}

function recordKeyOf(flags: Args['flags']): string {
  const explicit = str(flags, 'record-key');
  if (explicit !== undefined) return explicit;
  const namespace = str(flags, 'namespace');
  const key = str(flags, 'key');
  const keyJson = str(flags, 'key-json');
  if (namespace === undefined || (key === undefined) === (keyJson === undefined)) {
    throw new Error('Select a record with --record-key, or --namespace with exactly one of --key / --key-json.');
  }
  let value: unknown = key;
  if (keyJson !== undefined) {
    try {
      value = JSON.parse(keyJson);
    } catch {
      throw new Error('--key-json is not valid JSON.');
    }
  }
  return recordKeyPrefix(str(flags, 'prefix') ?? DEFAULTS.prefix, namespace) + hashValue(value);
}

function describe(key: string, record: IdempotencyRecord | undefined, raw: string | null, nowMs: number, ttlMs: number): Record<string, unknown> {
  if (raw === null) return { key, status: 'ABSENT' };
  if (record === undefined) return { key, status: 'UNREADABLE', bytes: Buffer.byteLength(raw), fix: 'not written by lambda-idempotency: invalidate it to recover' };
  const base = { key, status: record.status, validated: record.validationHash !== undefined, expiresInMs: ttlMs };
  if (record.status === RecordStatus.InProgress) {
    return { ...base, leaseEndsInMs: record.leaseExpiresAtMs - nowMs, leaseExpired: record.leaseExpiresAtMs <= nowMs };
  }
  const payload = record.payload;
  return { ...base, result: payload === undefined ? 'undefined' : payload.startsWith('#') ? 'encrypted' : payload.startsWith('!') ? 'stored error' : 'value', resultBytes: payload === undefined ? 0 : Buffer.byteLength(payload) };
}

async function serverNowMs(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Runs the CLI; returns the exit code. Output goes through `out`, so tests can capture it. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  let client: Redis | undefined;
  try {
    const { command, flags } = parseArgs(argv);
    if (command === undefined || flags.has('help')) {
      out(HELP);
      return command === undefined && !flags.has('help') ? 2 : 0;
    }
    const url = str(flags, 'redis-url') ?? env.REDIS_URL;
    if (url === undefined || !/^rediss?:\/\//.test(url)) throw new Error('Give a redis:// or rediss:// URL with --redis-url or REDIS_URL (it is never printed).');
    const json = flags.has('json');
    const print = (value: Record<string, unknown>): void => out(json ? JSON.stringify(value) : Object.entries(value).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
    client = new Redis(url, { ...lambdaRedisOptions({ commandTimeoutMs: 5_000, connectTimeoutMs: 5_000 }), maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);

    switch (command) {
      case 'inspect': {
        const key = recordKeyOf(flags);
        const [raw, pttl, now] = await Promise.all([client.get(key), client.pttl(key), serverNowMs(client)]);
        const record = raw === null ? undefined : decodeRecord(raw);
        const summary = describe(key, record, raw, now, pttl);
        if (flags.has('show-result') && record?.status === RecordStatus.Completed) summary.storedResult = record.payload ?? 'undefined';
        print(summary);
        return 0;
      }
      case 'invalidate': {
        const key = recordKeyOf(flags);
        const deleted = (await client.del(key)) > 0;
        print({ key, deleted });
        return 0;
      }
      case 'list-in-progress': {
        const prefix = str(flags, 'prefix') ?? DEFAULTS.prefix;
        const namespace = str(flags, 'namespace') ?? '*';
        const limit = Number(str(flags, 'limit') ?? 100);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer.');
        const now = await serverNowMs(client);
        const found: Array<Record<string, unknown>> = [];
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${recordKeyPrefix(prefix, namespace)}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length === 0) continue;
          const values = await client.mget(keys);
          keys.forEach((key, i) => {
            const raw = values[i];
            if (raw?.startsWith('P|') && found.length < limit) found.push(describe(key, decodeRecord(raw), raw, now, -1));
          });
        } while (cursor !== '0' && found.length < limit);
        if (json) out(JSON.stringify(found));
        else if (found.length === 0) out('no claims in progress');
        else for (const f of found) out(`${String(f.key)}  lease ${Number(f.leaseEndsInMs) <= 0 ? 'EXPIRED (next call takes over)' : `ends in ${Math.ceil(Number(f.leaseEndsInMs) / 1000)} s`}`);
        return 0;
      }
      default:
        throw new Error(`Unknown command ${JSON.stringify(command)}; see --help.`);
    }
  } catch (err) {
    // Messages are ours or ioredis'; neither holds the URL.
    out(`error: ${err instanceof IdempotencyError || err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    client?.disconnect();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
