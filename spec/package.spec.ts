import { join } from 'node:path';
import { lastJson, run } from './helpers/run';
import { startRedisServer, type RedisServer } from './helpers/redisServer';
import { existsSync, readFileSync } from 'node:fs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { entries, typesVersions } = require('../scripts/entries.cjs') as { entries(): Array<{ specifier: string; source: string; cjs: string; esm: string }>; typesVersions(): unknown };

/**
 * The built package (npm test builds it first) as users get it: CommonJS and ES module consumers,
 * subpath exports, the ESM-only frameworks (NestJS 12, Middy 7) under plain node, and what
 * `npm pack` ships.
 */
const root = join(__dirname, '..');
const node = process.execPath;

describe('the built package', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  it('loads from an ES module consumer, root and subpaths', async () => {
    expect(lastJson(await run(node, ['samples/consumers/esm.mjs'], { cwd: root }))).toEqual({
      runs: 1, replayed: true, same: true, middleware: 'function', problem: true, errorBase: 'function',
    });
  });

  it('loads from a CommonJS consumer, sharing its configuration with the ES-module copy', async () => {
    expect(lastJson(await run(node, ['samples/consumers/cjs.cjs'], { cwd: root }))).toEqual({
      runs: 1, replayed: true, middleware: 'function', esmCopy: true, sharedConfiguration: true,
    });
  });

  it('loaded both ways in one process (two copies), keeps one process-wide state and instanceof across copies', async () => {
    // --no-warnings: the scenario counts the process warning itself; stderr stays clean.
    expect(lastJson(await run(node, ['--no-warnings', 'spec/bothWays.scenarios.mjs'], { cwd: root }))).toEqual({
      twoCopies: true,
      configured: { first: { id: 'a', run: 1 }, replay: { id: 'a', run: 1 }, runs: 1 },
      afterReset: { name: 'IdempotencyConfigError', esmClass: true },
      replayedFailure: { esmClass: true, cjsClass: true, code: 'card_declined', notIdempotencyError: true },
      inProgress: { esmClass: true, esmBase: true, otherClass: false },
      keyRejected: { esmParent: true, esmClass: true },
      keyError: { cjsClass: true, cjsSubclass: false },
      classDefaults: { ttlBefore: null, ttlAfter: 60 },
      openStoreWarnings: ['open_stores'],
      observerWarnings: ['LAMBDA_IDEMPOTENCY_OBSERVER_FAILED'],
      disabledWarnings: ['idempotency_disabled'],
      disabledRuns: { cjs: 2, esm: 2 },
    });
  });

  it('names its errors the same in the ES modules as in the CommonJS build: the classes, err.name, a subclass of ours and a user subclass', async () => {
    // esbuild gives a class that names itself in its body an inner name (`class _IdempotencyError`):
    // the check of whether names survived a minifier must not read that one.
    const script = `import { createRequire } from 'node:module';
const builds = { esm: await import('lambda-idempotency'), cjs: createRequire(import.meta.url)('lambda-idempotency') };
const names = {};
for (const [build, m] of Object.entries(builds)) {
  class ChargeError extends m.IdempotencyError { constructor() { super(m.IdempotencyErrorCode.Config, 'mine'); } }
  const classes = Object.keys(m).filter((k) => /Error$/.test(k) && typeof m[k] === 'function').sort().map((k) => [k, m[k].name]);
  names[build] = { classes, base: new m.IdempotencyError(m.IdempotencyErrorCode.Store, 'x').name, rejected: new m.IdempotencyKeyRejectedError('empty', 'x').name, user: new ChargeError().name };
}
console.log(JSON.stringify(names));`;
    const out = lastJson(await run(node, ['--input-type=module', '-e', script], { cwd: root })) as Record<'esm' | 'cjs', { classes: string[][] }>;
    expect(out.cjs).toEqual({ classes: expect.any(Array), base: 'IdempotencyError', rejected: 'IdempotencyKeyRejectedError', user: 'ChargeError' });
    expect(out.cjs.classes.every(([exported, name]) => exported === name)).toBe(true);
    expect(out.esm).toEqual(out.cjs);
  });

  it('imports every entry point as ES modules (dist/esm), without loading the CommonJS build', async () => {
    const list = JSON.stringify(entries().map((e) => e.specifier));
    const script = `const { createRequire } = await import('node:module'); const keys = []; for (const s of ${list}) keys.push(Object.keys(await import(s)).length); console.log(JSON.stringify({ keys, cjs: Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('dist/cjs')) }));`;
    const out = lastJson(await run(node, ['--input-type=module', '-e', script], { cwd: root }));
    expect(out).toEqual({ keys: entries().map(() => expect.any(Number)), cjs: [] });
    expect((out.keys as number[]).every((n) => n > 0)).toBe(true);
  });

  it.each([
    ['MemoryStore', {}],
    ['RedisStore', { REDIS_URL: 'spawned' }],
  ])('runs the NestJS 12 (ESM only) sample under plain node on %s', async (storeName, env) => {
    const redis = 'REDIS_URL' in env ? { REDIS_URL: server.url } : {};
    const out = lastJson(await run(node, ['main.mjs'], { cwd: join(root, 'samples/nestjs-esm'), env: redis }));
    expect(out).toMatchObject({ nest: expect.stringMatching(/^12\./), store: storeName, charges: 1, mismatch: 'IdempotencyPayloadMismatchError' });
    expect(out.fulfilled).toBeGreaterThanOrEqual(1);
  });

  it.each([['MemoryStore'], ['RedisStore']])('runs the Middy 7 middleware with the real @middy/core on %s', async (storeName) => {
    const env = storeName === 'RedisStore' ? { REDIS_URL: server.url } : {};
    const out = lastJson(await run(node, ['spec/integrations/middy/esm/middy.scenarios.mjs'], { cwd: root, env }));
    expect(out).toEqual({
      first: { recorded: expect.stringMatching(/^a-/) },
      replay: out.first,
      undefinedFirst: 'undefined',
      undefinedReplay: 'undefined',
      undefinedRecord: 'COMPLETED',
      failure: true,
      retryAfterFailure: { recorded: expect.stringMatching(/^c-/) },
      parallel: ['IdempotencyInProgressError', 'ok'],
      sideEffects: ['a', 'b', 'c', 'd'],
    });
  });

  it('packs only the built code, its types, the README and the licence', async () => {
    const [pack] = JSON.parse(await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })) as Array<{ files: Array<{ path: string }> }>;
    const paths = (pack?.files ?? []).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs', 'dist/esm/http.d.mts', 'dist/cjs/integrations/middy/index.js']));
    expect(paths.filter((p) => !/^(package\.json|README\.md|LICENSE|dist\/(cjs\/.*\.(js|d\.ts)|esm\/([a-z]+\.d\.mts|[A-Za-z/]+\.mjs)))$/.test(p))).toEqual([]);
  });

  it('resolves types for every subpath from ES modules and CommonJS (nodenext)', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    await expect(run(node, [tsc, '-p', 'samples/consumers/tsconfig.json'], { cwd: root })).resolves.toBe('');
  });

  it('keeps optional peers out of the root import', async () => {
    const out = await run(node, ['-e', "require('lambda-idempotency'); require('lambda-idempotency/http'); require('lambda-idempotency/middy'); require('lambda-idempotency/metrics'); require('lambda-idempotency/secrets'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /@middy|@nestjs|powertools.metrics|powertools.parameters|@aws-sdk/.test(k))))"], { cwd: root });
    expect(JSON.parse(out)).toEqual([]);
  });

  it('maps every entry of package.json exports to a source file, a built file and tsconfig paths', () => {
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } };
    const list = entries();
    expect(list.map((e) => e.specifier)).toEqual(expect.arrayContaining(['lambda-idempotency', 'lambda-idempotency/http', 'lambda-idempotency/middy', 'lambda-idempotency/metrics', 'lambda-idempotency/dynamodb', 'lambda-idempotency/secrets']));
    for (const entry of list) {
      expect(existsSync(join(root, entry.source))).toBe(true);
      expect(existsSync(join(root, entry.cjs))).toBe(true);
      expect(existsSync(join(root, entry.esm))).toBe(true);
    }
    expect(tsconfig.compilerOptions.paths).toEqual(Object.fromEntries(list.map((e) => [e.specifier, [e.source]])));
  });

  it('declares typesVersions for every subpath, as scripts/entries.cjs writes them (`node scripts/entries.cjs`)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { typesVersions?: unknown };
    expect(pkg.typesVersions).toEqual(typesVersions());
  });
});
