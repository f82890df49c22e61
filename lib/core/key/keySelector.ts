import { IdempotencyConfigError, IdempotencyKeyError } from '../errors';
import { parseJsonExact } from './exactJson';
import { parseKeyPath } from './keyPath';
import { isThenable } from '../thenable';

/**
 * Where the idempotency key (or the validated part) comes from: a path into the event
 * (`'body.orderId'`, `'headers.idempotency-key'`, `'Records[0].messageId'`), several paths whose
 * values are combined, or a synchronous function of the event.
 *
 * @example
 * ```ts
 * const byOrder: KeySelector = 'body.orderId';
 * const byCustomerAndOrder: KeySelector = ['body.customerId', 'body.orderId'];
 * const custom: KeySelector<{ id: string }> = (event) => event.id;
 * ```
 */
export type KeySelector<TEvent = unknown> = string | readonly string[] | KeyFunction<TEvent>;

/**
 * A synchronous function of the event returning the key value (an `async` one is refused: its
 * Promise has no key). Its parameter is checked bivariantly, so a function typed for your event,
 * `(event: APIGatewayProxyEventV2) => ...`, is accepted.
 *
 * @example
 * ```ts
 * const key: KeyFunction = (event: { detail: { id: string } }) => event.detail.id;
 * ```
 */
export type KeyFunction<TEvent = unknown> = { bivarianceHack(event: TEvent): unknown }['bivarianceHack'];

/** Which option a selector serves: a key, or the part of the event `validate` compares. */
type Role = 'key' | 'validate';

/** A selector parsed once, at configuration time; `label` names it in error messages. */
export type CompiledSelector = { readonly role: Role; readonly label: string } & (
  | { readonly kind: 'event' }
  | { readonly kind: 'paths'; readonly paths: readonly (readonly string[])[]; readonly texts: readonly string[]; readonly single: boolean }
  | { readonly kind: 'function'; readonly fn: KeyFunction }
);

/** Marks a value the selector did not find. */
export const MISSING: unique symbol = Symbol('lambda-idempotency.missing');

const HEADER_CONTAINERS = new Set(['headers', 'multivalueheaders']);

/**
 * Parses a selector once (at decoration time), so a call only walks the event. A path in another
 * library's syntax throws {@link IdempotencyConfigError} with the path to write instead.
 *
 * @example
 * ```ts
 * compileSelector('Records[0].messageId'); // { kind: 'paths', paths: [['Records', '0', 'messageId']], ... }
 * ```
 */
export function compileSelector(selector: KeySelector | undefined, option = 'key'): CompiledSelector {
  const role: Role = option === 'validate' ? 'validate' : 'key';
  if (selector === undefined) return { role, kind: 'event', label: `The event (the key when no \`${option}\` is set)` };
  if (typeof selector === 'function') return { role, kind: 'function', fn: selector, label: `The value of the \`${option}\` function` };
  const list = typeof selector === 'string' ? [selector] : selector;
  if (!Array.isArray(list) || list.length === 0) {
    throw new IdempotencyConfigError(`Expected \`${option}\` to be a dot path, a non-empty array of dot paths or a function, got ${describe(selector)}`);
  }
  const texts = list as readonly string[];
  const paths = texts.map((path: unknown) => parseKeyPath(path, option));
  const label = typeof selector === 'string' ? `The \`${option}\` path '${selector}'` : `The \`${option}\` paths ${texts.map((t) => `'${t}'`).join(', ')}`;
  return { role, kind: 'paths', paths, texts, single: typeof selector === 'string', label };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an empty array';
  return value === null ? 'null' : typeof value;
}

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

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
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

function findHeader(headers: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
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

// Fatal: a body that is not UTF-8 (Latin-1 JSON, binary) must not decode with U+FFFD in place of
// its bytes, which would give `café` and `cafè` one key.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON string of the event, parsed exactly; an API Gateway `body` is base64-decoded first when flagged. */
function decodeJson(text: string, parent: unknown, parentKey: string): unknown {
  const base64 = parentKey === 'body' && (parent as { isBase64Encoded?: unknown } | undefined)?.isBase64Encoded === true;
  return parseJsonExact(base64 ? UTF8.decode(Buffer.from(text, 'base64')) : text);
}

/**
 * The cause to attach for text that did not parse: V8's JSON.parse message quotes the text around
 * the error (`"PAN=411111"... is not valid JSON`), and the event's content never goes into an error.
 */
function parseFailure(err: unknown): Error {
  if (err instanceof TypeError) return new TypeError('The base64-decoded body is not UTF-8 text.');
  const position = err instanceof Error ? /position (\d+)/.exec(err.message)?.[1] : undefined;
  return new SyntaxError(`Not valid JSON${position === undefined ? '' : ` (at position ${position})`}.`);
}

/**
 * The error for a selector that found nothing: which path, where it stopped and why (a property
 * that is not there, a letter-case difference, a body that is not JSON), never a value of the
 * event. Thrown for a missing key (unless `requireKey: false`) and for a missing validated part;
 * also the `error` of the `key_missing` log line.
 *
 * @example
 * ```ts
 * missingKeyError('Orders.charge', event, compileSelector('body.orderID'));
 * // Orders.charge: no idempotency key in the event: the `key` path 'body.orderID' found nothing
 * // ('body' has no property 'orderID'; one differs only in letter case) ...
 * ```
 */
export function missingKeyError(namespace: string, event: unknown, selector: CompiledSelector): IdempotencyKeyError {
  let why: Why;
  try {
    why = whyMissing(event, selector);
  } catch (err) {
    why = { reason: 'the selected part could not be read', cause: err }; // a getter that threw only this time
  }
  const { reason, cause } = why;
  const option = `\`${selector.role}\``;
  const message =
    selector.role === 'validate'
      ? `${namespace}: the part of the event to validate is missing: ${reason}. Fix the ${option} option; without that part a repeat cannot be checked against the first request.`
      : `${namespace}: no idempotency key in the event: ${reason}. Send the key, fix the ${option} option, or set \`requireKey: false\` to run such calls without idempotency (logged as key_missing).`;
  return new IdempotencyKeyError(message, cause === undefined ? undefined : { cause });
}

interface Why {
  readonly reason: string;
  readonly cause?: unknown;
}

function whyMissing(event: unknown, selector: CompiledSelector): Why {
  switch (selector.kind) {
    case 'event':
      return { reason: `the event is ${absence(event)} (no \`key\` is set, so the whole event is the key)` };
    case 'function':
      return { reason: `the \`${selector.role}\` function returned undefined, null or an empty string` };
    case 'paths':
      for (let i = 0; i < selector.paths.length; i++) {
        const why = explainPath(event, selector.paths[i] as readonly string[], selector.role);
        if (why !== undefined) return { ...why, reason: `the \`${selector.role}\` path '${selector.texts[i] as string}' found nothing (${why.reason})` };
      }
      return { reason: 'the selected part is missing' };
  }
}

function absence(value: unknown): string {
  return value === null ? 'null' : value === '' ? 'an empty string' : 'undefined';
}

/** Walks a path again, step by step, and says where and why it stopped; undefined if it did not. */
function explainPath(event: unknown, path: readonly string[], role: Role): Why | undefined {
  let current: unknown = event;
  let parent: unknown = undefined;
  let parentKey = '';
  for (let j = 0; j < path.length; j++) {
    const here = j === 0 ? 'the event' : `'${path.slice(0, j).join('.')}'`;
    if (typeof current === 'string') {
      try {
        current = decodeJson(current, parent, parentKey);
      } catch (err) {
        return { reason: `${here} is a string that is not valid JSON, so the path cannot go into it`, cause: parseFailure(err) };
      }
    }
    if (current === null || current === undefined) return { reason: `${here} is ${current === null ? 'null' : 'absent'}` };
    if (typeof current !== 'object') return { reason: `${here} is a ${typeof current}, not an object` };
    const segment = path[j] as string;
    const object = current as Record<string, unknown>;
    let next: unknown = Object.prototype.hasOwnProperty.call(object, segment) ? object[segment] : undefined;
    const isHeaders = HEADER_CONTAINERS.has(parentKey.toLowerCase());
    if (next === undefined && isHeaders) next = findHeader(object, segment);
    if (next === undefined) return { reason: `${here} has no ${Array.isArray(object) ? 'element' : 'property'} '${segment}'${isHeaders ? '' : caseHint(object, segment)}` };
    parent = current;
    parentKey = segment;
    current = next;
  }
  if (role === 'key' && isAbsent(current)) return { reason: `'${path.join('.')}' is ${absence(current)}` };
  return undefined;
}

/** Names a letter-case slip (`orderID` for `orderId`) without showing the event's own name. */
function caseHint(object: Record<string, unknown>, segment: string): string {
  const wanted = segment.toLowerCase();
  return Object.keys(object).some((k) => k.toLowerCase() === wanted) ? '; a property differing only in letter case exists: names are case-sensitive outside headers' : '';
}
