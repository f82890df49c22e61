// The package's entry points, read from package.json "exports" (the one list): the build writes
// an ESM wrapper per entry, jest maps `lambda-idempotency/<name>` to its source, TypeDoc makes a
// module of each, and spec/package.spec.ts checks tsconfig's paths, package.json "typesVersions"
// and the packed files against it. `node scripts/entries.cjs` writes "typesVersions" from it.
const { join } = require('node:path');
const pkg = require(join(__dirname, '..', 'package.json'));

/**
 * @typedef {{ name: string, specifier: string, source: string, cjs: string, esm: string }} Entry
 * @returns {Entry[]}
 */
function entries() {
  return Object.entries(pkg.exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const cjs = target.require.default.replace(/^\.\//, '');
      const name = subpath === '.' ? 'index' : subpath.slice(2);
      return {
        name,
        specifier: subpath === '.' ? pkg.name : `${pkg.name}/${name}`,
        // dist/cjs mirrors lib/: dist/cjs/integrations/http/index.js comes from lib/integrations/http/index.ts
        source: cjs.replace(/^dist\/cjs\//, 'lib/').replace(/\.js$/, '.ts'),
        cjs,
        esm: target.import.default.replace(/^\.\//, ''),
      };
    });
}

/**
 * package.json "typesVersions": the subpaths' CommonJS declarations, for TypeScript resolutions
 * that ignore "exports" (`moduleResolution` node10, the classic NestJS tsconfig). node16,
 * nodenext and bundler read "exports" and never this.
 */
function typesVersions() {
  const subpaths = entries().filter((e) => e.name !== 'index');
  return { '*': Object.fromEntries(subpaths.map((e) => [e.name, [e.cjs.replace(/\.js$/, '.d.ts')]])) };
}

if (require.main === module) {
  const { writeFileSync } = require('node:fs');
  const file = join(__dirname, '..', 'package.json');
  // Next to "types", where a reader looks for it.
  const { typesVersions: _old, ...rest } = pkg;
  const ordered = Object.fromEntries(Object.entries(rest).flatMap(([k, v]) => (k === 'types' ? [[k, v], ['typesVersions', typesVersions()]] : [[k, v]])));
  writeFileSync(file, `${JSON.stringify(ordered, null, 2)}\n`);
  console.log('package.json: typesVersions written from exports');
}

module.exports = { entries, typesVersions };
