import { NAMESPACES_KEY } from '../constants';
import { IdempotencyConfigError } from '../errors';

/**
 * Default record namespaces: `ClassName.method` for decorated methods (`SubClass/ClassName.method`
 * for a call through a subclass inheriting it, see decorators/caller.ts), the function's name for
 * `makeIdempotent`. A namespace is part of every record key, so it must be the same in every
 * build and differ between methods. Names a minifier invents are neither: esbuild `--minify` named
 * two handler classes `bn` and `_n` in one build and `_n` and `En` in the next, so after a deploy
 * a retried order could replay a refund. Nor is a name two functions share: a factory's two
 * closures, or a mixin applied to two bases, would replay each other's results. A default that
 * cannot be trusted is refused at start-up with an `IdempotencyConfigError` saying what to set; an
 * explicit `name` is never checked.
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

/** The one function each default namespace belongs to, shared by every copy of the library in the process. */
type Claims = Map<string, object>;
const CLAIMS: Claims = ((globalThis as { [NAMESPACES_KEY]?: Claims })[NAMESPACES_KEY] ??= new Map());

/** What to do when two functions meet on one namespace, and how it happens, by kind. */
const COLLISION: Record<'methods' | 'functions', string> = {
  methods:
    'give each its own `name`. A default namespace belongs to one method per process: two classes of one name, a class made by a factory or mixin ' +
    '(each call makes new methods), a static and an instance method of one name, or two symbols of one description break that',
  functions:
    'wrap the function once, at module scope, or give each its own `name`. A default namespace belongs to one function per process: ' +
    'a factory, or a handler calling makeIdempotent on every call, makes a new function each time',
};

/**
 * A default namespace belongs to exactly one function (a method as declared, or the function
 * given to `makeIdempotent`) per process: a second, different one is refused, even with the same
 * source text, because its closure (a factory's service, a mixin's base class) may differ, and
 * with it the results it stores. Claiming again with the same function is harmless (a subclass,
 * the same function wrapped twice).
 */
function claim(namespace: string, fn: object, what: 'methods' | 'functions'): void {
  const previous = CLAIMS.get(namespace);
  if (previous === fn) return;
  if (previous === undefined) {
    CLAIMS.set(namespace, fn);
    return;
  }
  throw new IdempotencyConfigError(
    `Two different ${what} resolve to the record namespace "${namespace}", so they would replay each other's results: ${COLLISION[what]}, ` +
      'and so does a module evaluated again in this process (hot reload; in tests, call resetIdempotencyConfig() in afterEach or before loading it again).',
  );
}

/**
 * Forgets which function holds each default namespace, so a module can be loaded again (tests);
 * called by `resetIdempotencyConfig`. Functions claimed before keep their namespaces.
 */
export function forgetDefaultNamespaces(): void {
  CLAIMS.clear();
}

/**
 * The default namespace of a decorated method: `ClassName.method` of the class that declares it
 * (`declared` is the method as declared) when `classes` is that class alone; for a call through
 * subclasses, their names first, nearest first, each followed by `/`
 * (`SendEmail/OrderCreatedHandler.handle`). Throws {@link IdempotencyConfigError} when a name
 * cannot be trusted to be stable and unique.
 */
export function classNamespace(classes: readonly object[], method: string | symbol, declared: object): string {
  const names = classes.map((c) => (c as { name?: unknown }).name);
  const namespace = `${names.map((n) => (typeof n === 'string' ? n : '')).join('/')}.${String(method)}`;
  if (!namesKept('class')) {
    throw new IdempotencyConfigError(
      `@Idempotent ${namespace}: this code was minified without keeping names, so class names (and with them record namespaces) change from one build to the next. ${FIX}`,
    );
  }
  const invented = names.findIndex((n) => typeof n !== 'string' || looksInvented(n));
  if (invented >= 0) {
    throw new IdempotencyConfigError(
      `@Idempotent ${namespace}: the class name ${JSON.stringify(names[invented] ?? '')} looks made by a minifier (or the class is anonymous), so it may change from one build to the next. ${FIX}`,
    );
  }
  claim(namespace, declared, 'methods');
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
