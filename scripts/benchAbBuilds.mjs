// A/B of two builds of this library, in one process, interleaved blocks: a copy of an earlier
// `dist` (the base) against the current one.
//   cp -r dist /tmp/base-dist && <change, npm run build> &&
//   node --expose-gc scripts/benchAbBuilds.mjs /tmp/base-dist [hit|miss] [rounds] > /dev/null
// The base directory must sit where `node_modules` resolves (inside this checkout, e.g.
// .ab-base/dist), so that both builds load the same ioredis and Logger. Per build and system, prints
// (stderr) the median over blocks of CPU us per call, the p50 wall and the JS heap bytes allocated
// per call. Systems (AB=redis,stub,cache to choose): `redis`, a RedisStore and a Powertools Logger;
// `stub`, a store that answers at once and a logger that writes nothing (the engine's own cost);
// `cache`, with localCache (on `hit`, a repeated hit served in process).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { paymentEvent, paymentResponse, startRedis } from './benchRedis.mjs';

const require = createRequire(import.meta.url);
const [baseDist, path = 'hit', roundsArg = '30'] = process.argv.slice(2);
if (baseDist === undefined || global.gc === undefined) throw new Error('usage: node --expose-gc scripts/benchAbBuilds.mjs BASE_DIST [hit|miss] [rounds]');
const rounds = Number(roundsArg);
const BLOCK = 500;
const redis = await startRedis();
const { Logger } = await import('@aws-lambda-powertools/logger');
const builds = { base: require(resolve(baseDist, 'cjs/index.js')), new: require('../dist/cjs/index.js') };
const silent = { info() {}, warn() {}, error() {} };
const which = (process.env.AB ?? 'redis,stub,cache').split(',');
const stored = { status: 'COMPLETED', payload: JSON.stringify(await paymentResponse()) };
const stubStore = {
  maxPayloadBytes: Number.POSITIVE_INFINITY,
  claim: async () => (path === 'hit' ? { outcome: 'existing', record: stored, nowMs: Date.now(), expiresAtMs: Date.now() + 3_600_000 } : { outcome: 'claimed' }),
  complete: async () => true, release: async () => true, renewLease: async () => true, get: async () => undefined, delete: async () => false,
};
const systems = {};
const stores = [];
for (const [build, lib] of Object.entries(builds)) {
  const store = new lib.RedisStore(redis.url);
  stores.push(store);
  // A name per build and system: one function per default namespace.
  const wrap = (name, options) => lib.makeIdempotent({ [name]: async (e) => paymentResponse(e) }[name], { key: 'headers.idempotency-key', name, ...options });
  if (which.includes('redis')) systems[`${build} redis`] = wrap(`redis_${build}`, { store, logger: new Logger() });
  if (which.includes('stub')) systems[`${build} stub`] = wrap(`stub_${build}`, { store: stubStore, logger: silent });
  if (which.includes('cache')) systems[`${build} cache`] = wrap(`cache_${build}`, { store, logger: new Logger(), localCache: { maxEntries: 1_000 } });
}
const hitKey = randomUUID();
const event = () => paymentEvent(path === 'hit' ? hitKey : randomUUID());
const res = {};
for (const [id, fn] of Object.entries(systems)) {
  for (let i = 0; i < 3000; i++) await fn(event());
  res[id] = { cpu: [], wall: [], bytes: [] };
}
for (let r = 0; r < rounds; r++) {
  for (const id of Object.keys(systems).sort(() => Math.random() - 0.5)) {
    const events = Array.from({ length: BLOCK }, event);
    const fn = systems[id];
    const c0 = process.cpuUsage();
    for (const e of events) {
      const t = performance.now();
      await fn(e);
      res[id].wall.push(performance.now() - t);
    }
    const c = process.cpuUsage(c0);
    res[id].cpu.push((c.user + c.system) / BLOCK);
  }
}
// Bytes as in benchAb.mjs: heap growth over a short block right after a full GC, median of blocks.
for (let r = 0; r < 15; r++) {
  for (const id of Object.keys(systems)) {
    const events = Array.from({ length: 100 }, event);
    const fn = systems[id];
    global.gc();
    const h0 = getHeapStatistics().used_heap_size;
    for (const e of events) await fn(e);
    res[id].bytes.push((getHeapStatistics().used_heap_size - h0) / 100);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [id, r] of Object.entries(res).sort()) {
  process.stderr.write(`${path} ${id.padEnd(12)} CPU ${median(r.cpu).toFixed(2)} us/call, wall p50 ${(median(r.wall) * 1000).toFixed(2)} us, ${median(r.bytes).toFixed(0)} B/call\n`);
}
for (const store of stores) await store.close();
redis.process.kill('SIGTERM');
