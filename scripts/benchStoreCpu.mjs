// What RedisStore itself and ioredis' per-command timer cost, CPU only, without the network:
//   node scripts/benchStoreCpu.mjs [rounds]
// Prints (stderr) the median over interleaved blocks of CPU us per call for: the store's own work
// on a hit (claim of an existing record) and on a miss (claim + complete), on a client whose
// commands answer at once; and one ioredis command created and answered, with and without the
// timer `commandTimeout` arms. End-to-end figures (benchAb.mjs) move by several us between runs
// on a shared machine: these do not, so they bound what a change to the store or to the timeout
// mechanism can buy before it is tried.
import { Command, Redis } from 'ioredis';
import { RedisStore } from 'lambda-idempotency';

const rounds = Number(process.argv[2] ?? 30);
const BLOCK = 20_000;

// A client that never connects (its host resolves nowhere, so no command can reach a real Redis):
// each command the store sends answers at once with `reply`; the eviction check's INFO, nothing.
const client = new Redis({ host: 'store-cpu-bench.invalid', lazyConnect: true, commandTimeout: 1000, retryStrategy: () => null });
client.info = async () => '';
let reply = null;
let written;
client.set = async () => reply;
client.evalsha = client.eval = async (_sha, _keys, _key, _token, record) => {
  written = record;
  return 1;
};
const store = new RedisStore(client);
await store.claim({ key: 'k', token: 'tok', leaseMs: 1000 });
await store.complete({ key: 'k', token: 'tok', payload: '{"statusCode":201,"body":"{\\"paymentId\\":\\"pay_123\\"}"}', ttlMs: 1000 });
const stored = written; // the completed record a hit reads back

const answer = Buffer.from('value');
const cases = {
  'store hit (claim, record exists)': async () => {
    reply = stored;
    await store.claim({ key: 'k', token: 'tok', leaseMs: 1000 });
  },
  'store miss (claim + complete)': async () => {
    reply = null;
    await store.claim({ key: 'k', token: 'tok', leaseMs: 1000 });
    await store.complete({ key: 'k', token: 'tok', payload: 'x', ttlMs: 1000 });
  },
  'ioredis command': () => {
    const command = new Command('get', ['k'], { replyEncoding: 'utf8' });
    command.resolve(answer);
    return command.promise;
  },
  'ioredis command + commandTimeout timer': () => {
    const command = new Command('get', ['k'], { replyEncoding: 'utf8' });
    command.setTimeout(1000); // what Redis#sendCommand does with `commandTimeout` set
    command.resolve(answer); // clears it, as a reply does
    return command.promise;
  },
};
const cpu = Object.fromEntries(Object.keys(cases).map((id) => [id, []]));
for (const run of Object.values(cases)) for (let i = 0; i < BLOCK; i++) await run(); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const id of Object.keys(cases).sort(() => Math.random() - 0.5)) {
    const run = cases[id];
    const c0 = process.cpuUsage();
    for (let i = 0; i < BLOCK; i++) await run();
    const c = process.cpuUsage(c0);
    cpu[id].push((c.user + c.system) / BLOCK);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [id, r] of Object.entries(cpu)) process.stderr.write(`${id.padEnd(40)} CPU ${median(r).toFixed(2)} us/call\n`);
client.disconnect();
