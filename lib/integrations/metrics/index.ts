/**
 * `lambda-idempotency/metrics`: counts decisions as CloudWatch metrics (EMF) through the metrics
 * client you pass, such as Powertools' `Metrics`.
 *
 * @module lambda-idempotency/metrics
 */
import type { DecisionLog } from '../../core/log';
import type { DecisionHook } from '../../core/options';

/**
 * What the adapter needs of a metrics client: Powertools' `Metrics` fits. This module imports
 * nothing from `@aws-lambda-powertools/metrics`; you pass your instance.
 *
 * @example
 * ```ts
 * const counting: MetricsLike = { addMetric: (name, unit, value) => console.log(name, unit, value) };
 * ```
 */
export interface MetricsLike {
  /** Records one value of a metric, as Powertools' `Metrics.addMetric` does. */
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): void;
}

/**
 * Options of {@link emfMetrics}.
 *
 * @example
 * ```ts
 * emfMetrics(metrics, { prefix: 'Payments' });
 * ```
 */
export interface EmfMetricsOptions {
  /**
   * Prefix of every metric name.
   * @default 'Idempotency'
   */
  readonly prefix?: string;
  /**
   * Also record each decision's duration as `<prefix>DurationMs`.
   * @default true
   */
  readonly duration?: boolean;
}

const NAMES: Record<DecisionLog['decision'], string> = {
  hit: 'Hit',
  miss: 'Miss',
  in_progress: 'InProgress',
  lease_takeover: 'LeaseTakeover',
  payload_mismatch: 'PayloadMismatch',
  released: 'Released',
  store_error: 'StoreError',
  key_missing: 'KeyMissing',
  lease_lost: 'LeaseLost',
  fail_open: 'FailOpen',
  not_stored: 'NotStored',
  error_stored: 'ErrorStored',
};

/**
 * An `onDecision` hook that counts decisions as CloudWatch metrics through Powertools' `Metrics`
 * (EMF): `IdempotencyHit`, `IdempotencyMiss`, `IdempotencyInProgress`, ... with unit Count, and
 * `IdempotencyDurationMs`. Publish as usual (`logMetrics` middleware or `publishStoredMetrics()`).
 *
 * @example
 * ```ts
 * import { Metrics } from '@aws-lambda-powertools/metrics';
 * import { emfMetrics } from 'lambda-idempotency/metrics';
 *
 * const metrics = new Metrics({ namespace: 'payments', serviceName: 'charges' });
 * configureIdempotency({ store, onDecision: emfMetrics(metrics) });
 * ```
 */
export function emfMetrics(metrics: MetricsLike, options: EmfMetricsOptions = {}): DecisionHook {
  const prefix = options.prefix ?? 'Idempotency';
  const duration = options.duration ?? true;
  return (decision) => {
    metrics.addMetric(`${prefix}${NAMES[decision.decision]}`, 'Count', 1);
    if (duration) metrics.addMetric(`${prefix}DurationMs`, 'Milliseconds', decision.durationMs);
  };
}
