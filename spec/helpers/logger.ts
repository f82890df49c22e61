import type { DecisionLine, IdempotencyLogger } from '../../lib';

/** A logged line as the fake logger saw it. */
export interface CapturedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: DecisionLine;
}

/** An {@link IdempotencyLogger} that keeps every line, for assertions. */
export class CaptureLogger implements IdempotencyLogger {
  readonly lines: CapturedLine[] = [];

  info(line: DecisionLine): void {
    this.lines.push({ level: 'info', message: line.message, attributes: line });
  }

  warn(line: DecisionLine): void {
    this.lines.push({ level: 'warn', message: line.message, attributes: line });
  }

  error(line: DecisionLine): void {
    this.lines.push({ level: 'error', message: line.message, attributes: line });
  }

  /** The decisions logged, in order. */
  decisions(): string[] {
    return this.lines.map((l) => l.attributes.decision);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
