import { ConsoleLogger, Logger } from '@nestjs/common';
import { configureIdempotency, IdempotencyConfigError, makeIdempotent, MemoryStore, RedisStore, resetIdempotencyConfig } from '../../lib';
import { isLoggerOption, toIdempotencyLogger, type LogMethodLogger } from '../../lib/core/loggerShape';
import { typecheckSnippet } from '../helpers/typecheckSnippet';

/**
 * The `logger` option takes NestJS' `Logger` (log, warn, error) as well as Powertools-shaped
 * loggers: each decision reaches it as one line of text, through its own context.
 */

/** A ConsoleLogger whose printed lines are kept instead of written to stdout. */
class CapturedConsoleLogger extends ConsoleLogger {
  readonly printed: string[] = [];
  protected override printMessages(messages: unknown[], context = '', logLevel = 'log' as const): void {
    for (const message of messages) this.printed.push(`${logLevel} [${context}] ${String(message)}`);
  }
}

afterEach(() => resetIdempotencyConfig());

describe('a NestJS logger', () => {
  it('receives each decision as one line of text at its level, with the logger’s own context', async () => {
    const logger = new CapturedConsoleLogger('Payments');
    const charge = makeIdempotent(async function charge(_e: { id: string }) {
      return 'charged';
    }, { key: 'id', store: new MemoryStore(), logger });
    await charge({ id: 'o-1' });
    await charge({ id: 'o-1' });
    expect(logger.printed).toHaveLength(2);
    expect(logger.printed[0]).toMatch(/^log \[Payments\] idempotency miss: .* \{"decision":"miss","namespace":"charge","durationMs":[0-9.]+,"keyHash":"[0-9a-f]{64}"\}$/);
    expect(logger.printed[1]).toMatch(/^log \[Payments\] idempotency hit: /);
    expect(logger.printed.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('gets warnings through warn and store errors through error', async () => {
    const logger = new CapturedConsoleLogger('Payments');
    const open = makeIdempotent(async function open(_e: { id?: string }) {
      return 1;
    }, { key: 'id', requireKey: false, store: new MemoryStore(), logger });
    await open({});
    expect(logger.printed).toEqual([expect.stringMatching(/^warn \[Payments\] idempotency key missing: /)]);
    const failing = new MemoryStore();
    failing.claim = () => Promise.reject(new Error('down'));
    const refused = makeIdempotent(async function refused(_e: { id: string }) {
      return 1;
    }, { key: 'id', store: failing, logger });
    await expect(refused({ id: 'x' })).rejects.toThrow();
    expect(logger.printed[1]).toMatch(/^error \[Payments\] idempotency store error \{"decision":"store_error"/);
  });

  it('works as the process-wide logger and as a RedisStore logger (Nest Logger, not only ConsoleLogger)', async () => {
    expect(() => configureIdempotency({ logger: new Logger('Payments') })).not.toThrow();
    const store = new RedisStore('redis://127.0.0.1:1', { logger: new Logger('Payments') });
    await store.close();
  });

  it('type-checks where the logger option is taken', () => {
    expect(
      typecheckSnippet(
        `
        configureIdempotency({ logger: new Logger('Payments') });
        makeIdempotent(async (e: { id: string }) => e.id, { key: 'id', logger: new ConsoleLogger() });
        new RedisStore('redis://localhost:6379', { logger: new Logger() });
        makeIdempotent(async (e: { id: string }) => e.id, { key: 'id', logger: console });
        `,
        "import { ConsoleLogger, Logger } from '@nestjs/common';\nimport { configureIdempotency, makeIdempotent, RedisStore } from 'lambda-idempotency';",
      ),
    ).toEqual([]);
  });
});

describe('toIdempotencyLogger', () => {
  it('returns an info-shaped logger itself, and one adapter per log-shaped logger', () => {
    expect(toIdempotencyLogger(console)).toBe(console);
    const nest: LogMethodLogger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
    expect(toIdempotencyLogger(nest)).toBe(toIdempotencyLogger(nest));
  });

  it('refuses a logger with neither shape, naming both', () => {
    expect(isLoggerOption({ log: () => undefined })).toBe(false);
    expect(() => configureIdempotency({ logger: { log: () => undefined } as unknown as LogMethodLogger })).toThrow(IdempotencyConfigError);
    expect(() => configureIdempotency({ logger: { log: () => undefined } as unknown as LogMethodLogger })).toThrow(/log, warn and error \(a NestJS Logger\)/);
  });
});
