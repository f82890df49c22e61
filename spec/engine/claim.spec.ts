import { backoffDelayMs, nextToken, waitDeadlineMs } from '../../lib/engine/claim';

describe('the claim loop steps', () => {
  it('pauses a random 50-100% of a delay that doubles from 25 ms up to 500 ms', () => {
    const ceilings = [25, 50, 100, 200, 400, 500, 500, 500];
    for (const [attempt, ceilingMs] of ceilings.entries()) {
      for (let i = 0; i < 200; i++) {
        const pauseMs = backoffDelayMs(attempt);
        expect(pauseMs).toBeGreaterThanOrEqual(ceilingMs / 2);
        expect(pauseMs).toBeLessThanOrEqual(ceilingMs);
      }
    }
    expect(backoffDelayMs(2_000)).toBeLessThanOrEqual(500); // no overflow after a long wait
  });

  it('waits until waitSeconds or the invocation ends, whichever is first, and not at all without wait mode', () => {
    expect(waitDeadlineMs(10_000, 1_000, 4_000)).toBe(5_000);
    expect(waitDeadlineMs(10_000, 1_000, 60_000)).toBe(11_000);
    expect(waitDeadlineMs(10_000, 1_000, undefined)).toBe(11_000); // outside Lambda: waitSeconds alone
    expect(waitDeadlineMs(undefined, 1_000, 4_000)).toBe(0);
  });

  it('makes owner tokens that never repeat', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => nextToken()));
    expect(tokens.size).toBe(10_000);
  });
});
