/**
 * A JSON number literal whose decimal value no double holds (`9007199254740993`, `1e400`,
 * `0.12345678901234567`): kept as that exact value, so two such ids never share a key. Created by
 * the exact JSON parser and hashed by the canonical JSON writer; not part of the public API.
 *
 * @example
 * ```ts
 * canonicalJson(new ExactNumber('9007199254740993')) === canonicalJson(9007199254740993n); // true
 * ```
 */
export class ExactNumber {
  /** The value in the canonical decimal form of {@link canonicalDecimal}. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

// A JSON number literal, as JSON.parse accepts it (the sticky flag lets the parser match in place).
const LITERAL = /-?(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?/y;

/**
 * The canonical text of a decimal number: what `String(n)` writes (ECMAScript Number::toString:
 * shortest digits, `1e+21`, `5e-7`), applied to the exact value of the literal instead of to the
 * nearest double. A literal that a double holds exactly therefore reads as `String(Number(literal))`
 * (so its key is unchanged), and two literals get one text only when their values are equal.
 *
 * @example
 * ```ts
 * canonicalDecimal('1.0e1');              // '10', as String(10)
 * canonicalDecimal('9007199254740993');   // '9007199254740993' (the double is ...992)
 * canonicalDecimal('1e400');              // '1e+400' (the double is Infinity)
 * ```
 */
export function canonicalDecimal(literal: string): string {
  LITERAL.lastIndex = 0;
  const match = LITERAL.exec(literal);
  if (match === null || match[0].length !== literal.length) throw new SyntaxError('Not a JSON number literal');
  const intDigits = match[1] as string;
  const all = intDigits + (match[2] ?? '');
  // value = 0.<digits> x 10^point, with digits free of leading and trailing zeros.
  const first = all.search(/[1-9]/);
  if (first < 0) return '0';
  // A loop, not /0+$/: that regex backtracks on every zero run, quadratic on a crafted literal.
  let end = all.length;
  while (all.charCodeAt(end - 1) === 48 /* 0 */) end--;
  const digits = all.slice(first, end);
  const point = BigInt(intDigits.length - first) + BigInt(match[3] ?? '0');
  return (literal.startsWith('-') ? '-' : '') + format(digits, point);
}

/** Number::toString's layout of digits `s` (k of them) with the decimal point at `n`. */
function format(s: string, n: bigint): string {
  const k = BigInt(s.length);
  if (k <= n && n <= 21n) return s + '0'.repeat(Number(n - k));
  if (0n < n && n <= 21n) return s.slice(0, Number(n)) + '.' + s.slice(Number(n));
  if (-6n < n && n <= 0n) return '0.' + '0'.repeat(Number(-n)) + s;
  const e = n - 1n;
  const exponent = (e >= 0n ? 'e+' : 'e-') + (e >= 0n ? e : -e).toString();
  return (s.length === 1 ? s : s[0] + '.' + s.slice(1)) + exponent;
}

/**
 * The value of a JSON number literal: a `number` when the double holds the literal's exact
 * decimal value, else an {@link ExactNumber}. Up to 15 significant digits without an exponent
 * always fit a double, so those skip the exact check.
 *
 * @example
 * ```ts
 * numberFromLiteral('12.5');               // 12.5
 * numberFromLiteral('9007199254740993');   // ExactNumber { text: '9007199254740993' }
 * ```
 */
export function numberFromLiteral(literal: string): number | ExactNumber {
  const value = Number(literal);
  if (literal.length <= 16 && !/[eE]/.test(literal) && countDigits(literal) <= 15) return value;
  const exact = canonicalDecimal(literal);
  return exact === String(value) ? value : new ExactNumber(exact);
}

function countDigits(literal: string): number {
  let n = 0;
  for (let i = 0; i < literal.length; i++) {
    const c = literal.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/**
 * The canonical text of a BigInt: equal to the text of the same integer as a number
 * (`5n` and `5` are one key; so are `10n ** 21n` and `1e21`).
 *
 * @example
 * ```ts
 * bigintText(9007199254740993n); // '9007199254740993'
 * ```
 */
export function bigintText(value: bigint): string {
  return canonicalDecimal(value.toString());
}
