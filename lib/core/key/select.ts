import { IdempotencyKeyError } from '../errors';
import { isThenable } from '../thenable';
import { decodeJson, findHeader, HEADER_CONTAINERS, isAbsent } from './eventParts';
import { MISSING, type CompiledSelector, type Role } from './keySelector';

// Reading a compiled selector's value out of an event, on every call: the hot path of key derivation.

/**
 * Reads the selected value out of an event, or {@link MISSING} when it is not there.
 *
 * A key is missing when a path finds nothing, `null` or an empty string (with several paths, when
 * any does: a partial key would make different requests collide). A validated part is missing only
 * when a path finds nothing (`null` and `''` are compared as values), except an absent final `body`,
 * which API Gateway leaves out of a request without one: that reads as `null`. A JSON string that a
 * path goes into is parsed exactly once per call (API Gateway's `body`, base64-decoded first when
 * `isBase64Encoded`); a validated JSON `body` is compared as parsed JSON, so key order and spacing
 * do not matter. Header names match case-insensitively.
 *
 * Only ever throws {@link IdempotencyKeyError}: for a key function that throws or returns a Promise,
 * and for a getter or Proxy trap on a path that throws (the error is the cause).
 *
 * @example
 * ```ts
 * select({ body: '{"orderId":"o-1"}' }, compileSelector('body.orderId'), new Map()); // 'o-1'
 * ```
 */
export function select(event: unknown, selector: CompiledSelector, parsed: Map<string, unknown>): unknown {
  switch (selector.kind) {
    case 'event':
      return isAbsent(event) ? MISSING : event;
    case 'function':
      return callKeyFunction(event, selector);
    case 'paths': {
      const mode = selector.role;
      if (selector.single) return walkGuarded(event, selector, 0, parsed, mode);
      const values: unknown[] = [];
      for (let i = 0; i < selector.paths.length; i++) {
        const value = walkGuarded(event, selector, i, parsed, mode);
        if (value === MISSING) return MISSING;
        values.push(value);
      }
      return values;
    }
  }
}

/**
 * The validated part as version 0.1.x read a `body`: its raw text (`''` as `null`) rather than its
 * parsed JSON, so a record 0.1.x stored still matches a byte-identical retry after an upgrade.
 * Everything else reads as {@link select} reads it, so this never merges values that `select`
 * keeps apart. Read only when the current validation hash differs from the stored one.
 *
 * @example
 * ```ts
 * hashValue(legacyValidationValue(event, compileSelector('body', 'validate'))) === storedValidationHash;
 * ```
 */
export function legacyValidationValue(event: unknown, selector: CompiledSelector): unknown {
  if (selector.kind !== 'paths') return MISSING;
  const values = selector.paths.map((_, i) => walkGuarded(event, selector, i, new Map(), 'legacy'));
  if (values.includes(MISSING)) return MISSING;
  return selector.single ? values[0] : values;
}

function callKeyFunction(event: unknown, selector: CompiledSelector & { kind: 'function' }): unknown {
  let value: unknown;
  try {
    value = selector.fn(event);
  } catch (err) {
    // A key function built on select (the HTTP scope) already says which path failed.
    if (err instanceof IdempotencyKeyError) throw err;
    throw new IdempotencyKeyError(`The \`${selector.role}\` function threw while reading the event; fix the function or the event shape (its error is the cause).`, { cause: err });
  }
  if (isThenable(value)) {
    // Handled here so that a rejection cannot become an unhandled rejection that ends the process.
    Promise.resolve(value).catch(() => undefined);
    throw new IdempotencyKeyError(`The \`${selector.role}\` function returned a Promise; key functions must be synchronous: derive the key from the event without \`async\` / \`await\`.`);
  }
  // A validate function's value is compared as it is (`undefined` as null): unlike a path, it
  // cannot silently find nothing.
  if (selector.role === 'validate') return value === undefined ? null : value;
  return isAbsent(value) ? MISSING : value;
}

type Mode = Role | 'legacy';

function walkGuarded(event: unknown, selector: CompiledSelector & { kind: 'paths' }, index: number, parsed: Map<string, unknown>, mode: Mode): unknown {
  try {
    return walk(event, selector.paths[index] as readonly string[], parsed, mode);
  } catch (err) {
    // A getter or a Proxy trap on the way threw: a key error, never a raw one.
    throw new IdempotencyKeyError(
      `Reading the \`${selector.role}\` path '${selector.texts[index] as string}' from the event threw; check the event's getters and proxies (the error is the cause).`,
      { cause: err },
    );
  }
}

function walk(event: unknown, path: readonly string[], parsed: Map<string, unknown>, mode: Mode): unknown {
  let current: unknown = event;
  let parent: unknown = undefined;
  let parentKey = '';
  for (const segment of path) {
    if (typeof current === 'string') {
      current = parseJson(current, parent, parentKey, parsed);
      if (current === MISSING) return MISSING;
    }
    if (current === null || typeof current !== 'object') return MISSING;
    let next: unknown = Object.prototype.hasOwnProperty.call(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
    if (next === undefined && HEADER_CONTAINERS.has(parentKey.toLowerCase())) next = findHeader(current as Record<string, unknown>, segment);
    parent = current;
    parentKey = segment;
    current = next;
  }
  if (mode === 'key') return isAbsent(current) ? MISSING : current;
  return validatedValue(current, parent, parentKey, parsed, mode);
}

/** The end of a `validate` path: what is compared. */
function validatedValue(current: unknown, parent: unknown, parentKey: string, parsed: Map<string, unknown>, mode: Mode): unknown {
  const isBody = parentKey === 'body';
  if (current === undefined) return isBody ? null : MISSING;
  if (!isBody || typeof current !== 'string') return current;
  if (mode === 'legacy') return current === '' ? null : current;
  const json = parseJson(current, parent, parentKey, parsed);
  // Wrapped, so that a JSON body never compares equal to a text body that reads the same.
  return json === MISSING ? current : [json];
}

function parseJson(text: string, parent: unknown, parentKey: string, parsed: Map<string, unknown>): unknown {
  const cacheKey = parentKey + '\u0000' + text;
  if (parsed.has(cacheKey)) return parsed.get(cacheKey);
  let value: unknown = MISSING;
  try {
    value = decodeJson(text, parent, parentKey);
  } catch {
    // Not JSON: the path cannot go into it (missingKeyError says so, with the parse error).
  }
  parsed.set(cacheKey, value);
  return value;
}
