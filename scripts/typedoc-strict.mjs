// TypeDoc plugin for `npm run docs` (typedoc.config.cjs): checks what TypeDoc's own validation
// does not. Each entry point of scripts/entries.cjs is one module named after its import
// specifier (an `@module` tag in the entry file), and every export of a module carries an
// @example. A failure is logged as an error, which stops the build.
import { createRequire } from 'node:module';
import { Application, ReflectionKind } from 'typedoc';

const require = createRequire(import.meta.url);
const { entries } = require('./entries.cjs');

/** @param {import('typedoc').DeclarationReflection} reflection */
function hasExample(reflection) {
  const comments = [reflection.comment, ...(reflection.signatures ?? []).map((s) => s.comment)];
  return comments.some((c) => c?.getTag('@example') !== undefined);
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const expected = entries().map((e) => e.specifier).sort();
    const modules = project.getChildrenByKind(ReflectionKind.Module);
    const names = modules.map((m) => m.name).sort();
    if (JSON.stringify(names) !== JSON.stringify(expected)) {
      app.logger.error(`Expected one module per package entry point (${expected.join(', ')}), got ${names.join(', ')}; name each entry file with an @module tag`);
    }
    for (const module of modules) {
      // A re-export of an export documented in another module is a Reference, checked there.
      for (const child of (module.children ?? []).filter((c) => !c.kindOf(ReflectionKind.Reference))) {
        if (!hasExample(child)) app.logger.error(`${module.name}: export \`${child.name}\` has no @example in its TSDoc`);
      }
    }
  });
}
