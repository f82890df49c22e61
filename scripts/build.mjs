// Builds dist/: CommonJS (with .d.ts) from tsc, plus one ESM wrapper per entry point that
// re-exports the CommonJS build. One copy of the code means one copy of the process-wide state
// (configureIdempotency) even when a program loads the package both ways.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ENTRIES = ['index', 'http', 'middy', 'metrics', 'dynamodb'];

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
mkdirSync('dist/esm', { recursive: true });
for (const entry of ENTRIES) {
  writeFileSync(`dist/esm/${entry}.mjs`, `export * from '../cjs/${entry}.js';\n`);
  writeFileSync(`dist/esm/${entry}.d.mts`, `export * from '../cjs/${entry}.js';\n`);
}
console.log(`built dist/cjs and dist/esm (${ENTRIES.join(', ')})`);
