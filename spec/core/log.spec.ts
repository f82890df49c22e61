import { Logger } from '@aws-lambda-powertools/logger';
import { Decision, hashValue, IdempotencyInProgressError, makeIdempotent, MemoryStore, RedisStore, resetIdempotencyConfig, type DecisionLine, type DecisionLog, type IdempotencyLogger, type IdempotencyOptions, type IdempotencyStore } from '../../lib';
import { CaptureLogger } from '../helpers/logger';
import { lastJson, run } from '../helpers/run';
import { freePort } from '../helpers/redisServer';
import { sleep } from '../helpers/lambda';
import { ROOT } from '../helpers/paths';
import { forgetProcessState } from '../helpers/freshProcessState';

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
      { key: 'key', store, logger, requireKey: false },
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
    const charge = makeIdempotent(async function charge(_e: { key: string }) { return 1; }, { key: 'key', name: 'charge', store, logger });
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

/** What a call ended with, comparable across runs: its value, or its error's name, message and code. */
type Outcome = { value: unknown } | { error: { name: string; message: string; code?: unknown } };

async function outcomeOf(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await call };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { error: { name: e.name, message: e.message, code: e.code } };
  }
}

/** A logger whose every method records the decision, then throws. */
class ThrowingLogger implements IdempotencyLogger {
  readonly seen: string[] = [];
  info(line: DecisionLine): void {
    this.fail(line);
  }
  warn(line: DecisionLine): void {
    this.fail(line);
  }
  error(line: DecisionLine): void {
    this.fail(line);
  }
  private fail(line: DecisionLine): never {
    this.seen.push(line.decision);
    throw new Error('log sink closed');
  }
}

/** A store whose every call fails, as Redis does when it is down. */
function deadStore(): IdempotencyStore {
  const down = async (): Promise<never> => {
    throw new Error('connect ECONNREFUSED');
  };
  return { maxPayloadBytes: Number.POSITIVE_INFINITY, claim: down, complete: down, release: down, renewLease: down, get: down, delete: down };
}

type Observers = Pick<IdempotencyOptions, 'logger' | 'onDecision'>;

/**
 * Each scenario makes the library take one decision and returns the outcome of the call that
 * took it. Every scenario gets a fresh store and function.
 */
const DECISIONS: Record<string, (observers: Observers) => Promise<Outcome>> = {
  async miss(o) {
    const fn = makeIdempotent(async function missed(e: { id: string }) { return { paid: e.id }; }, { key: 'id', store: new MemoryStore(), ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async hit(o) {
    const store = new MemoryStore();
    const fn = makeIdempotent(async function replayed(e: { id: string }) { return { paid: e.id }; }, { key: 'id', store, ...o });
    await fn({ id: 'a' }).catch(() => undefined);
    return outcomeOf(fn({ id: 'a' }));
  },
  async in_progress(o) {
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const fn = makeIdempotent(async function busy(_e: { id: string }) { await gate; return 'first'; }, { key: 'id', store: new MemoryStore(), ...o });
    const first = fn({ id: 'a' }).catch(() => undefined);
    await sleep(0);
    const duplicate = await outcomeOf(fn({ id: 'a' }));
    open();
    await first;
    return duplicate;
  },
  async released(o) {
    const fn = makeIdempotent(async function declined(_e: { id: string }) { throw Object.assign(new Error('card declined'), { code: 'DECLINED' }); }, { key: 'id', store: new MemoryStore(), ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async payload_mismatch(o) {
    const fn = makeIdempotent(async function validated(e: { id: string; amount: number }) { return e.amount; }, { key: 'id', validate: 'amount', store: new MemoryStore(), ...o });
    await fn({ id: 'a', amount: 1 }).catch(() => undefined);
    return outcomeOf(fn({ id: 'a', amount: 2 }));
  },
  async key_missing(o) {
    const fn = makeIdempotent(async function keyless(_e: { id?: string }) { return 'ran'; }, { key: 'id', requireKey: false, store: new MemoryStore(), ...o });
    return outcomeOf(fn({}));
  },
  async store_error(o) {
    const fn = makeIdempotent(async function closed(_e: { id: string }) { return 'ran'; }, { key: 'id', store: deadStore(), ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async fail_open(o) {
    const fn = makeIdempotent(async function open(_e: { id: string }) { return 'ran'; }, { key: 'id', store: deadStore(), onStoreError: 'continue', ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async lease_takeover(o) {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    await store.claim({ key: `idempotency:takeover:${hashValue('a')}`, token: 'crashed', leaseMs: 1_000, ttlMs: 60_000 });
    now += 1_001;
    const fn = makeIdempotent(async function takeover(_e: { id: string }) { return 'ran'; }, { key: 'id', store, ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async lease_lost(o) {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const fn = makeIdempotent(async function overtaken(_e: { id: string }) {
      // Our lease ends while we run, and a retry takes the claim over: our completion is refused.
      now += 2_000;
      await store.claim({ key: `idempotency:overtaken:${hashValue('a')}`, token: 'retry', leaseMs: 60_000, ttlMs: 60_000 });
      return 'ran';
    }, { key: 'id', store, leaseSeconds: 1, ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async not_stored(o) {
    const fn = makeIdempotent(async function skipped(_e: { id: string }) { return { statusCode: 503 }; }, { key: 'id', store: new MemoryStore(), cacheResult: () => false, ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
  async error_stored(o) {
    const fn = makeIdempotent(async function final(_e: { id: string }) { throw new Error('card declined'); }, { key: 'id', store: new MemoryStore(), cacheError: () => true, ...o });
    return outcomeOf(fn({ id: 'a' }));
  },
};

describe('the onDecision hook', () => {
  it('receives every decision, and a hook that throws never fails the call', async () => {
    // A fresh copy of the library, as a new process has: its failure is reported once per process,
    // and other tests in this file have made hooks fail already.
    let lib!: typeof import('../../lib');
    forgetProcessState('observer-failures-reported');
    jest.isolateModules(() => {
      lib = require('../../lib') as typeof import('../../lib');
    });
    const seen: DecisionLog[] = [];
    const fn = lib.makeIdempotent(async function observed(_e: { id: string }) {
      return 1;
    }, { key: 'id', store: new lib.MemoryStore(), logger: new CaptureLogger(), onDecision: (d) => {
      seen.push(d);
      throw new Error('metrics backend down');
    } });
    // The failure is reported once per process on stderr; silenced here, and checked.
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let codes: unknown[];
    try {
      await fn({ id: 'o-1' });
      await fn({ id: 'o-1' });
      codes = warning.mock.calls.map((c) => (c[1] as { code?: string }).code);
    } finally {
      warning.mockRestore();
      lib.resetIdempotencyConfig();
    }
    expect(codes).toEqual(['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED']);
    expect(seen.map((d) => d.decision)).toEqual(['miss', 'hit']);
    expect(seen[0]).toMatchObject({ namespace: 'observed', keyHash: expect.stringMatching(/^[0-9a-f]{64}$/), durationMs: expect.any(Number) });
  });
});

describe('a failing logger or onDecision hook never changes the outcome of a call', () => {
  let warning: jest.SpyInstance;
  beforeEach(() => {
    // The library reports a failing observer once per process through process.emitWarning.
    warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warning.mockRestore();
    resetIdempotencyConfig(); // each scenario wraps a function of the same name anew
  });

  it('covers every decision the library logs', () => {
    expect(Object.keys(DECISIONS).sort()).toEqual(Object.values(Decision).sort());
  });

  it.each(Object.keys(DECISIONS))('%s: a logger that throws on it leaves the result or error as a working logger does', async (decision) => {
    const reference = new CaptureLogger();
    const expected = await DECISIONS[decision]!({ logger: reference });
    expect(reference.decisions()).toContain(decision);
    const logger = new ThrowingLogger();
    resetIdempotencyConfig(); // the scenario wraps its function again: forget the first one's namespace
    await expect(DECISIONS[decision]!({ logger })).resolves.toEqual(expected);
    expect(logger.seen).toContain(decision);
  });

  it.each(Object.keys(DECISIONS))('%s: an onDecision hook that throws on it leaves the result or error unchanged', async (decision) => {
    const expected = await DECISIONS[decision]!({ logger: new CaptureLogger() });
    const seen: string[] = [];
    const onDecision = (d: DecisionLog): void => {
      seen.push(d.decision);
      throw new Error('metrics backend down');
    };
    resetIdempotencyConfig(); // the scenario wraps its function again: forget the first one's namespace
    await expect(DECISIONS[decision]!({ logger: new CaptureLogger(), onDecision })).resolves.toEqual(expected);
    expect(seen).toContain(decision);
  });
});

/**
 * Runs `body` in a fresh node process against the built package, so an unhandled rejection or an
 * uncaught exception ends that process with a non-zero exit code (jest would hide it here). The
 * body fills `results`; the process prints them with the warnings it emitted, after giving any
 * stray rejection a turn of the event loop to surface.
 */
async function inChildProcess(body: string): Promise<{ results: Record<string, unknown>; warnings: string[] }> {
  const script = `
    const { makeIdempotent, MemoryStore, hashValue } = require('lambda-idempotency');
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.code || w.name));
    const quiet = { info() {}, warn() {}, error() {} };
    const results = {};
    async function outcome(call) {
      try { return { value: await call }; } catch (e) { return { error: e.name }; }
    }
    async function until(check) {
      for (const deadline = Date.now() + 10000; !check(); ) {
        if (Date.now() > deadline) throw new Error('condition not met within 10 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    (async () => {
      ${body}
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify({ results, warnings }));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  return lastJson(await run(process.execPath, ['-e', script], { cwd: ROOT })) as {
    results: Record<string, unknown>;
    warnings: string[];
  };
}

describe('a failing logger or onDecision hook never crashes the process (in a child process)', () => {
  it.each(['hit', 'miss', 'in_progress'])('an async onDecision that rejects on %s: the process lives and the call ends as it would', async (decision) => {
    const { results, warnings } = await inChildProcess(`
      const onDecision = async (d) => { if (d.decision === '${decision}') throw new Error('metrics backend down'); };
      let open;
      const gate = new Promise((r) => (open = r));
      const fn = makeIdempotent(async function observed(e) { if (e.wait) await gate; return 'paid ' + e.id; }, { key: 'id', store: new MemoryStore(), logger: quiet, onDecision });
      results.miss = await outcome(fn({ id: 'a' }));
      results.hit = await outcome(fn({ id: 'a' }));
      const first = fn({ id: 'b', wait: true });
      await new Promise((r) => setImmediate(r));
      results.in_progress = await outcome(fn({ id: 'b' }));
      open();
      results.waited = await outcome(first);`);
    expect(results).toEqual({
      miss: { value: 'paid a' },
      hit: { value: 'paid a' },
      in_progress: { error: 'IdempotencyInProgressError' },
      waited: { value: 'paid b' },
    });
    expect(warnings).toEqual(['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED']);
  });

  it('a logger whose methods are async and reject: the process lives and every call ends as it would', async () => {
    const { results, warnings } = await inChildProcess(`
      const fail = async () => { throw new Error('log sink closed'); };
      const logger = { info: fail, warn: fail, error: fail };
      const fn = makeIdempotent(async function logged(e) { if (e.fail) throw new Error('declined'); return 'paid ' + e.id; }, { key: 'id', store: new MemoryStore(), logger });
      results.miss = await outcome(fn({ id: 'a' }));
      results.hit = await outcome(fn({ id: 'a' }));
      results.released = await outcome(fn({ id: 'b', fail: true }));`);
    expect(results).toEqual({ miss: { value: 'paid a' }, hit: { value: 'paid a' }, released: { error: 'Error' } });
    expect(warnings).toEqual(['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED']);
  });

  it('a logger that throws inside the lease renewal timer and after completion: the process lives and the call returns its result', async () => {
    const { results, warnings } = await inChildProcess(`
      const seen = [];
      const fail = (line) => { seen.push(line.decision); throw new Error('log sink closed'); };
      const logger = { info: fail, warn: fail, error: fail };
      const store = new MemoryStore();
      const fn = makeIdempotent(async function renewing(e) {
        // An operator resets the record while we run: the next renewal finds the claim gone.
        await store.delete('idempotency:renewing:' + hashValue(e.id));
        await until(() => seen.includes('lease_lost'));
        return 'done';
      }, { key: 'id', store, logger, leaseSeconds: 1, renewLease: true });
      results.call = await outcome(fn({ id: 'r-1' }));
      results.seen = seen;`);
    expect(results.call).toEqual({ value: 'done' });
    // Once from the renewal timer, then once more (or 'miss') when the completion is recorded.
    expect((results.seen as string[])[0]).toBe('lease_lost');
    expect((results.seen as string[]).length).toBe(2);
    expect(warnings).toEqual(['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED']);
  });

  it('a logger that throws when a lease renewal fails: the process lives and the call returns its result', async () => {
    const { results, warnings } = await inChildProcess(`
      const seen = [];
      const fail = (line) => { seen.push(line.decision); throw new Error('log sink closed'); };
      const logger = { info: fail, warn: fail, error: fail };
      const memory = new MemoryStore();
      // A store whose renewals fail, as a Redis that stalls mid-method does.
      const store = Object.assign(Object.create(memory), { renewLease: async () => { throw new Error('ETIMEDOUT'); } });
      const fn = makeIdempotent(async function stalled(e) {
        await until(() => seen.includes('store_error'));
        return 'done';
      }, { key: 'id', store, logger, leaseSeconds: 1, renewLease: true });
      results.call = await outcome(fn({ id: 's-1' }));
      results.first = seen[0];`);
    expect(results).toEqual({ call: { value: 'done' }, first: 'store_error' });
    expect(warnings).toEqual(['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED']);
  });
});
