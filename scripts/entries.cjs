// The package's entry points, read from package.json "exports" (the one list): the build writes
// an ESM wrapper per entry, jest maps `lambda-idempotency/<name>` to its source, and
// spec/package.spec.ts checks tsconfig's paths and the packed files against it.
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

module.exports = { entries };
