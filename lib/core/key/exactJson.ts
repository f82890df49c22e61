import { numberFromLiteral } from './exactNumber';

// A number literal that a double may not hold: 16 or more digits (with or without a point), or an
// exponent. Only such a literal needs the exact parser; the pattern looks where a JSON value can
// start (text start, after ':', ',' or '['), so most strings that merely contain digits do not
// match. A false match only costs the slower parser, never a wrong value.
const MAY_BE_INEXACT = /(?:^|[:,[])[\t\n\r ]*-?[0-9](?:[0-9.]{15}|[0-9.]*[eE])/;

/**
 * `JSON.parse`, except that a number whose decimal value no double holds (`9007199254740993`,
 * `1e400`) becomes an {@link ExactNumber} instead of the nearest double, so that two different ids
 * never read as one. Text without such a literal goes straight to `JSON.parse`. Throws a
 * `SyntaxError` for what `JSON.parse` refuses.
 *
 * @example
 * ```ts
 * parseJsonExact('{"id":9007199254740993}'); // { id: ExactNumber { text: '9007199254740993' } }
 * parseJsonExact('{"id":42}');               // { id: 42 }
 * ```
 */
export function parseJsonExact(text: string): unknown {
  return MAY_BE_INEXACT.test(text) ? new ExactParser(text).parse() : JSON.parse(text);
}

type Container = { readonly array: unknown[] } | { readonly object: Record<string, unknown>; key: string };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * A JSON parser with an explicit stack (a body nested 100,000 levels deep parses, as with
 * JSON.parse). Strings with escapes are decoded by JSON.parse itself, so they read exactly alike.
 */
class ExactParser {
  private i = 0;

  constructor(private readonly text: string) {}

  parse(): unknown {
    const stack: Container[] = [];
    this.space();
    for (;;) {
      let value = this.valueOrOpen(stack);
      if (value === OPENED) continue;
      // Attach the value, then close every container that ends here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          this.space();
          if (this.i !== this.text.length) this.fail();
          return value;
        }
        if ('array' in top) top.array.push(value);
        else setMember(top.object, top.key, value);
        this.space();
        const c = this.text.charCodeAt(this.i++);
        if (c === 44 /* , */) {
          this.space();
          if (!('array' in top)) top.key = this.memberKey();
          break;
        }
        if (c !== ('array' in top ? 93 /* ] */ : 125) /* } */) this.fail(this.i - 1);
        value = 'array' in top ? top.array : top.object;
        stack.pop();
      }
    }
  }

  /** Reads a scalar, an empty container, or opens a container (pushed on the stack). */
  private valueOrOpen(stack: Container[]): unknown {
    const c = this.text.charCodeAt(this.i);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      this.i++;
      this.space();
      if (this.text.charCodeAt(this.i) === (c === 123 ? 125 : 93)) {
        this.i++;
        return c === 123 ? {} : [];
      }
      stack.push(c === 123 ? { object: {}, key: this.memberKey() } : { array: [] });
      return OPENED;
    }
    if (c === 34 /* " */) return this.string();
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) return this.number();
    for (const [word, value] of WORDS) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail();
  }

  /** `"name"` then `:`, before a member's value. */
  private memberKey(): string {
    if (this.text.charCodeAt(this.i) !== 34) this.fail();
    const key = this.string();
    this.space();
    if (this.text.charCodeAt(this.i++) !== 58 /* : */) this.fail(this.i - 1);
    this.space();
    return key;
  }

  private string(): string {
    const start = this.i;
    let plain = true;
    let j = start + 1;
    for (;;) {
      const c = this.text.charCodeAt(j);
      if (Number.isNaN(c)) this.fail(j);
      if (c === 34) break;
      if (c === 92 /* \ */) {
        plain = false;
        j++;
      } else if (c < 32) {
        plain = false;
      }
      j++;
    }
    this.i = j + 1;
    return plain ? this.text.slice(start + 1, j) : (JSON.parse(this.text.slice(start, j + 1)) as string);
  }

  private number(): unknown {
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail();
    this.i += match[0].length;
    return numberFromLiteral(match[0]);
  }

  private space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
      this.i++;
    }
  }

  private fail(at = this.i): never {
    // The position only: the text itself may be the request body.
    throw new SyntaxError(`Unexpected character in JSON at position ${at}`);
  }
}

const OPENED: unique symbol = Symbol('opened');
const WORDS: ReadonlyArray<readonly [string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/** As JSON.parse: `__proto__` becomes an own member, not the prototype; a repeated name: last wins. */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
