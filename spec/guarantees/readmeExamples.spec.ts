import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths';
import { typecheckSnippets, type Snippet } from '../helpers/typecheckSnippet';

/**
 * Every ```ts block of the README compiles under the repository's strict options, against lib (as
 * `lambda-idempotency`), in one compiler run. A block may be preceded by an HTML comment that says
 * how it is checked, invisible on GitHub:
 *
 *   <!-- typecheck
 *   prelude: <TypeScript put before the block: the imports and declarations a fragment assumes>
 *   decorators                 (the block is decorators: each one is applied to a method of a class)
 *   file: <path>               (the block is that file of the repository, byte for byte: it is
 *                               type-checked and run as that file, e.g. by jest)
 *   skip: <why it cannot be checked here>
 *   -->
 */

/** One ```ts block of the README and how it is checked. */
interface ReadmeBlock {
  /** README line of the block's first code line. */
  readonly line: number;
  readonly source: string;
  readonly prelude: string;
  readonly decorators: boolean;
  readonly file: string | undefined;
  readonly skip: string | undefined;
}

/** The ```ts blocks of a Markdown text with the `<!-- typecheck ... -->` comment ending right above each. */
function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(?:ts|typescript)\s*$/.test(lines[i] as string)) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`README.md:${i + 1}: a code block that never ends`);
    const directives = directivesAbove(lines, i);
    blocks.push({ line: i + 2, source: lines.slice(i + 1, end).join('\n'), ...directives });
    i = end;
  }
  return blocks;
}

function directivesAbove(lines: readonly string[], fence: number): Omit<ReadmeBlock, 'line' | 'source'> {
  const none = { prelude: '', decorators: false, file: undefined, skip: undefined };
  if (lines[fence - 1]?.trim() !== '-->') return none;
  const start = lines.slice(0, fence).lastIndexOf('<!-- typecheck');
  if (start < 0) throw new Error(`README.md:${fence}: an HTML comment above a ts block that is not a <!-- typecheck ... --> comment`);
  const body = lines.slice(start + 1, fence - 1);
  const value = (name: string): string[] => body.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim());
  const unknown = body.filter((l) => !/^(prelude:|file:|skip:|decorators$)/.test(l));
  if (unknown.length > 0) throw new Error(`README.md:${start + 1}: unknown typecheck directive ${JSON.stringify(unknown[0])}`);
  return { prelude: value('prelude').join('\n'), decorators: body.includes('decorators'), file: value('file')[0], skip: value('skip')[0] };
}

/** A block of decorators as a class whose methods they decorate, and the block line of each line of it. */
function decoratedClass(source: string): { source: string; lineOf: number[] } {
  const out: string[] = ['class ReadmeDecorators {'];
  const lineOf: number[] = [1];
  const lines = source.split('\n');
  lines.forEach((line, index) => {
    out.push(line);
    lineOf.push(index + 1);
    const next = lines[index + 1];
    if (next === undefined || next.startsWith('@')) {
      out.push(`  async method${out.length}(event: any): Promise<any> { return event; }`);
      lineOf.push(index + 1);
    }
  });
  out.push('}');
  lineOf.push(lines.length);
  return { source: out.join('\n'), lineOf };
}

// Modules the README imports that the root install does not have (Middy's own middlewares): only
// the shape the example uses.
const AMBIENT = `
declare module '@middy/http-cors' {
  import type { MiddlewareObj } from '@middy/core';
  export default function httpCors(options?: { origin?: string }): MiddlewareObj;
}
declare module '@middy/http-response-serializer' {
  import type { MiddlewareObj } from '@middy/core';
  export default function httpResponseSerializer(options: { serializers: ReadonlyArray<{ regex: RegExp; serializer: (response: { body: unknown }) => string }>; defaultContentType?: string }): MiddlewareObj;
}
`;

/** Type-checks the checkable blocks of `markdown` (those `only` keeps); returns `README.md:<line>: <message>` per error. */
function readmeErrors(markdown: string, only: (block: ReadmeBlock) => boolean = () => true): string[] {
  const checked = readmeBlocks(markdown).filter((b) => b.skip === undefined && b.file === undefined && only(b));
  const snippets: Array<Snippet & { toReadme: (line: number) => number }> = checked.map((block) => {
    const name = `README.md:${block.line}`;
    if (!block.decorators) return { name, source: block.source, prelude: block.prelude, toReadme: (line) => block.line + Math.max(line, 1) - 1 };
    const { source, lineOf } = decoratedClass(block.source);
    return { name, source, prelude: block.prelude, toReadme: (line) => block.line + (lineOf[Math.max(line, 1) - 1] ?? 1) - 1 };
  });
  const results = typecheckSnippets(snippets, AMBIENT);
  return snippets.flatMap((s) =>
    (results.get(s.name) ?? []).map((d) => {
      const [, line, message] = /^line (\d+): ([\s\S]*)$/.exec(d) ?? [];
      return `README.md:${s.toReadme(Number(line))}: ${message}`;
    }),
  );
}

describe('the README examples', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = readmeBlocks(readme);

  it('all compile under strict, against the library (one compiler run for every block)', () => {
    expect(blocks.filter((b) => b.skip === undefined && b.file === undefined).length).toBeGreaterThan(10);
    expect(readmeErrors(readme)).toEqual([]);
  });

  it('fail this test when a block breaks, naming the README line: a misspelt export, a missing import, a wrong option type', () => {
    const configure = 'configureIdempotency({ store: new RedisStore(process.env.REDIS_URL!) });';
    const dynamoImport = "import { configureIdempotency } from 'lambda-idempotency';\nimport { DynamoDBStore }";
    const wait = "@Idempotent({ key: 'detail.orderId', onInProgress: 'wait', waitSeconds: 10 })"; // a decorators block
    // Three blocks broken at once and checked alone: one more (smaller) compiler run, not three.
    const broken = readme
      .replace(configure, configure.replace('configureIdempotency', 'configureIdempotence'))
      .replace(dynamoImport, "import { DynamoDBStore }")
      .replace(wait, wait.replace('10', "'10'"));
    const lineOf = (text: string): number => broken.slice(0, broken.indexOf(text)).split('\n').length;
    const original = new Set(blocks.map((b) => b.source));
    const isBroken = (b: ReadmeBlock): boolean => !original.has(b.source);
    expect(readmeErrors(broken, isBroken)).toEqual([
      `README.md:${lineOf('configureIdempotence(')}: Cannot find name 'configureIdempotence'. Did you mean 'configureIdempotency'?`,
      expect.stringMatching(new RegExp(`^README\\.md:${lineOf('configureIdempotency({ store: new DynamoDBStore')}: Cannot find name 'configureIdempotency'`)),
      expect.stringMatching(new RegExp(`^README\\.md:${lineOf("waitSeconds: '10'")}: [\\s\\S]*waitSeconds: string`)),
    ]);
  });

  it('that are repository files are those files, byte for byte (the suite runs them)', () => {
    const files = blocks.filter((b) => b.file !== undefined);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const block of files) {
      const path = join(ROOT, block.file as string);
      expect(existsSync(path) ? readFileSync(path, 'utf8') : `(no file ${block.file})`).toBe(`${block.source}\n`);
    }
  });

  it('are skipped only with a written reason', () => {
    for (const block of blocks.filter((b) => b.skip !== undefined)) expect(block.skip).toMatch(/\w{3,}.*\w{3,}/);
    expect(blocks.filter((b) => b.skip !== undefined).length).toBeLessThanOrEqual(1);
  });

  it('the CDK bundling block shows the settings the CDK sample (checked by its own compiler) uses', () => {
    const cdk = blocks.find((b) => b.source.includes('new NodejsFunction')) as ReadmeBlock;
    expect(cdk.skip).toMatch(/aws-cdk-lib/);
    const sample = readFileSync(join(ROOT, 'samples/cdk/lib/paymentsFunction.ts'), 'utf8');
    expect(sample).toMatch(/minify: true/);
    expect(sample).toMatch(/keepNames: true/);
  });
});
