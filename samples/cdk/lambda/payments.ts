import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { configureIdempotency } from 'lambda-idempotency';
import { PaymentsHandler } from '../../payments/PaymentsHandler';
import { PaymentsService } from '../../payments/PaymentsService';
import { storeFromDeployment } from './storeFromDeployment';

/**
 * The deployed entry point (samples/cdk): the payments sample's `create`, with the store the stack
 * chose. Module scope runs once per container: one store (one Redis connection) for every call.
 */
const payments = new PaymentsHandler(new PaymentsService());

let configured: Promise<void> | undefined;

/** Configures the store once; a failure (SSM unreachable, say) is retried by the next call. */
function configure(): Promise<void> {
  configured ??= storeFromDeployment().then(
    (store) => configureIdempotency({ store }),
    (err: unknown) => {
      configured = undefined;
      throw err;
    },
  );
  return configured;
}

// Start during the init phase (full CPU, not billed as the first call's duration); the first call
// awaits it, and reports its error if it failed.
configure().catch(() => undefined);

/**
 * POST a payment: `Idempotency-Key` header, JSON body `{ orderId, amountCents, currency? }`.
 *
 * @example
 * ```ts
 * await create({ ...event, headers: { 'idempotency-key': 'order-1' }, body: '{"orderId":"o-1","amountCents":1250}' }, context);
 * ```
 */
export async function create(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  await configure();
  return payments.create(event, context);
}
