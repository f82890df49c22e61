// Builds dist/: CommonJS (with .d.ts) from tsc, and an ES-module copy of every file of lib/
// (dist/esm mirrors lib/, one .mjs per .ts) that bundlers tree-shake: package.json says
// "sideEffects": false, so a bundle keeps only the modules (and exports) a program reaches. Each
// entry of package.json "exports" (scripts/entries.cjs) gets dist/esm/<name>.mjs, a re-export of
// its module, and dist/esm/<name>.d.mts, a re-export of its CommonJS declarations (one set of
// types for both builds). A program that loads the package both ways runs two copies of the code;
// the process-wide state (configureIdempotency, the decoration registry...) lives on globalThis
// under Symbol.for keys (lib/core/processState.ts), so it is still one.
//
// The ES modules come from esbuild, one file at a time: tsconfig sets isolatedModules, so a
// file's output never depends on another's (what tsc would emit, without a second type-check).
// Its resolve hook writes each relative import as the file Node's ESM loader needs
// ('./x' → './x.mjs', './dir' → './dir/index.mjs'): Node resolves no extensions or directories.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix, relative } from 'node:path';

const require = createRequire(import.meta.url);
const { entries } = require('./entries.cjs');
const { build } = require('esbuild');

/** Every .ts file under `dir`, but the CLI's (a CommonJS `bin`, never imported). */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return path === join('lib', 'cli') ? [] : sources(path);
    return d.name.endsWith('.ts') ? [path] : [];
  });
}

/** Resolves a relative import to the .mjs file it becomes; anything else stays as written. */
const esmSpecifiers = {
  name: 'esm-specifiers',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!args.path.startsWith('.')) return { path: args.path, external: true };
      const base = join(args.resolveDir, args.path);
      const file = existsSync(`${base}.ts`) ? `${base}.ts` : existsSync(join(base, 'index.ts')) ? join(base, 'index.ts') : undefined;
      if (file === undefined) return { errors: [{ text: `cannot resolve ${args.path} from ${args.importer}` }] };
      let target = relative(args.resolveDir, file).split('\\').join('/').replace(/\.ts$/, '.mjs');
      if (!target.startsWith('.')) target = `./${target}`;
      return { path: target, external: true };
    });
  },
};

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
await build({
  entryPoints: sources('lib'),
  outbase: 'lib',
  outdir: 'dist/esm',
  outExtension: { '.js': '.mjs' },
  bundle: true, // for the resolve hook only: every import is external
  format: 'esm',
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  plugins: [esmSpecifiers],
  logLevel: 'error',
});
for (const entry of entries()) {
  const dir = posix.dirname(entry.esm);
  const module = posix.relative(dir, entry.source.replace(/^lib\//, 'dist/esm/').replace(/\.ts$/, '.mjs'));
  const types = posix.relative(dir, entry.cjs); // ../cjs/...
  mkdirSync(dir, { recursive: true });
  // dist/esm/index.mjs is lib/index.ts itself; the subpaths re-export theirs.
  if (entry.esm !== posix.join(dir, module)) writeFileSync(entry.esm, `export * from './${module}';\n`);
  writeFileSync(entry.esm.replace(/\.mjs$/, '.d.mts'), `export * from '${types}';\n`);
}
// Said when run by hand; `npm test` passes --quiet, so its output is the tests' alone (a failed
// build still shows tsc's errors).
if (!process.argv.includes('--quiet')) console.log(`built dist/cjs and dist/esm (${entries().map((e) => e.name).join(', ')})`);
