import { Metrics } from '@aws-lambda-powertools/metrics';
import { makeIdempotent, MemoryStore } from '../../../lib';
import { emfMetrics } from '../../../lib/integrations/metrics';
import { CaptureLogger } from '../../helpers/logger';

describe('emfMetrics (Powertools Metrics, CloudWatch EMF)', () => {
  it('counts each decision as a metric in the published EMF blob', async () => {
    const metrics = new Metrics({ namespace: 'payments', serviceName: 'charges' });
    const fn = makeIdempotent(async function charge(_e: { id: string }) {
      return 1;
    }, { key: 'id', store: new MemoryStore(), logger: new CaptureLogger(), onDecision: emfMetrics(metrics) });
    await fn({ id: 'a' });
    await fn({ id: 'a' });
    await fn({ id: 'a' });
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
    try {
      metrics.publishStoredMetrics();
    } finally {
      spy.mockRestore();
    }
    const emf = JSON.parse(written.join('').trim().split('\n').pop() as string) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string; Unit: string }> }> } };
    const names = emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => `${m.Name}:${m.Unit}`);
    expect(emf._aws.CloudWatchMetrics[0]?.Namespace).toBe('payments');
    expect(names).toEqual(expect.arrayContaining(['IdempotencyMiss:Count', 'IdempotencyHit:Count', 'IdempotencyDurationMs:Milliseconds']));
    expect(emf.IdempotencyMiss).toBe(1);
    expect(emf.IdempotencyHit).toEqual([1, 1]); // EMF keeps each value; CloudWatch sums them
  });
});
