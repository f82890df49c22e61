#!/usr/bin/env node
import { isCommand, parseArgs, UsageError, type ParsedArgs } from './args';
import { connectTarget, type RedisTarget } from './redisTarget';
import { parseJsonExact } from '../core/key/exactJson';
import { hashValue, recordKeyPrefix } from '../core/key/key';
import { OPTION_TABLE } from '../core/optionTable';
import { decodeRecord, IN_PROGRESS_HEAD, RecordStatus } from '../core/record';
import { payloadKind } from '../engine/payload';
import { isSentinelUrl, parseSentinelUrl } from '../stores/redis/sentinelUrl';

/**
 * Operators' CLI: inspect, invalidate and list records in Redis (standalone or Cluster). The Redis
 * URL comes from --redis-url or REDIS_URL and is never printed; stored results are printed only
 * with --show-result. Usage mistakes exit 2, failures 1.
 */

const HELP = `Usage: lambda-idempotency <command> [options]

Commands:
  inspect           show one record: status, lease, sizes (--show-result to print the stored result)
  invalidate        delete one record, so the next call runs the method again
  list-in-progress  list claims still held (stuck work shows here)

Select one record (inspect, invalidate) with either:
  --record-key <idempotency:Class.method:hash>
  --namespace <Class.method> --key <value>        (a string key value, e.g. a header)
  --namespace <Class.method> --key-json '<json>'  (any JSON key value)

Options (--name value or --name=value):
  --redis-url <url>   redis:// or rediss:// of a server or of any Cluster node, or
                      redis+sentinel://host1:26379,host2/mymaster (default: REDIS_URL)
  --prefix <prefix>   record key prefix (default: idempotency)
  --namespace <ns>    list-in-progress: only this namespace (default: all)
  --limit <n>         list-in-progress: most records printed (default: 100)
  --timeout-seconds <n>  give up (exit 1) when Redis has not answered by then (default: 30)
  --show-result       inspect: also print the stored result
  --json              machine-readable output
`;

type Flags = ParsedArgs['flags'];
type Print = (value: Record<string, unknown>) => void;

function str(flags: Flags, name: string): string | undefined {
  const value = flags.get(name);
  return value === true ? undefined : value;
}

/** The record key named by --record-key, or by --namespace with --key / --key-json. */
function recordKeyOf(flags: Flags): string {
  const explicit = str(flags, 'record-key');
  const namespace = str(flags, 'namespace');
  const key = str(flags, 'key');
  const keyJson = str(flags, 'key-json');
  if (explicit !== undefined) {
    if (namespace !== undefined || key !== undefined || keyJson !== undefined) throw new UsageError('--record-key names the record on its own; drop --namespace / --key / --key-json.');
    return explicit;
  }
  if (namespace === undefined || (key === undefined) === (keyJson === undefined)) {
    throw new UsageError('Select a record with --record-key, or --namespace with exactly one of --key / --key-json.');
  }
  return recordKeyPrefix(str(flags, 'prefix') ?? OPTION_TABLE.prefix.default, namespace) + hashValue(keyJson === undefined ? key : parseKeyJson(keyJson));
}

function parseKeyJson(text: string): unknown {
  try {
    return parseJsonExact(text); // big numbers exactly, as a JSON body's key reads them
  } catch {
    throw new UsageError('--key-json is not valid JSON.');
  }
}

/** What the CLI shows of a record: never its result (that needs --show-result). */
function describe(key: string, raw: string | null, pttlMs: number): Record<string, unknown> {
  if (raw === null) return { key, status: 'ABSENT' };
  const record = decodeRecord(raw);
  if (record === undefined) return { key, status: 'UNREADABLE', bytes: Buffer.byteLength(raw), fix: 'not written by lambda-idempotency: invalidate it to recover' };
  const base = { key, status: record.status, validated: record.validationHash !== undefined, expiresInMs: pttlMs };
  // On Redis a claim's lease is its key's expiry: while the key exists, the lease runs.
  if (record.status === RecordStatus.InProgress) return { ...base, leaseEndsInMs: pttlMs, leaseExpired: pttlMs === 0 };
  return { ...base, result: payloadKind(record.payload), resultBytes: record.payload === undefined ? 0 : Buffer.byteLength(record.payload) };
}

async function inspect(target: RedisTarget, flags: Flags, print: Print): Promise<void> {
  const key = recordKeyOf(flags);
  const [raw, pttl] = await Promise.all([target.get(key), target.pttl(key)]);
  const summary = describe(key, raw, pttl);
  const record = raw === null ? undefined : decodeRecord(raw);
  if (flags.has('show-result') && record?.status === RecordStatus.Completed) summary.storedResult = record.payload ?? 'undefined';
  print(summary);
}

async function invalidate(target: RedisTarget, flags: Flags, print: Print): Promise<void> {
  const key = recordKeyOf(flags);
  print({ key, deleted: await target.del(key) });
}

/** Escapes SCAN's glob characters in a user's prefix or namespace. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

async function listInProgress(target: RedisTarget, flags: Flags, json: boolean, out: (line: string) => void): Promise<void> {
  const prefix = str(flags, 'prefix') ?? OPTION_TABLE.prefix.default;
  const namespace = str(flags, 'namespace');
  const limit = positiveIntegerFlag(flags, 'limit', 100);
  const pattern = `${globLiteral(prefix)}:${namespace === undefined ? '*' : globLiteral(namespace)}:*`;
  const found: Record<string, unknown>[] = [];
  for await (const keys of target.scan(pattern)) {
    const heads = await target.heads(keys, IN_PROGRESS_HEAD.length);
    const claims = keys.filter((_, i) => heads[i] === IN_PROGRESS_HEAD).slice(0, limit - found.length);
    // Claims are small (a token and two numbers): read them whole, with their lease.
    found.push(...(await Promise.all(claims.map(async (key) => describe(key, await target.get(key), await target.pttl(key))))).filter((f) => f.status === RecordStatus.InProgress));
    if (found.length >= limit) break;
  }
  if (json) out(JSON.stringify(found));
  else if (found.length === 0) out('no claims in progress');
  else for (const f of found) out(`${String(f.key)}  lease ends in ${Math.ceil(Number(f.leaseEndsInMs) / 1000)} s`);
}

function redisUrl(flags: Flags, env: NodeJS.ProcessEnv): string {
  const url = str(flags, 'redis-url') ?? env.REDIS_URL;
  if (url === undefined || !/^rediss?(\+sentinel)?:\/\//i.test(url)) {
    throw new UsageError('Give a redis://, rediss://, redis+sentinel:// or rediss+sentinel:// URL with --redis-url or REDIS_URL (it is never printed).');
  }
  if (isSentinelUrl(url)) {
    // A malformed Sentinel URL is a usage mistake, found before connecting; the message names no part of it.
    try {
      parseSentinelUrl(url);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : 'The Sentinel URL is malformed (it is never printed).');
    }
  }
  return url;
}

/** A positive whole number given to `--name`, or `fallback`. */
function positiveIntegerFlag(flags: Flags, name: string, fallback: number): number {
  const text = str(flags, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}.`);
  return value;
}

// A command that never settles (a Cluster whose slots are not all served queues commands
// forever) must not end with the event loop empty and exit code 0, as if it had worked.
function withDeadline(work: Promise<void>, seconds: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${seconds} s (is every Cluster slot served?); the command may or may not have taken effect.`)), seconds * 1000);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Runs the CLI; returns the exit code (0 done, 1 failed, 2 usage). Output goes through `out`, so tests can capture it. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  let target: RedisTarget | undefined;
  try {
    const { command, flags } = parseArgs(argv);
    if (command === undefined || flags.has('help')) {
      out(HELP);
      return command === undefined && !flags.has('help') ? 2 : 0;
    }
    if (!isCommand(command)) throw new UsageError(`Unknown command ${JSON.stringify(command)}.`);
    const url = redisUrl(flags, env);
    // Usage mistakes are found before connecting.
    if (command === 'list-in-progress') positiveIntegerFlag(flags, 'limit', 100);
    else recordKeyOf(flags);
    const timeoutSeconds = positiveIntegerFlag(flags, 'timeout-seconds', 30);
    const json = flags.has('json');
    const print: Print = (value) => out(json ? JSON.stringify(value) : Object.entries(value).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
    await withDeadline(
      (async () => {
        target = await connectTarget(url);
        if (command === 'inspect') await inspect(target, flags, print);
        else if (command === 'invalidate') await invalidate(target, flags, print);
        else await listInProgress(target, flags, json, out);
      })(),
      timeoutSeconds,
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      out(`error: ${err.message}\n\n${HELP}`);
      return 2;
    }
    // Messages are ours or ioredis'; neither holds the URL.
    out(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    target?.close();
  }
}

if (require.main === module) {
  // Until main settles, an exit (the event loop emptied) is a failure.
  process.exitCode = 1;
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
