import { Idempotent } from 'lambda-idempotency';

export interface OrderEvent { orderId: string; amountCents: number }

export class OrdersHandler {
  charges = 0; // how often the side effect ran

  @Idempotent({ key: 'orderId', validate: 'amountCents' })
  async charge(event: OrderEvent) {
    this.charges++;
    return { chargeId: `ch_${event.orderId}`, amountCents: event.amountCents };
  }
}
