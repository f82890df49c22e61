import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';

/** The README points readers at files as proof ("tested in spec/..."): a moved file must not leave it pointing nowhere. */
describe('the README', () => {
  it('names only repository files that exist', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const named = new Set([
      ...[...readme.matchAll(/`((?:spec|lib|samples|scripts)\/[^`\s*<]+)`/g)].map((m) => m[1]),
      ...[...readme.matchAll(/(?<![\w/])((?:spec|lib)\/[\w./-]+\.(?:ts|mjs|cjs))/g)].map((m) => m[1]),
    ]);
    const missing = [...named].map((path) => path.replace(/[.,)]+$/, '')).filter((path) => !existsSync(join(ROOT, path)));
    expect(named.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
