// Where a call's CPU goes: `node --cpu-prof --cpu-prof-dir=DIR scripts/benchProfile.mjs hit|miss [system]`
// runs N sequential calls of one system (ours or floor) against a redis-server it spawns on a
// free loopback port, logs at INFO to stdout (send it to /dev/null), then exits. Summarize the
// .cpuprofile with `node scripts/benchProfile.mjs --summary FILE`.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { floorSystem, oursSystem, paymentEvent, startRedis } from './benchRedis.mjs';

if (process.argv[2] === '--summary') {
  // Self time per function (and per package for node_modules), top 30.
  const profile = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const { callFrame: f } = byId.get(id);
    // This library's frames keep their dist/ prefix (dist/esm/... or dist/cjs/...): the owner table below counts them by it.
    const where = f.url.includes('node_modules') ? f.url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+)\/.*/, '$1') : f.url.includes('/dist/') ? f.url.replace(/.*\/(dist\/(cjs|esm)\/)/, '$1') : f.url.replace(/.*\/(node:)?/, '');
    const key = `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  self.delete('(idle) ');
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // Busy time by owner: this library (dist/cjs), each package, Node itself (stdout writes, streams).
  const owners = new Map();
  for (const [k, v] of self) {
    const where = k.split(' ')[1] ?? '';
    const owner = /^dist\/(cjs|esm)\//.test(where) ? 'lambda-idempotency' : where.startsWith('@') || /^[a-z-]+:\d/.test(where) ? where.split(':')[0] : where.endsWith('.mjs') || where.includes('.mjs:') ? 'bench script' : 'node / V8 (stdout writes, streams, GC)';
    owners.set(owner, (owners.get(owner) ?? 0) + v);
  }
  console.log(`busy ${(total / 1000).toFixed(0)} ms, by owner:`);
  for (const [k, v] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log('top self time:');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  process.exit(0);
}

const path = process.argv[2] ?? 'hit';
const system = process.argv[3] ?? 'ours';
const N = Number(process.env.PROFILE_CALLS ?? 20_000);
const redis = await startRedis();
const { url } = redis;
const event = paymentEvent;
const { fn, close } = system === 'ours' ? await oursSystem(url) : await floorSystem(url, process.env.FLOOR_TIMEOUT ? { commandTimeout: 1000 } : {});
const hitKey = randomUUID();
await fn(event(hitKey));
const events = Array.from({ length: N }, () => event(path === 'hit' ? hitKey : randomUUID()));
for (let i = 0; i < 2000; i++) await fn(event(path === 'hit' ? hitKey : randomUUID())); // warm-up
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (const e of events) await fn(e);
const cpu = process.cpuUsage(cpu0);
process.stderr.write(`${system} ${path}: ${(((performance.now() - t0) * 1000) / N).toFixed(1)} us wall, ${((cpu.user + cpu.system) / N).toFixed(1)} us CPU per call\n`);
await close();
redis.process.kill('SIGTERM');
