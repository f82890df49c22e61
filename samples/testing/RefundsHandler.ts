import { Idempotent, IdempotentClass, type IdempotencyStore } from 'lambda-idempotency';

@IdempotentClass({ store: (self: RefundsHandler) => self.store }) // the store the instance was given
export class RefundsHandler {
  refunds = 0;

  constructor(readonly store: IdempotencyStore) {}

  @Idempotent({ key: 'refundId' })
  async refund(event: { refundId: string }) {
    this.refunds++;
    return { refunded: event.refundId };
  }
}
