import { IdempotencyKeyError } from '../errors';
import { decodeJson, findHeader, HEADER_CONTAINERS, isAbsent } from './eventParts';
import type { CompiledSelector, Role } from './keySelector';

// Only when a selector found nothing: walks the path again to say where and why it stopped.

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

/**
 * The cause to attach for text that did not parse: V8's JSON.parse message quotes the text around
 * the error (`"PAN=411111"... is not valid JSON`), and the event's content never goes into an error.
 */
function parseFailure(err: unknown): Error {
  if (err instanceof TypeError) return new TypeError('The base64-decoded body is not UTF-8 text.');
  const position = err instanceof Error ? /position (\d+)/.exec(err.message)?.[1] : undefined;
  return new SyntaxError(`Not valid JSON${position === undefined ? '' : ` (at position ${position})`}.`);
}
