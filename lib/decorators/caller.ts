import { IdempotencyConfigError } from '../core/errors';
import { classNamespace } from '../core/key/namespace';
import { callingClass, type Constructor, type MethodRecord } from './metadata';

/**
 * A decorated method's default record namespace is `ClassName.method` of the class that declares
 * it for calls on that class, and, for calls through a subclass inheriting it, the subclass's
 * name in front: `SendEmail/OrderCreatedHandler.handle`. So classes inheriting one method (an
 * abstract `OrderCreatedHandler.handle` calling `this.process()`, implemented by `SendEmail` and
 * by `CreateInvoice`) keep separate records, also when each runs in its own function on one shared
 * store, and a call on the declaring class keeps its key.
 *
 * Why not `SendEmail.handle` alone: a class decorator's wrapper (`class TracedHandler extends
 * target {}`) is a subclass too, and legacy decorators leave no trace telling it from a real one;
 * one tracing decorator applied to `ChargeHandler` and to `RefundHandler` would give both
 * `TracedHandler.handle`, and a refund deployed on its own would replay a charge. With the
 * declaring class kept, every distinct chain of names is a distinct namespace.
 *
 * A class that only stands in for the class it extends is left out of the chain: one that carries
 * the method's TC39 metadata (what TC39 class decorators returned in place of the declaring class),
 * or that has no name or the name of its parent (`return class extends target {}`). So such
 * wrappers keep their class's keys. The minified-name check applies to every name in the chain
 * (see namespace.ts). An explicit `name` is used as is.
 */
export function defaultNamespace(record: MethodRecord, target: Constructor): string {
  let byClass = namespaces.get(record);
  if (byClass === undefined) namespaces.set(record, (byClass = new WeakMap()));
  let namespace = byClass.get(target);
  if (namespace === undefined) {
    namespace = record.options.name ?? classNamespace(namespaceClasses(record, target), record.method, record.declared);
    byClass.set(target, namespace);
  }
  return namespace;
}

/** Per method, per class a call is made on: its namespace, checked once. */
const namespaces = new WeakMap<MethodRecord, WeakMap<Constructor, string>>();

/** The classes whose names a call on `target` takes: those on its chain that do not stand in for their parent, nearest first, then the declaring class. */
function namespaceClasses(record: MethodRecord, target: Constructor): Constructor[] {
  const owner = record.owner ?? target;
  const classes: Constructor[] = [];
  for (let c = target; c !== owner; c = Object.getPrototypeOf(c) as Constructor) {
    if (callingClass(record, c) === owner) break; // TC39: carries the method's metadata
    const parent: unknown = Object.getPrototypeOf(c);
    if (typeof parent !== 'function') break;
    if (!standsIn(c, parent)) classes.push(c);
  }
  classes.push(owner);
  return classes;
}

function standsIn(c: Constructor, parent: object): boolean {
  const name: unknown = c.name;
  return typeof name !== 'string' || name === '' || name === (parent as { name?: unknown }).name;
}

/**
 * Two different classes that take one default namespace (a class with no name, or its parent's
 * name, next to its parent; two such subclasses of one class; two classes of one name) would
 * replay each other's results, and one's own code would not run. Within a process, the first
 * class a call (or `idempotencyKeyFor` / `getIdempotencyOptions`) is made on takes the namespace
 * and any other is refused with an `IdempotencyConfigError` before a store is called. The
 * declaring class and the class its TC39 class decorators returned in its place are one class (see
 * `callingClass`). An explicit `name` is never checked: it shares deliberately.
 */
export function claimCaller(record: MethodRecord, target: Constructor, namespace: string): void {
  if (record.options.name !== undefined) return;
  const caller = callingClass(record, target);
  const first = record.calledOn.get(namespace);
  if (first === undefined) record.calledOn.set(namespace, caller);
  else if (first !== caller) throw sharedNamespace(record, first, caller, namespace);
}

function className(c: Constructor | undefined): string {
  return c !== undefined && typeof c.name === 'string' && c.name !== '' ? c.name : '(an anonymous class)';
}

function sharedNamespace(record: MethodRecord, first: Constructor, second: Constructor, namespace: string): IdempotencyConfigError {
  const method = String(record.method);
  return new IdempotencyConfigError(
    `@Idempotent ${namespace}: called on ${className(second)}, but its default record namespace "${namespace}" already serves calls on ${className(first)}; ` +
      `the two classes would replay each other's results (and one's own code would not run). A class with no name, or the name of the class it extends, ` +
      `takes that class's namespace: give each class a name of its own (each then gets its own namespace), ` +
      `or pass \`name\` to @Idempotent on ${className(record.owner)}.${method} to share its records deliberately.`,
  );
}
