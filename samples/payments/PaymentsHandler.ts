import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { IdempotentHttp } from 'lambda-idempotency/http';
import type { PaymentsService } from './PaymentsService';

interface CreatePaymentBody {
  orderId?: unknown;
  amountCents?: unknown;
  currency?: unknown;
}

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function parse(event: APIGatewayProxyEventV2): CreatePaymentBody | undefined {
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as CreatePaymentBody) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Payments API (API Gateway HTTP API v2). Each endpoint follows the Idempotency-Key draft:
 * the key comes from the `Idempotency-Key` header (400 without it, or when empty or over 255
 * characters), scoped to the caller the authorizer names (JWT `sub`...), so one user's key never
 * replays another's payment; the body is validated (422 when a key is reused with another body), a
 * duplicate still running gets 409 with Retry-After, a replay carries `Idempotent-Replayed: true`,
 * and a 5xx or 429 is not stored, so the client's retry runs again.
 */
export class PaymentsHandler {
  constructor(private readonly payments: PaymentsService) {}

  @IdempotentHttp({ ttlSeconds: 86_400 })
  async create(event: APIGatewayProxyEventV2, _context?: Context): Promise<APIGatewayProxyStructuredResultV2> {
    const body = parse(event);
    if (body === undefined || typeof body.orderId !== 'string' || !Number.isSafeInteger(body.amountCents) || (body.amountCents as number) <= 0) {
      // A validation error is a normal response, so it is stored and replayed like any other.
      return json(400, { error: 'Expected a JSON body with orderId (string) and amountCents (positive integer).' });
    }
    const currency = typeof body.currency === 'string' ? body.currency : 'EUR';
    const payment = await this.payments.charge(body.orderId, body.amountCents as number, currency);
    return json(201, payment);
  }

  @IdempotentHttp({ ttlSeconds: 86_400 })
  async refund(event: APIGatewayProxyEventV2, _context?: Context): Promise<APIGatewayProxyStructuredResultV2> {
    const paymentId = event.pathParameters?.paymentId;
    const payment = this.payments.charges.find((p) => p.paymentId === paymentId);
    if (payment === undefined) return json(404, { error: 'No such payment.' });
    const body = parse(event);
    const amountCents = Number.isSafeInteger(body?.amountCents) ? (body?.amountCents as number) : payment.amountCents;
    return json(201, await this.payments.refund(payment.paymentId, amountCents));
  }
}
