import { randomUUID } from 'node:crypto';

/** A payment as the provider returns it. */
export interface Payment {
  readonly paymentId: string;
  readonly orderId: string;
  readonly amountCents: number;
  readonly currency: string;
}

/**
 * A stand-in for a payment provider client (Stripe, Adyen): every call is a real side effect
 * that must not happen twice. It counts its calls so the samples can show that.
 */
export class PaymentsService {
  readonly charges: Payment[] = [];
  readonly refunds: Array<{ refundId: string; paymentId: string; amountCents: number }> = [];

  /** @param latencyMs simulated provider latency, so parallel duplicates overlap */
  constructor(private readonly latencyMs = 50) {}

  async charge(orderId: string, amountCents: number, currency: string): Promise<Payment> {
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const payment = { paymentId: `pay_${randomUUID().slice(0, 8)}`, orderId, amountCents, currency };
    this.charges.push(payment);
    return payment;
  }

  async refund(paymentId: string, amountCents: number): Promise<{ refundId: string; paymentId: string; amountCents: number }> {
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const refund = { refundId: `re_${randomUUID().slice(0, 8)}`, paymentId, amountCents };
    this.refunds.push(refund);
    return refund;
  }
}
