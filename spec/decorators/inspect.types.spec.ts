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
});
