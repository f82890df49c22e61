import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { configureIdempotency, resetIdempotencyConfig } from '../../lib';
import { Mailer, OrdersConsumer } from '../../samples/sqs/OrdersConsumer';
import { describeEachBackend } from '../helpers/stores';
import { lambdaContext } from '../helpers/lambda';
import { CaptureLogger } from '../helpers/logger';

function record(orderId: string, messageId = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({ orderId, email: `${orderId}@example.com` }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders',
    awsRegion: 'eu-west-1',
  };
}

describeEachBackend('SQS consumer sample', (backend) => {
  let mailer: Mailer;
  let consumer: OrdersConsumer;
  beforeEach(() => {
    configureIdempotency({ store: backend().make(), logger: new CaptureLogger() });
    mailer = new Mailer();
    consumer = new OrdersConsumer(mailer);
  });
  afterEach(() => resetIdempotencyConfig());

  it('reports only the failed message, and a redelivered batch re-runs only that one', async () => {
    const ids = ['a', 'b', 'c'].map((x) => `${x}-${randomUUID()}`);
    const batch: SQSEvent = { Records: ids.map((id) => record(id)) };
    mailer.failOnce.add(ids[1] as string);
    const first = await consumer.handleBatch(batch, lambdaContext());
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[1]?.messageId }]);
    expect(mailer.sent).toEqual([ids[0], ids[2]]);

    const redelivered = await consumer.handleBatch(batch, lambdaContext());
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(mailer.sent).toEqual([ids[0], ids[2], ids[1]]);
  });

  it('sends once when a producer sends the same order twice under new message ids', async () => {
    const orderId = `dup-${randomUUID()}`;
    await consumer.handleBatch({ Records: [record(orderId), record(orderId)] }, lambdaContext());
    await consumer.handleBatch({ Records: [record(orderId)] }, lambdaContext());
    expect(mailer.sent).toEqual([orderId]);
  });

  it('fails a message without an order id rather than processing it unprotected', async () => {
    const bad = { ...record('x'), body: '{"email":"x@example.com"}' };
    await expect(consumer.handleBatch({ Records: [bad] }, lambdaContext())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(mailer.sent).toEqual([]);
  });
});
