import { typecheckSnippet } from '../helpers/typecheckSnippet';

/** What the compiler knows in `makeIdempotent`'s options: the event type reaches key functions. */

const prelude = "import { makeIdempotent, MemoryStore } from 'lambda-idempotency';\nconst store = new MemoryStore();";

describe('makeIdempotent types', () => {
  it('types a key function’s event as the function’s event', () => {
    expect(
      typecheckSnippet(
        `
        const charge = makeIdempotent(async (event: { order: { id: string } }) => event.order.id, {
          store,
          key: (event) => event.order.id.toUpperCase(),
          validate: (event) => event.order,
        });
        `,
        prelude,
      ),
    ).toEqual([]);
  });

  it('reports a key function that reads a field the event does not have', () => {
    const errors = typecheckSnippet(
      `
      makeIdempotent(async (event: { orderId: string }) => event.orderId, { store, key: (event) => event.orderID });
      `,
      prelude,
    );
    expect(errors).toEqual([expect.stringMatching(/^line 2: Property 'orderID' does not exist on type '\{ orderId: string; \}'. Did you mean 'orderId'\?/)]);
  });

  it('takes a key function that annotates its own event (another argument with eventArgIndex)', () => {
    expect(
      typecheckSnippet(
        `
        makeIdempotent(async (tenant: string, order: { id: string }) => tenant + order.id, {
          store,
          eventArgIndex: 1,
          key: (order: { id: string }) => order.id,
        });
        `,
        prelude,
      ),
    ).toEqual([]);
  });
});
