import { build, stop, type Plugin } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastJson, run } from '../helpers/run';
import { ROOT } from '../helpers/paths';

/**
 * Lambda code is bundled and minified (SAM's and CDK's esbuild). A minifier renames classes per
 * build, so a default namespace taken from a minified name would move between deploys and could
 * land on another class's records. Built here with the real esbuild from spec/helpers/bundledHandlers.ts
 * and the built package (npm test builds it first), then run under plain node, without
 * reflect-metadata: names kept → `OrdersHandler.handle`; names minified → IdempotencyConfigError
 * naming the fix; an explicit `name` → works minified.
 */
const root = ROOT;
const FIXTURE = join(ROOT, 'spec/helpers/bundledHandlers.ts');
// Bundled in: the ES modules, as a bundler resolves the package ("exports", import condition), so
// tree-shaken and minified with the handler. Left external: the CommonJS build, required at run time.
const DIST = { bundled: join(root, 'dist/esm/index.mjs'), external: join(root, 'dist/cjs/index.js') };
/** SHA-256 of the canonical JSON of '1': the key hash of the fixture's event. */
const HASH_1 = '391552c099c101b131feaf24c5795a6a15bc8ec82015424e0d2b4274a369a0bf';

type Dialect = 'legacy' | 'standard';
type Library = 'bundled' | 'external';
interface Outcome {
  readonly stage?: 'load' | 'call';
  readonly error?: { readonly name: string; readonly code: string; readonly message: string };
  readonly results?: string[];
  readonly namespaces?: string[];
  readonly refundKey?: string;
  readonly refundRecord?: string;
  readonly reflectMetadata?: boolean;
  readonly dialect?: Dialect;
}

/** Resolves `lambda-idempotency` to the built package: bundled in, or left as an absolute require. */
function library(mode: Library): Plugin {
  return { name: 'lambda-idempotency', setup: (b) => b.onResolve({ filter: /^lambda-idempotency$/ }, () => ({ path: DIST[mode], external: mode === 'external' })) };
}

// Loads the bundle and calls main(), reporting where an error surfaced: at load (class
// definition) or at the call.
const RUNNER = `
let stage = 'load';
(async () => {
  try {
    const { main } = require(process.argv[1]);
    stage = 'call';
    console.log(JSON.stringify({ stage, ...(await main()) }));
  } catch (err) {
    console.log(JSON.stringify({ stage, error: { name: err.name, code: err.code, message: err.message } }));
  }
})();`;

describe('bundled and minified with esbuild', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'idempotency-bundle-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    // esbuild's service process would otherwise outlive this file in the jest worker.
    await stop();
  });

  async function bundle(dialect: Dialect, lib: Library, keepNames: boolean): Promise<string> {
    const outfile = join(dir, `${dialect}-${lib}-${keepNames ? 'kept' : 'minified'}.js`);
    const result = await build({
      entryPoints: [FIXTURE],
      outfile,
      bundle: true,
      minify: true,
      keepNames,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'silent',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: dialect === 'legacy' } },
      plugins: [library(lib)],
      metafile: true,
    });
    // The library really is in the bundle, or really is not.
    expect(Object.keys(result.metafile.inputs).some((p) => p.includes('dist/esm/'))).toBe(lib === 'bundled');
    return outfile;
  }

  async function runBundle(file: string, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
    return lastJson(await run(process.execPath, ['-e', RUNNER, file], { cwd: dir, env })) as Outcome;
  }

  const cases: Array<[Dialect, Library]> = [
    ['legacy', 'bundled'],
    ['legacy', 'external'],
    ['standard', 'bundled'],
    ['standard', 'external'],
  ];

  it.each(cases)('%s decorators, library %s, --minify --keep-names: namespaces are the source class names', async (dialect, lib) => {
    const out = await runBundle(await bundle(dialect, lib, true));
    expect(out.error).toBeUndefined();
    expect(out.results).toEqual(['order:1', 'refund:1', 'order:1', 'refund:1']);
    // RefundsHandler's class decorator returns `class TracedHandler extends target {}`: TC39 marks
    // it as the replacement (it carries the metadata); legacy decorators leave no trace, so its
    // name goes in front of the declaring class's (lib/decorators/caller.ts).
    const refunds = dialect === 'standard' ? 'RefundsHandler.handle' : 'TracedHandler/RefundsHandler.handle';
    expect(out.namespaces).toEqual(['OrdersHandler.handle', refunds, 'OrdersHandler.handle', refunds]);
    // The key computed before any instance existed is the key the call wrote; no reflect-metadata anywhere.
    expect(out.refundKey).toBe(`idempotency:${refunds}:${HASH_1}`);
    expect(out.refundRecord).toBe('COMPLETED');
    expect(out.reflectMetadata).toBe(false);
    expect(out.dialect).toBe(dialect);
  });

  it.each(cases)('%s decorators, library %s, --minify without keep-names: refuses to start, saying what to set', async (dialect, lib) => {
    const file = await bundle(dialect, lib, false);
    const out = await runBundle(file);
    // Named as the class is in the source, though the bundle renamed the class itself.
    expect(out.error).toMatchObject({ name: 'IdempotencyConfigError', code: 'IDEMPOTENCY_CONFIG' });
    // Legacy decorators see their class when applied: the module does not load. TC39 ones see it
    // when the first instance is constructed (still before any record is written).
    expect(out.stage).toBe(dialect === 'legacy' ? 'load' : 'call');
    const message = out.error?.message ?? '';
    expect(message).toMatch(/Set `name` in the options/);
    expect(message).toMatch(/--keep-names/);
    expect(message).toMatch(/bundling: \{ keepNames: true \}/);
    // The library's own minified code gives the bundle away; left external, the short names do.
    expect(message).toMatch(lib === 'bundled' ? /minified without keeping names/ : /looks made by a minifier/);

    // An explicit `name` works in the same minified bundle.
    const named = await runBundle(file, { EXPLICIT_NAMES: '1' });
    expect(named.error).toBeUndefined();
    expect(named.results).toEqual(['order:1', 'refund:1', 'order:1', 'refund:1']);
    expect(named.namespaces).toEqual(['orders.handle', 'refunds.handle', 'orders.handle', 'refunds.handle']);
    expect(named.refundRecord).toBe('COMPLETED');
    expect(named.dialect).toBe(dialect);
  });
});
