import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Idempotent } from 'lambda-idempotency';

/** The message a producer sends when an order is placed. */
export interface OrderPlaced {
  readonly orderId: string;
  readonly email: string;
}

/** Sends the confirmation e-mail: the side effect that must happen once per order. */
export class Mailer {
  readonly sent: string[] = [];
  /** Order ids whose next send fails once (a flaky provider), for the samples' tests. */
  readonly failOnce = new Set<string>();

  async sendConfirmation(order: OrderPlaced): Promise<string> {
    if (this.failOnce.delete(order.orderId)) throw new Error(`mail provider timeout for ${order.orderId}`);
    this.sent.push(order.orderId);
    return `msg-${this.sent.length}`;
  }
}

/**
 * SQS consumer with partial batch failure (`ReportBatchItemFailures`). Each message is idempotent
 * on the order id in its body, not on `messageId`: SQS redelivers with the same messageId, but a
 * producer that sends the same order twice creates a new messageId.
 */
export class OrdersConsumer {
  constructor(private readonly mailer: Mailer) {}

  async handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await this.confirmOrder(record, context);
      } catch {
        // Failed, or a duplicate still in progress elsewhere: let SQS redeliver just this one.
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  }

  @Idempotent({ key: 'body.orderId', requireKey: true, ttlSeconds: 7 * 86_400 })
  async confirmOrder(record: SQSRecord, _context: Context): Promise<{ messageId: string }> {
    const order = JSON.parse(record.body) as OrderPlaced;
    return { messageId: await this.mailer.sendConfirmation(order) };
  }
}
