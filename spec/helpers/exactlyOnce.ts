import { IdempotencyInProgressError, makeIdempotent, type IdempotencyStore } from '../../lib';
import { sleep } from './lambda';
import { CaptureLogger } from './logger';

/** What {@link runDuplicates} observed. */
export interface DuplicateRun {
  /** How many times the method body ran, per key. */
  readonly executions: Map<string, number>;
  readonly results: number;
  readonly inProgress: number;
  readonly otherErrors: unknown[];
  /** Calls whose result differed from the one the single execution produced. */
  readonly wrongResults: number;
}

/**
 * Fires `duplicates` truly concurrent calls for each of `keys` keys, spread round-robin over the
 * given stores (each its own connection, like separate Lambda containers), and records how often
 * the method body ran. Every call must get the one result or IdempotencyInProgressError.
 */
export async function runDuplicates(stores: readonly IdempotencyStore[], keys: number, duplicates: number, prefix = 'dup'): Promise<DuplicateRun> {
  const executions = new Map<string, number>();
  const logger = new CaptureLogger();
  const wrappers = stores.map((store) =>
    makeIdempotent(
      async function chargeOnce(event: { orderId: string }) {
        executions.set(event.orderId, (executions.get(event.orderId) ?? 0) + 1);
        await sleep(5 + Math.floor(Math.random() * 15));
        return { chargeId: `ch-${event.orderId}` };
      },
      // One wrapper per container, as many functions: their shared namespace is given explicitly.
      { key: 'orderId', store, logger, prefix, name: 'chargeOnce' },
    ),
  );
  const calls: Array<Promise<unknown>> = [];
  for (let d = 0; d < duplicates; d++) {
    for (let k = 0; k < keys; k++) {
      const wrapper = wrappers[(d * keys + k) % wrappers.length] as (typeof wrappers)[number];
      const orderId = `order-${k}`;
      calls.push(wrapper({ orderId }).then((r) => ({ orderId, r })));
    }
  }
  const settled = await Promise.allSettled(calls);
  let results = 0;
  let inProgress = 0;
  let wrongResults = 0;
  const otherErrors: unknown[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') {
      results++;
      const { orderId, r } = s.value as { orderId: string; r: { chargeId: string } };
      if (r.chargeId !== `ch-${orderId}`) wrongResults++;
    } else if (s.reason instanceof IdempotencyInProgressError) inProgress++;
    else otherErrors.push(s.reason);
  }
  return { executions, results, inProgress, otherErrors, wrongResults };
}
