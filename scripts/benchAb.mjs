// A/B of CPU per call between this library and the floor, in one process, interleaved blocks:
//   node --expose-gc scripts/benchAb.mjs [hit|miss] [rounds] > /dev/null
// Prints (stderr) the median over blocks of CPU us per call, the p50 wall and the JS heap bytes
// allocated per call, per system. Besides ours and the floor: ours with `localCache` (on `hit`,
// a repeated hit served in process) and the floor's log line alone, with no Redis (the localCache
// target: a repeated hit costs no more than that line plus 2 us). For checking an optimization on
// a shared, noisy machine; `npm run bench` is the reference.
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { floorSystem, oursSystem, paymentEvent, startRedis } from './benchRedis.mjs';

const path = process.argv[2] ?? 'hit';
const rounds = Number(process.argv[3] ?? 30);
const BLOCK = 500;
const redis = await startRedis();
const { url } = redis;
const { Logger } = await import('@aws-lambda-powertools/logger');
const event = paymentEvent;
// The floor's hit line, written alone: what a hit served without Redis cannot go below.
const lineLogger = new Logger();
const keyHash = 'ab'.repeat(32);
const logLine = async () => {
  const startedAt = performance.now();
  lineLogger.info({ message: 'idempotency hit: replayed the stored result', decision: 'hit', namespace: 'charge', keyHash, durationMs: performance.now() - startedAt });
};
const systems = {
  ours: await oursSystem(url),
  floor: await floorSystem(url),
  'floor+commandTimeout': await floorSystem(url, { commandTimeout: 1000 }),
  'ours+localCache': await oursSystem(url, 'chargeCached', { localCache: { maxEntries: 10_000 } }),
  'log line alone': { fn: logLine, close: async () => undefined },
};
const hitKey = randomUUID();
const res = {};
for (const [id, s] of Object.entries(systems)) {
  await s.fn(event(hitKey));
  for (let i = 0; i < 2000; i++) await s.fn(event(path === 'hit' ? hitKey : randomUUID()));
  res[id] = { cpu: [], wall: [], bytes: [] };
}
for (let r = 0; r < rounds; r++) {
  for (const id of Object.keys(systems).sort(() => Math.random() - 0.5)) {
    const events = Array.from({ length: BLOCK }, () => event(path === 'hit' ? hitKey : randomUUID()));
    // BENCH_PAUSE=1: a full GC and a pause before each block (inflates CPU per call: see bench.mjs).
    if (process.env.BENCH_PAUSE === '1') {
      global.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const c0 = process.cpuUsage();
    for (const e of events) {
      const t = performance.now();
      await systems[id].fn(e);
      res[id].wall.push(performance.now() - t);
    }
    const c = process.cpuUsage(c0);
    res[id].cpu.push((c.user + c.system) / BLOCK);
  }
}
// Bytes: the growth of the JS heap over a short block run right after a full GC (the young
// generation then has room for it, so nothing is collected in between); the median over blocks
// drops a block that a collection cut short. Needs --expose-gc.
const BYTES_BLOCK = 100;
if (global.gc !== undefined) {
  for (let r = 0; r < 15; r++) {
    for (const id of Object.keys(systems)) {
      const events = Array.from({ length: BYTES_BLOCK }, () => event(path === 'hit' ? hitKey : randomUUID()));
      const fn = systems[id].fn;
      global.gc();
      const h0 = getHeapStatistics().used_heap_size;
      for (const e of events) await fn(e);
      res[id].bytes.push((getHeapStatistics().used_heap_size - h0) / BYTES_BLOCK);
    }
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [id, r] of Object.entries(res)) {
  const bytes = r.bytes.length > 0 ? `, ${(median(r.bytes) / 1024).toFixed(1)} KB/call` : '';
  process.stderr.write(`${path} ${id.padEnd(22)} CPU ${median(r.cpu).toFixed(1)} us/call, wall p50 ${(median(r.wall) * 1000).toFixed(1)} us${bytes}\n`);
}
for (const s of Object.values(systems)) await s.close();
redis.process.kill('SIGTERM');
