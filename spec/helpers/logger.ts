import type { DecisionLog, IdempotencyLogger } from '../../lib';

/** A logged line as the fake logger saw it. */
export interface CapturedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: DecisionLog;
}

/** An {@link IdempotencyLogger} that keeps every line, for assertions. */
export class CaptureLogger implements IdempotencyLogger {
  readonly lines: CapturedLine[] = [];

  info(message: string, attributes: DecisionLog): void {
    this.lines.push({ level: 'info', message, attributes });
  }

  warn(message: string, attributes: DecisionLog): void {
    this.lines.push({ level: 'warn', message, attributes });
  }

  error(message: string, attributes: DecisionLog): void {
    this.lines.push({ level: 'error', message, attributes });
  }

  /** The decisions logged, in order. */
  decisions(): string[] {
    return this.lines.map((l) => l.attributes.decision);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
