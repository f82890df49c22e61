// Builds dist/: CommonJS (with .d.ts) from tsc, plus one ESM wrapper per entry point that
// re-exports the CommonJS build. One copy of the code means one copy of the process-wide state
// (configureIdempotency) even when a program loads the package both ways. The entries are
// package.json's "exports" (scripts/entries.cjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { posix } from 'node:path';

const require = createRequire(import.meta.url);
const { entries } = require('./entries.cjs');

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
for (const entry of entries()) {
  const target = posix.relative(posix.dirname(entry.esm), entry.cjs); // ../cjs/...
  mkdirSync(posix.dirname(entry.esm), { recursive: true });
  writeFileSync(entry.esm, `export * from '${target}';\n`);
  writeFileSync(entry.esm.replace(/\.mjs$/, '.d.mts'), `export * from '${target}';\n`);
}
// Said when run by hand; `npm test` passes --quiet, so its output is the tests' alone (a failed
// build still shows tsc's errors).
if (!process.argv.includes('--quiet')) console.log(`built dist/cjs and dist/esm (${entries().map((e) => e.name).join(', ')})`);
