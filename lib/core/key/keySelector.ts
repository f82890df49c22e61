import { IdempotencyConfigError } from '../errors';
import { parseKeyPath } from './keyPath';

// Which part of the event is the key: the selector types and their compile step (at configuration
// time). Reading an event with a compiled selector is select.ts; explaining a miss, missingKey.ts.

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
export type Role = 'key' | 'validate';

/** A selector parsed once, at configuration time; `label` names it in error messages. */
export type CompiledSelector = { readonly role: Role; readonly label: string } & (
  | { readonly kind: 'event' }
  | { readonly kind: 'paths'; readonly paths: readonly (readonly string[])[]; readonly texts: readonly string[]; readonly single: boolean }
  | { readonly kind: 'function'; readonly fn: KeyFunction }
);

/** Marks a value the selector did not find. */
export const MISSING: unique symbol = Symbol('lambda-idempotency.missing');

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
