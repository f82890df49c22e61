import { typecheckSnippet } from '../helpers/typecheckSnippet';

/** `idempotencyKeyFor` names a method the compiler checks against the class. */

describe('idempotencyKeyFor types', () => {
  const inspectPrelude = "import { Idempotent, idempotencyKeyFor } from 'lambda-idempotency';";
  const orders = `
    class Orders {
      @Idempotent('id') async charge(_e: { id: string }) { return 1; }
      @Idempotent('id') static async settle(_e: { id: string }) { return 1; }
    }
  `;

  it('takes the class’s instance and static method names', () => {
    expect(typecheckSnippet(`${orders}\nidempotencyKeyFor(Orders, 'charge', {});\nidempotencyKeyFor(Orders, 'settle', {});`, inspectPrelude)).toEqual([]);
  });

  it('refuses a misspelt method name at compile time', () => {
    const errors = typecheckSnippet(`${orders}\nidempotencyKeyFor(Orders, 'chargee', {});`, inspectPrelude);
    expect(errors).toEqual([expect.stringContaining(`Argument of type '"chargee"' is not assignable to parameter of type 'MethodName<typeof Orders>'`)]);
  });

  it('takes the method names of a class with an index signature, a symbol-named method, a generic or abstract class', () => {
    const source = `
      const refund = Symbol('refund');
      class Loose {
        [extra: string]: unknown;
        @Idempotent('id') async charge(_e: { id: string }) { return 1; }
      }
      class Symbolic { @Idempotent('id') async [refund](_e: { id: string }) { return 1; } }
      class Generic<T> { @Idempotent('id') async charge(_e: T) { return 1; } }
      abstract class Base { @Idempotent('id') async charge(_e: { id: string }) { return 1; } abstract other(): void; }
      idempotencyKeyFor(Loose, 'charge', {});
      idempotencyKeyFor(Symbolic, refund, {});
      idempotencyKeyFor(Generic, 'charge', {});
      idempotencyKeyFor(Base, 'charge', {});
      // @ts-expect-error: still checked
      idempotencyKeyFor(Loose, 'chargee', {});
    `;
    expect(typecheckSnippet(source, inspectPrelude)).toEqual([]);
  });
});
