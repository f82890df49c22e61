import { OPTION_NAMES } from '../../lib/core/optionTable';
import { typecheckSnippet } from '../helpers/typecheckSnippet';

/**
 * An option given as `undefined` is not set at that level (spec/core/options.spec.ts): the types
 * say so too, so a project with `exactOptionalPropertyTypes` can pass a value that may be unset
 * (`ttlSeconds: process.env.TTL ? Number(process.env.TTL) : undefined`).
 */
describe('option types under exactOptionalPropertyTypes', () => {
  const prelude = [
    "import { configureIdempotency, Idempotent, IdempotentClass, makeIdempotent } from 'lambda-idempotency';",
    "import { IdempotentHttp } from 'lambda-idempotency/http';",
  ].join('\n');
  const unset = (names: readonly string[]): string => `{ ${names.map((n) => `${n}: undefined`).join(', ')} }`;
  const defaults = OPTION_NAMES.filter((n) => n !== 'name');

  it('takes `undefined` for every option, at every level', () => {
    const source = `
      configureIdempotency(${unset(defaults)});
      @IdempotentClass(${unset(defaults)})
      class Orders {
        @Idempotent({ ...${unset(OPTION_NAMES)}, key: 'id' }) async create(_e: { id: string }) { return 1; }
        @IdempotentHttp({ ...${unset([...OPTION_NAMES, 'scope', 'replayCookies'])} }) async answer(_e: { body: string }) { return { statusCode: 201 }; }
      }
      makeIdempotent(async function charge(_e: { id: string }) { return 1; }, ${unset(OPTION_NAMES)});
      export { Orders };
    `;
    expect(typecheckSnippet(source, prelude, 'legacy', { exactOptionalPropertyTypes: true })).toEqual([]);
  });
});
