// npm run bench:durability: what RedisStore's `durability: { replicas: 1 }` costs. Spawns a
// primary and a replica (replicating over loopback) on free ports, and times the built package's
// calls with and without the option, interleaved in shuffled blocks so drift cancels out:
// sequential misses and hits (p50/p99), and misses per second at 64 concurrent calls on one store
// (WAIT blocks its connection until the replica answers). Writes docs/bench/durability.md.
//
//   npm run build && node scripts/benchDurability.mjs [--quick]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { freePort } from './benchRedis.mjs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { makeIdempotent, RedisStore } = require(join(root, 'dist/cjs/index.js'));
const { Redis } = require('ioredis');

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 4 : 12;
const BLOCK = quick ? 100 : 250;
const CONCURRENT = 64;
const CONCURRENT_CALLS = quick ? 2_000 : 6_000;


async function startRedis(dir, args = []) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', '', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  child.stdout.resume();
  return { port, url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

const silent = { info() {}, warn() {}, error() {} };
const handler = async (event) => ({ statusCode: 201, body: JSON.stringify({ paymentId: 'pay_' + event.id }) });

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'idem-bench-durability-'));
  const primary = await startRedis(dir, ['--repl-diskless-sync-delay', '0']);
  const replica = await startRedis(join(dir), ['--replicaof', '127.0.0.1', String(primary.port), '--dbfilename', 'replica.rdb']);
  const replicaAdmin = new Redis(replica.url);
  while (!(await replicaAdmin.info('replication')).includes('master_link_status:up')) await new Promise((r) => setTimeout(r, 50));
  replicaAdmin.disconnect();

  const stores = { plain: new RedisStore(primary.url), durable: new RedisStore(primary.url, { durability: { replicas: 1, timeoutMs: 200 } }) };
  const fns = Object.fromEntries(Object.entries(stores).map(([id, store]) => [id, makeIdempotent(handler, { key: 'id', name: `bench.${id}`, store, logger: silent })]));
  const lat = { plain: { miss: [], hit: [] }, durable: { miss: [], hit: [] } };
  const thr = { plain: [], durable: [] };
  const hitIds = Object.fromEntries(Object.keys(fns).map((id) => [id, randomUUID()]));
  for (const [id, fn] of Object.entries(fns)) for (let i = 0; i < 300; i++) await fn({ id: i % 2 ? hitIds[id] : randomUUID() });

  for (let round = 0; round < ROUNDS; round++) {
    for (const id of Object.keys(fns).sort(() => Math.random() - 0.5)) {
      const fn = fns[id];
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        await fn({ id: randomUUID() });
        lat[id].miss.push(performance.now() - t);
      }
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        await fn({ id: hitIds[id] });
        lat[id].hit.push(performance.now() - t);
      }
      let next = 0;
      const t = performance.now();
      const calls = CONCURRENT_CALLS / ROUNDS;
      await Promise.all(Array.from({ length: CONCURRENT }, async () => {
        while (next++ < calls) await fn({ id: randomUUID() });
      }));
      thr[id].push(calls / ((performance.now() - t) / 1000));
    }
  }
  for (const store of Object.values(stores)) await store.close();
  primary.stop();
  replica.stop();
  rmSync(dir, { recursive: true, force: true });

  const us = (ms) => `${Math.round(ms * 1000)} us`;
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const row = (label, id) => {
    const miss = stats(lat[id].miss);
    const hit = stats(lat[id].hit);
    return `| ${label} | ${us(miss.p50)} | ${us(miss.p99)} | ${us(hit.p50)} | ${us(hit.p99)} | ${(median(thr[id]) / 1000).toFixed(1)}k/s |`;
  };
  const table = [
    `| RedisStore on a primary with one replica (loopback) | miss p50 | miss p99 | hit p50 | hit p99 | misses/s at ${CONCURRENT} concurrent, one store |`,
    '|---|--:|--:|--:|--:|--:|',
    row('without `durability`', 'plain'),
    row('`durability: { replicas: 1 }`', 'durable'),
  ].join('\n');
  const meta = `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${ROUNDS} rounds x ${BLOCK} sequential calls per path, ${new Date().toISOString().slice(0, 10)}${quick ? ' (--quick)' : ''}`;
  const doc = `# durability bench\n\n\`npm run bench:durability\` (scripts/benchDurability.mjs): ${meta}.\n\n${table}\n`;
  writeFileSync(join(root, 'docs/bench/durability.md'), doc);
  process.stdout.write(`${table}\n${meta}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
