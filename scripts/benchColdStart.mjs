// Cold start, as SAM and CDK deploy a function: each system's one-handler module bundled with
// esbuild (minified, CommonJS, platform node, target node20, @aws-sdk/* left to the runtime),
// then required by N fresh `node` processes, interleaved. Reports the bundle's bytes and the
// median time of the `require` (module evaluation: what the Lambda init phase pays for the code).
// Used by scripts/bench.mjs; `node scripts/benchColdStart.mjs` runs it alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Each module builds its client at module scope and connects on the first call (ours: the
// store's lazyConnect; the floor: lazyConnect too), as a deployed handler does.
const HANDLERS = {
  floor: `
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { Logger } from '@aws-lambda-powertools/logger';
const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
const logger = new Logger();
export const handler = async (event) => {
  const key = 'naive:' + createHash('sha256').update(JSON.stringify(event.headers['idempotency-key'])).digest('hex');
  const cached = await client.get(key);
  if (cached !== null) { logger.info({ message: 'hit', keyHash: key }); return JSON.parse(cached); }
  const result = { statusCode: 201, body: 'ok' };
  await client.set(key, JSON.stringify(result));
  logger.info({ message: 'miss', keyHash: key });
  return result;
};`,
  ours: `
import { makeIdempotent, RedisStore } from 'lambda-idempotency';
const store = new RedisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
export const handler = makeIdempotent(async function charge(event) { return { statusCode: 201, body: 'ok' }; }, { name: 'charge', key: 'headers.idempotency-key', store });`,
  powertools: `
import { makeIdempotent, IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import { createClient } from '@redis/client';
const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
export const handler = makeIdempotent(async (event) => ({ statusCode: 201, body: 'ok' }), {
  persistenceStore: new CachePersistenceLayer({ client }),
  config: new IdempotencyConfig({ eventKeyJmesPath: 'headers."idempotency-key"' }),
});`,
  // Not shipped: the same module bundled from the TypeScript sources (ES modules, so esbuild
  // tree-shakes them), to measure what a tree-shakable ESM build would save over the published one.
  oursTreeShaken: `
import { makeIdempotent, RedisStore } from 'lambda-idempotency-src';
const store = new RedisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
export const handler = makeIdempotent(async function charge(event) { return { statusCode: 201, body: 'ok' }; }, { name: 'charge', key: 'headers.idempotency-key', store });`,
};

async function bundle(dir, name) {
  const { build } = await import('esbuild');
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, HANDLERS[name]);
  const outfile = join(dir, `${name}.js`);
  const result = await build({
    entryPoints: [entry], outfile, bundle: true, minify: true, format: 'cjs', platform: 'node', target: 'node20',
    external: ['@aws-sdk/*'], metafile: true, logLevel: 'error',
    // The package as a user's project resolves it (its "exports", the import condition: dist/esm).
    alias: { 'lambda-idempotency': join(root, 'dist/esm/index.mjs'), 'lambda-idempotency-src': join(root, 'lib/index.ts') },
    nodePaths: [join(root, 'node_modules')],
  });
  return { outfile, bytes: Object.values(result.metafile.outputs)[0].bytes };
}

const PROBE = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6)); process.exit(0);`;

/** Bundles each handler, then times its require in `samples` fresh processes per system (interleaved). */
export async function coldStartTable({ samples = 15 } = {}) {
  // BENCH_COLD_DIR keeps the bundles (to profile their import), else a temporary folder.
  const keep = process.env.BENCH_COLD_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'idem-cold-'));
  try {
    const names = Object.keys(HANDLERS);
    const bundles = {};
    for (const name of names) bundles[name] = await bundle(dir, name);
    const times = Object.fromEntries(names.map((n) => [n, []]));
    const env = { ...process.env, NODE_NO_WARNINGS: '1', POWERTOOLS_SERVICE_NAME: 'bench' };
    // stderr kept short: a failing bundle's stack trace would quote its minified source.
    const probe = (name) => Number(execFileSync(process.execPath, ['-e', PROBE, bundles[name].outfile], { env, stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    for (const name of names) probe(name); // disk cache warm
    for (let i = 0; i < samples; i++) {
      for (const name of [...names].sort(() => Math.random() - 0.5)) times[name].push(probe(name));
    }
    const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    return Object.fromEntries(names.map((n) => [n, { bytes: bundles[n].bytes, importMs: median(times[n]), samples }]));
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await coldStartTable({ samples: Number(process.argv[2] ?? 15) }));
}
