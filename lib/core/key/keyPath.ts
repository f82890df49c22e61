import { IdempotencyConfigError } from '../errors';

/**
 * The grammar of a key path, parsed once at configuration time: names separated by dots, and
 * brackets for array indexes or quoted names, as in JavaScript:
 * `body.orderId`, `Records[0].messageId` (= `Records.0.messageId`), `headers["idempotency-key"]`.
 * Other libraries' syntaxes (JSONPath `$.`, JMESPath functions, wildcards and filters) and stray
 * spaces are refused with a hint, instead of being accepted and then never matching.
 */

/** A path that is refused: why, and what to write instead. */
class PathSyntaxError extends Error {}

const JMESPATH_FUNCTION = /^powertools_json\(([\w.[\]"'-]+)\)((?:\.[\w.[\]"'-]+)?)$/;

/**
 * The segments of one path, or an {@link IdempotencyConfigError} whose message says what to
 * write instead.
 *
 * @example
 * ```ts
 * parseKeyPath('Records[0].messageId', 'key');        // ['Records', '0', 'messageId']
 * parseKeyPath('headers["idempotency-key"]', 'key');  // ['headers', 'idempotency-key']
 * parseKeyPath('$.body.orderId', 'key');              // throws: ... JSONPath is not supported: write 'body.orderId'
 * ```
 */
export function parseKeyPath(path: unknown, option: string): string[] {
  const shown = typeof path === 'string' ? JSON.stringify(path) : describeType(path);
  try {
    if (typeof path !== 'string' || path === '') throw new PathSyntaxError('a path is a non-empty string');
    refuseForeignSyntax(path);
    return segmentsOf(path);
  } catch (err) {
    if (!(err instanceof PathSyntaxError)) throw err;
    throw new IdempotencyConfigError(`Expected every path in \`${option}\` to be a dot path like 'body.orderId', got ${shown}: ${err.message}.`);
  }
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** Whole-path checks for syntaxes of other libraries, each with the path to write instead. */
function refuseForeignSyntax(path: string): void {
  if (path.trim() !== path) throw new PathSyntaxError(`remove the spaces at its start or end: write ${JSON.stringify(path.trim())}`);
  if (path === '$' || path.startsWith('$.') || path.startsWith('$[')) {
    const rest = path.replace(/^\$\.?/, '');
    throw new PathSyntaxError(`JSONPath ('$.') is not supported${rest === '' ? '' : `: write ${JSON.stringify(rest)}`}; a JSON string body is parsed automatically`);
  }
  const jmes = JMESPATH_FUNCTION.exec(path);
  if (jmes !== null) {
    throw new PathSyntaxError(`JMESPath functions are not supported: write ${JSON.stringify(`${jmes[1] as string}${jmes[2] as string}`)}; a JSON string body is parsed automatically`);
  }
}

/** Names between dots, `[n]` indexes and `["name"]` / `['name']` quoted names. */
function segmentsOf(path: string): string[] {
  const segments: string[] = [];
  let i = 0;
  let needName = true; // at the start, and after a dot
  while (i < path.length) {
    if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new PathSyntaxError(`the '[' at position ${i} is never closed`);
      segments.push(bracketSegment(path.slice(i + 1, close)));
      i = close + 1;
    } else if (needName) {
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      segments.push(nameSegment(path.slice(i, end)));
      i = end;
    } else {
      throw new PathSyntaxError(`expected '.' or '[' after ']' at position ${i}`);
    }
    needName = false;
    if (path[i] === '.') {
      i++;
      if (i === path.length || path[i] === '.' || path[i] === '[') throw new PathSyntaxError('a dot must be followed by a name');
      needName = true;
    }
  }
  return segments;
}

function bracketSegment(inner: string): string {
  if (/^(?:0|[1-9][0-9]*)$/.test(inner)) return inner;
  const quoted = /^"([^"\\]+)"$/.exec(inner) ?? /^'([^'\\]+)'$/.exec(inner);
  if (quoted !== null) return quoted[1] as string;
  if (inner.trim() !== inner) throw new PathSyntaxError('remove the spaces inside the brackets');
  if (/^-[0-9]+$/.test(inner)) throw new PathSyntaxError('negative indexes are not supported: count from the start, as in [0]');
  if (inner === '' || inner === '*' || inner.startsWith('?') || inner.includes(':')) {
    throw new PathSyntaxError(`JMESPath projections, wildcards, filters and slices ([${inner}]) are not supported: a key is one value; select it with an index like [0]`);
  }
  throw new PathSyntaxError(`brackets hold an index like [0] or a quoted name like ["idempotency-key"], got [${inner}]`);
}

// Characters that belong to JMESPath / JSONPath expressions, never to an intended property name
// in a key path (a name that really holds one can be quoted: ["a*b"]).
const EXPRESSION_CHARACTERS = /[()*?|@`{}&!=<>,'"\]]/;

function nameSegment(name: string): string {
  if (name === '') throw new PathSyntaxError('it has an empty name (two dots, or a dot at an end)');
  if (name.trim() !== name) throw new PathSyntaxError('remove the spaces around the dots');
  const found = EXPRESSION_CHARACTERS.exec(name);
  if (found !== null) {
    const c = found[0];
    if (c === '(' || c === ')') throw new PathSyntaxError("JMESPath functions are not supported: write the path to the value itself, e.g. 'body.orderId'; a JSON string body is parsed automatically");
    if (c === '*') throw new PathSyntaxError('wildcards are not supported: a key is one value; list the paths, e.g. [\'body.customerId\', \'body.orderId\']');
    throw new PathSyntaxError(`'${c}' belongs to a JMESPath or JSONPath expression, which is not supported; write a dot path, or quote an unusual name as ["name"]`);
  }
  return name;
}
