import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { IdempotencyCompletionError, IdempotencyError, lambdaRedisOptions, makeIdempotent, RedisStore, resetIdempotencyConfig, type RedisDurability } from '../../lib';
import { sleep } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';
import { redisSentinel, type RedisSentinelTopology } from '../helpers/redisSentinel';
import { startRedisServer, type RedisServer } from '../helpers/redisServer';

/**
 * A Redis failover under load, on real processes: a primary (behind the stall proxy), a replica
 * and three sentinels. 40 payments, 8 at a time, each delivered once; after 10 have completed,
 * replication stalls (the primary acknowledges writes no replica has). The primary is SIGKILLed,
 * the sentinels promote the replica, and every payment is delivered again (at-least-once
 * delivery, as SQS does), retried until it completes. A replacement replica joins the new
 * primary once it is promoted. Executions are counted per payment: a second one is a double.
 *
 * Without `durability`, every payment made during the stall is lost with the primary and runs
 * again. With `durability: { replicas: 1 }` none does: a claim no replica confirmed failed before
 * the method ran, and a result no replica confirmed was reported as IdempotencyCompletionError
 * (the caller knows the payment happened; it is not delivered blindly again).
 *
 * FAILOVER_REPORT=<file> appends each scenario's figures to that file (the README quotes them).
 */
const KEYS = 40;
const CONCURRENCY = 8;
const STALL_AFTER_COMPLETED = 10;
const PROMOTION_TIMEOUT_MS = 15_000;
const RETRY_BUDGET_MS = 25_000;
const RECOVERY_BOUND_MS = 10_000;

interface Outcome {
  /** Payments that ran more than once. */
  readonly doubles: number;
  /** Failures that were not an IdempotencyError. */
  readonly untyped: string[];
  /** IdempotencyCompletionError in the first delivery: the payment ran, its result is unconfirmed. */
  readonly completionErrors: number;
  /** Typed failures seen across both deliveries (outage, in progress...). */
  readonly typedFailures: number;
  /** From the promotion (as the sentinels report it) to the first call that succeeded after the kill. */
  readonly recoveryMs: number;
  /** From the kill to the promotion, and the replacement replica's sync (for the report). */
  readonly promotionMs: number;
  readonly firstDeliveryMs: number;
}

let topology: RedisSentinelTopology | undefined;
let replacement: RedisServer | undefined;
let client: Redis | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  resetIdempotencyConfig();
  client?.disconnect();
  await replacement?.stop();
  await topology?.stop();
  for (const cleanup of cleanups.splice(0)) cleanup();
  client = replacement = topology = undefined;
});

/** Runs `work` on each item, `CONCURRENCY` at a time. */
async function eachConcurrently<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** A replacement replica of the promoted primary (an operator's or a managed service's). */
async function attachReplacement(promoted: string): Promise<void> {
  const [host, port] = [promoted.slice(0, promoted.lastIndexOf(':')), Number(promoted.slice(promoted.lastIndexOf(':') + 1))];
  // It writes the RDB it syncs into its working directory: a temporary one.
  const dir = mkdtempSync(join(tmpdir(), 'idem-failover-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  replacement = await startRedisServer({ args: ['--dir', dir] });
  const admin = new Redis(replacement.port, '127.0.0.1');
  try {
    await admin.replicaof(host, port);
  } finally {
    admin.disconnect();
  }
}

async function failover(durability: RedisDurability | undefined): Promise<Outcome> {
  const t = (topology = redisSentinel());
  await t.start();
  // The replica becomes the primary the replacement syncs from: no 5 s wait for more replicas.
  const replicaAdmin = new Redis(t.replica.port, '127.0.0.1');
  await replicaAdmin.config('SET', 'repl-diskless-sync-delay', '0');
  replicaAdmin.disconnect();

  client = new Redis({ sentinels: [...t.sentinels], name: t.masterName, ...lambdaRedisOptions() });
  client.on('error', () => undefined); // connection errors during the failover reach the calls
  const logger = new CaptureLogger();
  const store = new RedisStore(client, { logger, ...(durability === undefined ? {} : { durability }) });
  const executions = new Map<string, number>();
  let completed = 0;
  const pay = makeIdempotent(
    async function failoverPayment(event: { id: string }) {
      executions.set(event.id, (executions.get(event.id) ?? 0) + 1);
      await sleep(5);
      return { paid: event.id };
    },
    // A claim left in progress on the promoted replica ends after 2 s, not 60.
    { key: 'id', store, logger, leaseSeconds: 2 },
  );
  const ids = Array.from({ length: KEYS }, (_, i) => `payment-${i}`);
  const untyped: string[] = [];
  let typedFailures = 0;
  // 'ran': IdempotencyCompletionError, the payment happened and the caller is told so.
  const settle = async (id: string): Promise<'ok' | 'ran' | 'retry'> => {
    try {
      await pay({ id });
      return 'ok';
    } catch (err) {
      if (!(err instanceof IdempotencyError)) untyped.push(String(err));
      else typedFailures++;
      return err instanceof IdempotencyCompletionError ? 'ran' : 'retry';
    }
  };

  // First delivery, under load: replication stalls after 10 payments completed.
  const reported = new Set<string>();
  const startedAt = Date.now();
  await eachConcurrently(ids, async (id) => {
    const settled = await settle(id);
    if (settled === 'ran') reported.add(id);
    if (settled === 'ok' && ++completed === STALL_AFTER_COMPLETED) t.stallReplication();
  });

  const killedAt = Date.now();
  await t.killPrimary();
  const promotion = t.waitForPromotion(PROMOTION_TIMEOUT_MS).then(async (promoted) => {
    const at = Date.now();
    await attachReplacement(promoted);
    return at;
  });
  promotion.catch(() => undefined);

  // Second delivery of every payment (but those reported as run), each retried until it completes.
  let firstSuccessAt = Number.POSITIVE_INFINITY;
  const deadline = Date.now() + RETRY_BUDGET_MS;
  await eachConcurrently(
    ids.filter((id) => !reported.has(id)),
    async (id) => {
      for (;;) {
        if ((await settle(id)) !== 'retry') break;
        if (Date.now() > deadline) throw new Error(`${id} did not complete within ${RETRY_BUDGET_MS} ms of the kill`);
        await sleep(100);
      }
      firstSuccessAt = Math.min(firstSuccessAt, Date.now());
    },
  );
  const promotedAt = await promotion;
  const doubles = [...executions.values()].filter((n) => n > 1).length;
  return { doubles, untyped, completionErrors: reported.size, typedFailures, recoveryMs: Math.max(0, firstSuccessAt - promotedAt), promotionMs: promotedAt - killedAt, firstDeliveryMs: killedAt - startedAt };
}

function report(scenario: string, outcome: Outcome): void {
  const file = process.env.FAILOVER_REPORT;
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify({ scenario, ...outcome })}\n`);
}

describe('a Redis failover under load (Sentinel, replication stalled, primary SIGKILLed)', () => {
  it('without durability, runs again the payments the primary acknowledged but never replicated', async () => {
    const outcome = await failover(undefined);
    report('without durability', outcome);
    // The gap is real: every payment made during the stall was lost with the primary.
    expect(outcome.doubles).toBeGreaterThan(0);
    expect(outcome.untyped).toEqual([]);
  }, 50_000);

  it('with durability { replicas: 1 }, runs no payment twice, fails only with typed errors, and succeeds again within seconds of the promotion', async () => {
    const outcome = await failover({ replicas: 1, timeoutMs: 200 });
    report('with durability { replicas: 1 }', outcome);
    expect(outcome.doubles).toBe(0);
    expect(outcome.untyped).toEqual([]);
    expect(outcome.typedFailures).toBeGreaterThan(0);
    expect(outcome.recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
  }, 50_000);
});
