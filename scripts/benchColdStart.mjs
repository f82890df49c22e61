// Cold start, as SAM and CDK deploy a function: each system's one-handler module bundled with
// esbuild (minified, CommonJS, platform node, target node20, @aws-sdk/* left to the runtime),
// then required by N fresh `node` processes, interleaved. Reports the bundle's bytes and the
// median time of the `require` (module evaluation: what the Lambda init phase pays for the code).
// Used by scripts/bench.mjs; `node scripts/benchColdStart.mjs [samples]` runs it alone, and
// `node scripts/benchColdStart.mjs --inputs` lists what of ours the one-handler bundle carries
// (esbuild's metafile: bytes in the output per module of dist/esm).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
};

/** The package installed in `dir` as a user's project has it: node_modules/lambda-idempotency (a link to the built package). */
function install(dir) {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'lambda-idempotency'), 'dir');
}

async function bundle(dir, name) {
  const { build } = await import('esbuild');
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, HANDLERS[name]);
  const outfile = join(dir, `${name}.js`);
  const result = await build({
    entryPoints: [entry], outfile, bundle: true, minify: true, format: 'cjs', platform: 'node', target: 'node20',
    external: ['@aws-sdk/*'], metafile: true, logLevel: 'error',
    // The package as a user's project resolves it: its "exports", the import condition (dist/esm,
    // tree-shaken: "sideEffects": false). The other systems' packages come from ours' node_modules.
    nodePaths: [join(root, 'node_modules')],
  });
  const output = Object.values(result.metafile.outputs)[0];
  return { outfile, bytes: output.bytes, inputs: output.inputs };
}

/** Our modules in a bundle's metafile inputs, largest first: [path under dist/esm, bytes in the output]. */
function ourInputs(inputs) {
  return Object.entries(inputs)
    .filter(([path]) => path.includes('dist/esm/'))
    .map(([path, { bytesInOutput }]) => [path.replace(/^.*dist\/esm\//, ''), bytesInOutput])
    .sort((a, b) => b[1] - a[1]);
}

const PROBE = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6)); process.exit(0);`;

/** Bundles each handler, then times its require in `samples` fresh processes per system (interleaved). */
export async function coldStartTable({ samples = 15 } = {}) {
  // BENCH_COLD_DIR keeps the bundles (to profile their import), else a temporary folder.
  const keep = process.env.BENCH_COLD_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'idem-cold-'));
  try {
    install(dir);
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

/** What of ours the one-handler bundle carries, and the bundle's bytes over the floor's. */
export async function ourBundleInputs() {
  const dir = mkdtempSync(join(tmpdir(), 'idem-cold-'));
  try {
    install(dir);
    const [floor, ours] = [await bundle(dir, 'floor'), await bundle(dir, 'ours')];
    const modules = ourInputs(ours.inputs);
    return { floorBytes: floor.bytes, oursBytes: ours.bytes, ourModulesBytes: modules.reduce((sum, [, b]) => sum + b, 0), modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--inputs') {
    const { modules, ...totals } = await ourBundleInputs();
    console.log(totals);
    for (const [path, bytes] of modules) console.log(`${String(bytes).padStart(7)}  ${path}`);
  } else {
    console.log(await coldStartTable({ samples: Number(process.argv[2] ?? 15) }));
  }
}
