// `npm run docs`: the HTML API reference in docs/api/ (not committed), one module per package
// entry point (scripts/entries.cjs, the one list). Strict: an undocumented export, a broken
// {@link} or a public export without an @example fails the build (TypeDoc's validation, and
// scripts/typedoc-strict.mjs for the examples and the module names).
const { entries } = require('./scripts/entries.cjs');

/** @type {Partial<import('typedoc').TypeDocOptions>} */
module.exports = {
  entryPoints: entries().map((e) => e.source),
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  name: 'lambda-idempotency',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
  // Exports must be documented; their members are documented where a reader needs it.
  requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Namespace'],
  // Function types written `{ bivarianceHack(...): R }['bivarianceHack']` (so a function typed for
  // your event is accepted): the alias is documented, the helper method inside is not.
  intentionallyNotDocumented: [
    'lambda-idempotency.KeyFunction.__type.bivarianceHack',
    'lambda-idempotency.StoreOption.__type.bivarianceHack',
    'lambda-idempotency.ReplayHook.__type.bivarianceHack',
    'lambda-idempotency.ValuePredicate.__type.bivarianceHack',
    'lambda-idempotency/http.ScopeFunction.__type.bivarianceHack',
  ],
  // Helper types in public signatures (compile-time checks, a class constructor, the logger
  // shapes accepted) that are not exports of their own; the reference shows them by name.
  intentionallyNotExported: ['Constructor', 'FunctionKeys', 'AsyncMethodCheck', 'HttpMethodCheck', 'AnyMethodContext'],
  plugin: ['./scripts/typedoc-strict.mjs'],
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  githubPages: false,
  disableSources: true,
};
