import { build, stop } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';
import { useRedisServer } from '../helpers/redisFixture';
import { lastJson, run } from '../helpers/run';

/**
 * Sibling handlers inheriting one decorated method (`OrderCreatedHandler.handle` calling
 * `this.process()`), deployed as separate functions, both subscribed to one event and sharing one
 * Redis: each is its own child node process here, from an esbuild bundle (minified, names kept,
 * as SAM/CDK bundle). Under the declaring class's namespace both wrote
 * `OrderCreatedHandler.handle:<hash>`, and whichever ran second replayed the other's result and
 * never ran its own process(). No in-process check can see this; only per-class namespaces fix it.
 */
const FIXTURE = join(ROOT, 'spec/helpers/fanOutHandlers.ts');

// Loads the bundle and prints what main() returned, or the error.
const RUNNER = `
require(process.argv[1]).main().then(
  (out) => console.log(JSON.stringify(out)),
  (err) => console.log(JSON.stringify({ error: { name: err.name, message: err.message } })),
);`;

interface Outcome {
  readonly results?: string[];
  readonly ran?: string[];
  readonly key?: string;
  readonly error?: { readonly name: string; readonly message: string };
}

describe('sibling handlers inheriting one decorated method, each in its own process on one Redis', () => {
  const redis = useRedisServer();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'idempotency-fanout-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stop(); // esbuild's service process would otherwise outlive this file
  });

  async function bundle(dialect: 'legacy' | 'standard'): Promise<string> {
    const outfile = join(dir, `${dialect}.js`);
    await build({
      entryPoints: [FIXTURE],
      outfile,
      bundle: true,
      minify: true,
      keepNames: true,
      packages: 'external',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'silent',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: dialect === 'legacy' } },
    });
    return outfile;
  }

  async function handle(file: string, handler: string, orderId: string): Promise<Outcome> {
    const env = { HANDLER: handler, ORDER_ID: orderId, REDIS_URL: redis.server.url, NODE_PATH: join(ROOT, 'node_modules') };
    return lastJson(await run(process.execPath, ['-e', RUNNER, file], { cwd: dir, env })) as Outcome;
  }

  it.each(['legacy', 'standard'] as const)('%s decorators: each runs its own process() once for the same event, and never replays the other\'s result', async (dialect) => {
    const file = await bundle(dialect);
    const orderId = `o-${dialect}`;
    const email = await handle(file, 'SendEmail', orderId);
    const invoice = await handle(file, 'CreateInvoice', orderId);
    // The second process runs its own code: no replay of the first one's result.
    expect(email).toMatchObject({ results: [`email sent for ${orderId}`, `email sent for ${orderId}`], ran: ['email'] });
    expect(invoice).toMatchObject({ results: [`invoice created for ${orderId}`, `invoice created for ${orderId}`], ran: ['invoice'] });
    expect(email.key).toMatch(/^idempotency:SendEmail\/OrderCreatedHandler\.handle:[0-9a-f]{64}$/);
    expect(invoice.key).toMatch(/^idempotency:CreateInvoice\/OrderCreatedHandler\.handle:[0-9a-f]{64}$/);
    // Each wrote its own record, under the key idempotencyKeyFor names, and a retry in a new
    // process (another container) replays its own result.
    await expect(redis.admin.exists(email.key as string, invoice.key as string)).resolves.toBe(2);
    await expect(handle(file, 'SendEmail', orderId)).resolves.toMatchObject({ results: [`email sent for ${orderId}`, `email sent for ${orderId}`], ran: [] });
    await expect(handle(file, 'CreateInvoice', orderId)).resolves.toMatchObject({ results: [`invoice created for ${orderId}`, `invoice created for ${orderId}`], ran: [] });
  });
});
