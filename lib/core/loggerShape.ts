import { hasMethods } from './check';
import type { DecisionLine, DisabledWarningLine, IdempotencyLogger, StoreWarningLine } from './log';

/**
 * Loggers the `logger` option takes besides an {@link IdempotencyLogger}: those with `log`, `warn`
 * and `error` taking a message, as NestJS' `Logger`, `ConsoleLogger` and any `LoggerService` do.
 */

/**
 * NestJS' `LoggerService` shape: `log`, `warn` and `error` taking a message. Such a logger gets
 * each line as one string: the message, then the line's fields as JSON (one line, so a text log
 * keeps one entry per decision); its own context, if it has one, is kept.
 *
 * @example
 * ```ts
 * configureIdempotency({ logger: new Logger('Payments') }); // @nestjs/common
 * ```
 */
export interface LogMethodLogger {
  /** Receives the info-level lines (hit, miss, ...) as one string. */
  log(message: unknown, ...optionalParams: unknown[]): unknown;
  /** Receives the warn-level lines and the store's set-up warnings as one string. */
  warn(message: unknown, ...optionalParams: unknown[]): unknown;
  /** Receives the error-level lines (store_error, lease_lost) as one string. */
  error(message: unknown, ...optionalParams: unknown[]): unknown;
}

/**
 * What the `logger` option takes: a logger with `info`, `warn` and `error` (Powertools, pino,
 * console), or one with `log`, `warn` and `error` (NestJS).
 *
 * @example
 * ```ts
 * const logger: LoggerOption = process.env.NEST ? new Logger('Payments') : new PowertoolsLogger();
 * ```
 */
export type LoggerOption = IdempotencyLogger | LogMethodLogger;

/**
 * Is this a logger the `logger` option takes?
 *
 * @example
 * ```ts
 * isLoggerOption(console); // true
 * ```
 */
export function isLoggerOption(value: unknown): value is LoggerOption {
  return hasMethods(value, ['info', 'warn', 'error']) || hasMethods(value, ['log', 'warn', 'error']);
}

// One adapter per logger, so resolving options again does not allocate another.
const adapters = new WeakMap<LogMethodLogger, IdempotencyLogger>();

/**
 * The logger as an {@link IdempotencyLogger}: itself when it has `info`, else an adapter that
 * writes each line as one string through `log`, `warn` and `error`.
 *
 * @example
 * ```ts
 * toIdempotencyLogger(new Logger('Payments')).info(line); // Nest: "idempotency hit: … {"decision":"hit",…}"
 * ```
 */
export function toIdempotencyLogger(logger: LoggerOption): IdempotencyLogger {
  if (hasMethods(logger, ['info'])) return logger as IdempotencyLogger;
  const methods = logger as LogMethodLogger;
  let adapter = adapters.get(methods);
  if (adapter === undefined) {
    // No context argument: a Nest `Logger` built with a context (`new Logger('Payments')`) adds its own.
    adapter = {
      info: (line: DecisionLine) => methods.log(asText(line)),
      warn: (line: DecisionLine | StoreWarningLine | DisabledWarningLine) => methods.warn(asText(line)),
      error: (line: DecisionLine) => methods.error(asText(line)),
    };
    adapters.set(methods, adapter);
  }
  return adapter;
}

/** `message {fields as JSON}`: one line of text. */
function asText(line: DecisionLine | StoreWarningLine | DisabledWarningLine): string {
  const { message, ...fields } = line;
  return `${message} ${JSON.stringify(fields)}`;
}
