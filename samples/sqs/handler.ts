import 'reflect-metadata';
import { configureIdempotency } from 'lambda-idempotency';
import { storeFromEnv } from '../storeFromEnv';
import { Mailer, OrdersConsumer } from './OrdersConsumer';

configureIdempotency({ store: storeFromEnv() });

const consumer = new OrdersConsumer(new Mailer());
/** Lambda entry point for an SQS event source mapping with ReportBatchItemFailures. */
export const handler = consumer.handleBatch.bind(consumer);
