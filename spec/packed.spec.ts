import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { asInstalled, installProject, packInto, tempDir, tscErrors, writeFiles } from './helpers/packedPackage';
import { startRedisServer, type RedisServer } from './helpers/redisServer';
import { lastJson, run } from './helpers/run';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { entries } = require('../scripts/entries.cjs') as { entries(): Array<{ specifier: string }> };

/**
 * The packed package (`npm pack`, once for this file) installed with npm into fresh projects, as a
 * user gets it: every entry point resolves with types under each TypeScript resolution mode (the
 * classic NestJS tsconfig is node10, which ignores "exports"), loads under node from require and
 * import, and ioredis, a peer, may be the project's ioredis 5.
 */
const specifiers = entries().map((e) => e.specifier);
// The floor of the peer range (the first ioredis 5 with the named `Redis` export the package
// imports) and the newest ioredis 5.
const IOREDIS_5 = ['5.2.5', '^5'];
const node = process.execPath;

/** Imports every entry point; a module that resolved without types (`any`) fails the check too. */
const consumer = [
  ...specifiers.map((s, i) => `import * as entry${i} from '${s}';`),
  'type Typed<T> = 0 extends 1 & T ? "resolved without types" : T;',
  `export const entries: [${specifiers.map((_, i) => `Typed<typeof entry${i}>`).join(', ')}] = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];`,
  '',
].join('\n');

const MODES: Record<string, { compilerOptions: Record<string, unknown>; files: string[] }> = {
  'node10, CommonJS (the classic NestJS tsconfig)': { compilerOptions: { module: 'commonjs', moduleResolution: 'node10', experimentalDecorators: true, emitDecoratorMetadata: true }, files: ['consumer.ts'] },
  'node10, ES modules': { compilerOptions: { module: 'es2022', moduleResolution: 'node10' }, files: ['consumer.ts'] },
  'node16, ES modules and CommonJS': { compilerOptions: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.mts', 'consumer.cts'] },
  'nodenext, ES modules and CommonJS': { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.mts', 'consumer.cts'] },
  'bundler, ES modules': { compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, files: ['consumer.ts'] },
};

function tsconfig(mode: { compilerOptions: Record<string, unknown>; files: string[] }): string {
  return JSON.stringify({ compilerOptions: { target: 'ES2022', strict: true, noEmit: true, types: ['node'], ...mode.compilerOptions }, files: mode.files });
}

/** A project on ioredis 5 passes its own clients (and the options helper) to RedisStore. */
const ioredisConsumer = `import { Cluster, Redis } from 'ioredis';
import { lambdaRedisOptions, RedisStore } from 'lambda-idempotency';
export const stores = [
  new RedisStore(new Redis('redis://127.0.0.1:6379', { lazyConnect: true })),
  new RedisStore(new Redis('redis://127.0.0.1:6379', lambdaRedisOptions({ commandTimeoutMs: 500 }))),
  new RedisStore(new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true })),
];
`;

/**
 * Runs a call twice on ioredis 5, with the project's client and with a store built from a URL:
 * the body is the same for CommonJS (run.cjs) and ES modules (run.mjs, where the package's ES-module
 * build imports `Redis` by name from ioredis 5's CommonJS). `name` keeps their records apart.
 */
function ioredisRunBody(suffix: string): string {
  return `async function twice(name, store) {
  let runs = 0;
  const handler = makeIdempotent(async function chargeOnIoredis5(event) { runs += 1; return { id: event.id, run: runs }; }, { key: 'id', store, name });
  const id = String(Math.random());
  const first = await handler({ id });
  const replay = await handler({ id });
  return { runs, same: JSON.stringify(first) === JSON.stringify(replay) };
}
async function main() {
  const client = new Redis(process.env.REDIS_URL, { commandTimeout: 2000, maxRetriesPerRequest: 1 });
  const own = await twice('ownClient${suffix}', new RedisStore(client));
  await client.quit();
  const fromUrl = new RedisStore(process.env.REDIS_URL);
  const url = await twice('fromUrl${suffix}', fromUrl);
  await fromUrl.close();
  const seen = require(require.resolve('ioredis/package.json', { paths: [dirname(require.resolve('lambda-idempotency'))] })).version;
  return { own, url, ioredis: seen };
}
`;
}
const ioredisRun = `const { Redis } = require('ioredis');
const { dirname } = require('node:path');
const { makeIdempotent, RedisStore } = require('lambda-idempotency');
${ioredisRunBody('')}
main().then((out) => console.log(JSON.stringify(out)), (err) => { console.error(err); process.exit(1); });
`;
const ioredisRunEsm = `import { Redis } from 'ioredis';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { makeIdempotent, RedisStore } from 'lambda-idempotency';
const require = createRequire(import.meta.url);
${ioredisRunBody('Esm')}
console.log(JSON.stringify({ ...(await main()), esm: import.meta.resolve('lambda-idempotency').endsWith('/dist/esm/index.mjs') }));
`;

describe('the packed package, installed with npm', () => {
  const tmp = tempDir('lambda-idempotency-packed-');
  const project = join(tmp.path, 'project');
  const onIoredis5 = IOREDIS_5.map((_, i) => join(tmp.path, `ioredis5-${i}`));
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
    for (const dir of [project, ...onIoredis5]) mkdirSync(dir);
    const tarball = await packInto(tmp.path);
    await Promise.all([
      installProject(project, tarball, [asInstalled('@types/node'), asInstalled('ioredis'), asInstalled('@aws-sdk/client-dynamodb')]),
      ...IOREDIS_5.map((version, i) => installProject(onIoredis5[i]!, tarball, [asInstalled('@types/node'), `ioredis@${version}`])),
    ]);
    writeFiles(project, { 'consumer.ts': consumer, 'consumer.mts': consumer, 'consumer.cts': consumer });
    Object.values(MODES).forEach((mode, i) => writeFiles(project, { [`tsconfig.${i}.json`]: tsconfig(mode) }));
    for (const dir of onIoredis5) writeFiles(dir, { 'consumer.ts': ioredisConsumer, 'run.cjs': ioredisRun, 'run.mjs': ioredisRunEsm, 'tsconfig.json': tsconfig(Object.values(MODES)[0]!) });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    tmp.remove();
  });

  it.each(Object.keys(MODES).map((name, i) => [name, i]))('resolves every entry point with types under %s', async (_name, i) => {
    expect(await tscErrors(project, `tsconfig.${i}.json`)).toBe('');
  });

  it('loads every entry point from require and from import, with the same exports', async () => {
    const list = JSON.stringify(specifiers);
    const required = JSON.parse(await run(node, ['-e', `console.log(JSON.stringify(${list}.map((s) => Object.keys(require(s)).sort())))`], { cwd: project })) as string[][];
    const imported = JSON.parse(await run(node, ['--input-type=module', '-e', `console.log(JSON.stringify(await Promise.all(${list}.map(async (s) => Object.keys(await import(s)).filter((k) => k !== 'default' && k !== '__esModule').sort()))))`], { cwd: project })) as string[][];
    expect(required.every((keys) => keys.length > 0)).toBe(true);
    expect(imported).toEqual(required);
  });

  it.each(IOREDIS_5.map((version, i) => [version, i]))('type-checks a project on ioredis %s passing its own clients to RedisStore', async (_version, i) => {
    expect(await tscErrors(onIoredis5[i]!, 'tsconfig.json')).toBe('');
  });

  it.each(IOREDIS_5.map((version, i) => [version, i]))("runs on the project's ioredis %s, one copy of ioredis shared with the package", async (version, i) => {
    const out = lastJson(await run(node, ['run.cjs'], { cwd: onIoredis5[i]!, env: { REDIS_URL: server.url } }));
    expect(out).toEqual({ own: { runs: 1, same: true }, url: { runs: 1, same: true }, ioredis: expect.stringMatching(/^5\./) });
    if (!version.startsWith('^')) expect(out.ioredis).toBe(version);
  });

  it.each(IOREDIS_5.map((version, i) => [version, i]))("runs its ES modules on the project's ioredis %s (a named import from ioredis' CommonJS)", async (version, i) => {
    const out = lastJson(await run(node, ['run.mjs'], { cwd: onIoredis5[i]!, env: { REDIS_URL: server.url } }));
    expect(out).toEqual({ own: { runs: 1, same: true }, url: { runs: 1, same: true }, ioredis: expect.stringMatching(/^5\./), esm: true });
    if (!version.startsWith('^')) expect(out.ioredis).toBe(version);
  });
});
