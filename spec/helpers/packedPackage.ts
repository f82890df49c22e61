import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths';
import { run } from './run';

/**
 * The package as users install it: `npm pack` of the built package (npm test builds it first)
 * installed with `npm install` into a fresh project outside the repository, with the peers a test
 * names. Dependencies the repository already has are asked at its installed version, so npm finds
 * them in its cache; the rest (an older ioredis) come from the registry.
 */

/** A temporary directory, removed by `remove()`. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Packs the built package into `dir`; returns the tarball's path. */
export async function packInto(dir: string): Promise<string> {
  const out = await run('npm', ['pack', '--json', '--ignore-scripts', '--loglevel=error', '--pack-destination', dir], { cwd: ROOT, timeoutMs: 120_000 });
  const [pack] = JSON.parse(out) as Array<{ filename: string }>;
  if (pack === undefined) throw new Error(`npm pack said nothing:\n${out}`);
  return join(dir, pack.filename);
}

/** `name@<the version installed in the repository>`, so npm takes it from its cache. */
export function asInstalled(name: string): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return `${name}@${version}`;
}

/** A fresh project in `dir` with the tarball and `packages` installed (`npm install`, bounded). */
export async function installProject(dir: string, tarball: string, packages: readonly string[]): Promise<void> {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer-fixture', version: '1.0.0', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', '--no-package-lock', tarball, ...packages], { cwd: dir, timeoutMs: 240_000 });
}

/** Writes `files` (path relative to `dir` → text) into `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** Runs the repository's own TypeScript on a project of the fixture: its errors, '' when none. */
export function tscErrors(dir: string, tsconfig: string): Promise<string> {
  const tsc = require.resolve('typescript/bin/tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: dir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve(err === null ? '' : `${stdout}${stderr}`.trim() || err.message);
    });
  });
}
