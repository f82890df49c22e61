import { IdempotencyConfigError } from '../core/errors';
import { callingClass, type Constructor, type MethodRecord } from './metadata';

/**
 * A default namespace (`ClassName.method` of the class that DECLARES the method) serves the calls
 * of one class. A method inherited by two classes runs different code in each (an abstract
 * `OrderCreatedHandler.handle` calling `this.process()`, implemented by `SendEmail` and by
 * `CreateInvoice`), yet would write both under `OrderCreatedHandler.handle`: the second class
 * replayed the first one's result ("email sent for o-1") and its own code never ran. So the first
 * class a call (or `idempotencyKeyFor` / `getIdempotencyOptions`) is made on takes the namespace,
 * for the life of the process, and any other class is refused with an `IdempotencyConfigError`
 * before a store is called: a sibling, the base class itself next to a subclass, a subclass next
 * to its base. The declaring class and the class its class decorators returned in its place are
 * one class (see `callingClass`), so single-class users keep their keys. An explicit `name` is
 * never checked: it shares deliberately.
 *
 * This sees one process only: two classes that inherit one decorated method and run in separate
 * functions on one store still share records (the README says to give each its own namespace).
 */
export function claimCaller(record: MethodRecord, target: Constructor, namespace: string): void {
  if (record.options.name !== undefined) return;
  const caller = callingClass(record, target);
  if (record.calledOn === undefined) record.calledOn = caller;
  else if (record.calledOn !== caller) throw sharedNamespace(record, record.calledOn, caller, namespace);
}

function className(c: Constructor | undefined): string {
  return c !== undefined && typeof c.name === 'string' && c.name !== '' ? c.name : '(an anonymous class)';
}

function sharedNamespace(record: MethodRecord, first: Constructor, second: Constructor, namespace: string): IdempotencyConfigError {
  const method = String(record.method);
  const declaring = className(record.owner);
  return new IdempotencyConfigError(
    `@Idempotent ${namespace}: called on ${className(second)}, but its default record namespace "${namespace}" already serves calls on ${className(first)}; ` +
      `the method is inherited, so the two classes would replay each other's results (and one's own code would not run). Give each class its own namespace: ` +
      `decorate ${method} in each class instead of in ${declaring} (\`@Idempotent('...') async ${method}(...args) { return super.${method}(...args); }\` ` +
      `with ${declaring}.${method} undecorated; namespaces ${className(first)}.${method} and ${className(second)}.${method}), ` +
      `or pass \`name\` to @Idempotent on ${declaring}.${method} to share its records deliberately.`,
  );
}
