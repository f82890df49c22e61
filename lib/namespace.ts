import { NAMESPACES_KEY } from './constants';
import { IdempotencyConfigError } from './errors';

/**
 * Default record namespaces: `ClassName.method` for decorated methods, the function's name for
 * `makeIdempotent`. A namespace is part of every record key, so it must be the same in every
 * build and differ between methods. Names a minifier invents are neither: esbuild `--minify` named
 * two handler classes `bn` and `_n` in one build and `_n` and `En` in the next, so after a deploy
 * a retried order could replay a refund. A default that cannot be trusted is refused at start-up with
 * an `IdempotencyConfigError` saying what to set; an explicit `name` is never checked.
 */

/** The fix, shared by every refusal. */
const FIX =
  "Set `name` in the options to a stable string (e.g. `name: 'OrdersHandler.handle'`), or keep names when minifying " +
  '(esbuild `--keep-names` / `keepNames: true`; AWS CDK NodejsFunction `bundling: { keepNames: true }`; ' +
  'AWS SAM `Metadata: { BuildMethod: esbuild, BuildProperties: { KeepNames: true } }`).';

// Canaries: a minifier that does not keep names renames these like any other class or function,
// so a mismatch means this copy of the library was bundled and minified along with the code that
// uses it. Terser keeps class and function names under separate options, hence one of each.
class IdempotencyNamespaceCanary {}
function idempotencyNamespaceCanary(): void {}

/** Does this code still carry its source names for classes (`'class'`) and functions (`'function'`)? */
export function namesKept(kind: 'class' | 'function'): boolean {
  return kind === 'class' ? IdempotencyNamespaceCanary.name === 'IdempotencyNamespaceCanary' : idempotencyNamespaceCanary.name === 'idempotencyNamespaceCanary';
}

/**
 * Minifiers give the names they invent one or two characters first (esbuild: `n`, `bn`, `_n`);
 * a real class or function name is rarely that short, and an empty one (anonymous) is no name.
 */
function looksInvented(name: string): boolean {
  return name.length <= 2;
}

/** Which code claimed each default namespace, shared by every copy of the library in the process. */
type Claims = Map<string, { readonly owner: object; readonly source: string }>;
const CLAIMS = ((globalThis as { [NAMESPACES_KEY]?: Claims })[NAMESPACES_KEY] ??= new Map());

/**
 * Refuses a second, different class or function under a namespace already in use. The same code
 * may claim it again: a class defined by a factory, a function wrapped on every call, a module
 * evaluated twice. "The same" is the same object or the same source text (a bound or native
 * function has no source text to compare, so only the same object counts).
 */
function claim(namespace: string, owner: object, what: 'classes' | 'functions'): void {
  const previous = CLAIMS.get(namespace);
  if (previous?.owner === owner) return;
  const source = Function.prototype.toString.call(owner);
  if (previous === undefined) {
    CLAIMS.set(namespace, { owner, source });
    return;
  }
  if (previous.source === source && !source.includes('[native code]')) return;
  throw new IdempotencyConfigError(
    `Two different ${what} resolve to the record namespace "${namespace}", so they would replay each other's results. ${FIX}`,
  );
}

/**
 * The default namespace of a decorated method, `ClassName.method`, of the class that declares it;
 * throws {@link IdempotencyConfigError} when that name cannot be trusted to be stable and unique.
 */
export function classNamespace(owner: object, method: string | symbol): string {
  const className = (owner as { name?: unknown }).name;
  const namespace = `${typeof className === 'string' ? className : ''}.${String(method)}`;
  if (!namesKept('class')) {
    throw new IdempotencyConfigError(
      `@Idempotent ${namespace}: this code was minified without keeping names, so class names (and with them record namespaces) change from one build to the next. ${FIX}`,
    );
  }
  if (typeof className !== 'string' || looksInvented(className)) {
    throw new IdempotencyConfigError(
      `@Idempotent ${namespace}: the class name ${JSON.stringify(className ?? '')} looks made by a minifier (or the class is anonymous), so it may change from one build to the next. ${FIX}`,
    );
  }
  claim(namespace, owner, 'classes');
  return namespace;
}

/**
 * The default namespace of `makeIdempotent`: the function's name; throws
 * {@link IdempotencyConfigError} when that name cannot be trusted to be stable and unique.
 */
export function functionNamespace(fn: (...args: never[]) => unknown): string {
  const name = fn.name;
  if (name === '') {
    throw new IdempotencyConfigError('makeIdempotent needs a record namespace: name the function (`async function chargeOrder() {}`) or pass `name`.');
  }
  if (!namesKept('function')) {
    throw new IdempotencyConfigError(
      `makeIdempotent ${JSON.stringify(name)}: this code was minified without keeping names, so function names (and with them record namespaces) change from one build to the next. ${FIX}`,
    );
  }
  if (looksInvented(name)) {
    throw new IdempotencyConfigError(`makeIdempotent ${JSON.stringify(name)}: the function name looks made by a minifier, so it may change from one build to the next. ${FIX}`);
  }
  claim(name, fn, 'functions');
  return name;
}
