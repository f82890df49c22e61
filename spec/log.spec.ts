import { Logger } from '@aws-lambda-powertools/logger';
import { IdempotencyInProgressError, makeIdempotent, MemoryStore, RedisStore } from '../lib';
import { freePort } from './helpers/redisServer';
import { sleep } from './helpers/lambda';

/** Runs `action` and returns what the Powertools Logger printed, one parsed JSON object per line. */
async function printed(action: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    chunks.push(chunk.toString());
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await action();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks.join('').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('decision log lines (Powertools Logger)', () => {
  const SECRET_KEY = 'customer-4111-1111-1111-1111';

  it('writes one structured line per decision, hits and misses at info, without the raw key or event', async () => {
    const logger = new Logger({ serviceName: 'payments', logLevel: 'INFO' });
    const store = new MemoryStore();
    const charge = makeIdempotent(
      async function charge(event: { key: string; slow?: boolean; fail?: boolean }) {
        if (event.slow) await sleep(50);
        if (event.fail) throw new Error('declined');
        return { ok: true };
      },
      { key: 'key', store, logger },
    );
    const lines = await printed(async () => {
      await charge({ key: SECRET_KEY });
      await charge({ key: SECRET_KEY });
      const slow = charge({ key: `${SECRET_KEY}-2`, slow: true });
      await expect(charge({ key: `${SECRET_KEY}-2` })).rejects.toThrow(IdempotencyInProgressError);
      await slow;
      await expect(charge({ key: `${SECRET_KEY}-3`, fail: true })).rejects.toThrow('declined');
      await charge({} as { key: string });
    });
    expect(lines.map((l) => [l.level, l.decision])).toEqual([
      ['INFO', 'miss'],
      ['INFO', 'hit'],
      ['INFO', 'in_progress'],
      ['INFO', 'miss'],
      ['INFO', 'released'],
      ['WARN', 'key_missing'],
    ]);
    for (const line of lines.slice(0, 5)) {
      expect(line).toMatchObject({ service: 'payments', namespace: 'charge', keyHash: expect.stringMatching(/^[0-9a-f]{64}$/), durationMs: expect.any(Number) });
    }
    expect(JSON.stringify(lines)).not.toContain('4111');
  });

  it('never prints a Redis password, on any failure path', async () => {
    const logger = new Logger({ serviceName: 'payments', logLevel: 'DEBUG' });
    const port = await freePort();
    const store = new RedisStore(`redis://admin:Sup3rS3cret@127.0.0.1:${port}`);
    const charge = makeIdempotent(async function charge(_e: { key: string }) { return 1; }, { key: 'key', store, logger });
    const failOpen = makeIdempotent(async function failOpen(_e: { key: string }) { return 1; }, { key: 'key', store, logger, onStoreError: 'continue' });
    const lines = await printed(async () => {
      await expect(charge({ key: SECRET_KEY })).rejects.toThrow();
      await failOpen({ key: SECRET_KEY });
    });
    await store.close();
    expect(lines.map((l) => l.decision)).toEqual(['store_error', 'store_error', 'fail_open']);
    expect(lines[0]).toMatchObject({ level: 'ERROR', error: { name: 'IdempotencyStoreError', code: 'IDEMPOTENCY_STORE' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('Sup3rS3cret');
    expect(text).not.toContain('4111');
  });
});
