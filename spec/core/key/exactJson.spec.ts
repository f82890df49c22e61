import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { parseJsonExact } from '../../../lib/core/key/exactJson';
import { ExactNumber } from '../../../lib/core/key/exactNumber';

const RUNS = 10_000;

describe('exact JSON parsing', () => {
  it('keeps numbers that no double holds, and reads everything else as JSON.parse does', () => {
    expect(parseJsonExact('{"a":9007199254740993,"b":[1e400,-1e-400,1.5e3],"c":"x:12345678901234567890"}')).toEqual({
      a: new ExactNumber('9007199254740993'),
      b: [new ExactNumber('1e+400'), new ExactNumber('-1e-400'), 1500],
      c: 'x:12345678901234567890',
    });
  });

  it('makes __proto__ an own member and lets a repeated name win, as JSON.parse does', () => {
    const parsed = parseJsonExact('{"__proto__":{"polluted":1},"n":1,"n":12345678901234567890}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'n']);
    expect(parsed.n).toEqual(new ExactNumber('12345678901234567890'));
  });

  it('parses a body nested 100,000 levels deep', () => {
    const text = '['.repeat(100_000) + '1e400' + ']'.repeat(100_000);
    let value = parseJsonExact(text);
    for (let i = 0; i < 100_000; i++) value = (value as unknown[])[0];
    expect(value).toEqual(new ExactNumber('1e+400'));
  });

  /** Replaces every exact number by the double JSON.parse would have read. */
  function asDoubles(value: unknown): unknown {
    if (value instanceof ExactNumber) return Number(value.text);
    if (Array.isArray(value)) return value.map(asDoubles);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asDoubles(v)]));
    return value;
  }

  /** What a parser makes of a text: its value (exact numbers as doubles), or that it threw a SyntaxError. */
  function outcome(parse: (text: string) => unknown, text: string): unknown {
    try {
      return { value: asDoubles(parse(text)) };
    } catch (err) {
      return { syntaxError: err instanceof SyntaxError };
    }
  }

  /** parseJsonExact agrees with JSON.parse: both refuse the text with a SyntaxError, or read the same. */
  function agrees(text: string): boolean {
    // isDeepStrictEqual rather than expect(): 20,000 comparisons per property stay fast.
    return isDeepStrictEqual(outcome(parseJsonExact, text), outcome(JSON.parse, text));
  }

  it.each(['', ' ', '{', '[1,]', '{"a":1,}', '01', '1e', '-', '[1e400', '"\u0001"', '{"a" 1}', 'tru', '1e400 x', '{1e400:1}', '"\\x"', '[1e400]]', '{"a":1e400}}'])(
    'refuses %j with a SyntaxError, as JSON.parse does, on the exact path too',
    (text) => {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => parseJsonExact(text)).toThrow(SyntaxError);
      expect(() => parseJsonExact(`[${text},1e400]`)).toThrow(SyntaxError);
    },
  );

  it(`reads what JSON.parse reads (numbers aside) for ${RUNS} generated texts with big numbers and exponents`, () => {
    const bigLiteral = fc.oneof(
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: -400, max: 400 })).map(([m, e]) => `${m}e${e}`),
    );
    // A JSON text with literal slots: each `1` the stringifier writes for a marker becomes a big literal.
    const text = fc.tuple(fc.jsonValue(), fc.array(bigLiteral, { minLength: 1, maxLength: 8 }), fc.boolean()).map(([value, literals, pretty]) => {
      const wrapped = { value, literals: literals.map(() => 'LITERAL') };
      let i = 0;
      return JSON.stringify(wrapped, null, pretty ? 2 : undefined).replace(/"LITERAL"/g, () => literals[i++] as string);
    });
    fc.assert(
      fc.property(text, (t) => {
        expect(agrees(t)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it(`refuses what JSON.parse refuses, for ${RUNS} generated texts cut or changed at random`, () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '1e400', ':', '-', '\\')).map(([t, at, insert]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + insert + t.slice(i + (insert === '' ? 1 : 0)) + ' ';
    });
    fc.assert(
      fc.property(mutated, (t) => {
        expect(agrees(t)).toBe(true);
        expect(agrees(`[${t},1e400]`)).toBe(true); // the exact parser, whatever the text holds
      }),
      { numRuns: RUNS },
    );
  });
});
