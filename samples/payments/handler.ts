import 'reflect-metadata';
import { Logger } from '@aws-lambda-powertools/logger';
import { configureIdempotency } from 'lambda-idempotency';
import { storeFromEnv } from '../storeFromEnv';
import { PaymentsHandler } from './PaymentsHandler';
import { PaymentsService } from './PaymentsService';

/**
 * The Lambda entry points. Module scope runs once per container: the store (and its Redis
 * connection) and the handler instance are reused across invocations.
 */
export const logger = new Logger({ serviceName: 'payments-sample' });
configureIdempotency({ store: storeFromEnv(), logger });

export const payments = new PaymentsHandler(new PaymentsService());
export const create = payments.create.bind(payments);
export const refund = payments.refund.bind(payments);
