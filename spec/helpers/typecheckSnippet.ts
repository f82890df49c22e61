import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { ROOT } from './paths';

/**
 * Documentation code, checked: the ```ts blocks of a TSDoc comment or of a Markdown file, type-checked
 * against lib with the repository's compiler options (`lambda-idempotency` resolves to lib/index.ts,
 * as in tsconfig.json's `paths`), and run when a test needs what they declare. An example that
 * drifts from the API then fails a test instead of misleading a reader.
 */

/** The ```ts (or ```typescript) blocks of a Markdown text or a comment, in order. */
export function codeBlocks(text: string): string[] {
  return [...text.matchAll(/^[ \t]*```(?:ts|typescript)[ \t]*\n([\s\S]*?)^[ \t]*```/gm)].map((m) => m[1] as string);
}

/**
 * The TSDoc comment of the declaration `name` in `file` (relative to the repository root), without
 * its comment markers (`/**`, the leading ` * `).
 */
export function tsdocOf(file: string, name: string): string {
  const path = join(ROOT, file);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const declaration = source.statements.find((s) => (ts.isInterfaceDeclaration(s) || ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name?.text === name);
  if (declaration === undefined) throw new Error(`${file} declares no ${name}`);
  const ranges = ts.getLeadingCommentRanges(source.text, declaration.getFullStart()) ?? [];
  const doc = ranges.map((r) => source.text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**')).pop();
  if (doc === undefined) throw new Error(`${name} in ${file} has no TSDoc comment`);
  return doc
    .replace(/^\/\*\*[ \t]*\n?/, '')
    .replace(/\n?[ \t]*\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^[ \t]*\* ?/, ''))
    .join('\n');
}

let options: ts.CompilerOptions | undefined;

/**
 * tsconfig.json's compiler options (legacy decorators, strict, `paths` to lib), except that unused
 * declarations and parameters are allowed: an example shows a class without using every name, and
 * a handler's `context` it does not read.
 */
function compilerOptions(): ts.CompilerOptions {
  if (options !== undefined) return options;
  const configPath = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  options = { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
  return options;
}

/** Which decorator dialect a snippet is checked in: `legacy` (tsconfig.json) or TC39 `standard`. */
export type DecoratorDialect = 'legacy' | 'standard';

// Parsed once per process: lib and the declaration files do not change between snippets.
const parsed = new Map<string, ts.SourceFile | undefined>();

/** A compiler host that serves `files` from memory and every other file parsed once. */
function snippetHost(files: ReadonlyMap<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(compilerOptions());
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, language);
    if (!parsed.has(name)) parsed.set(name, read(name, language, ...rest));
    return parsed.get(name);
  };
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || exists(name);
  return host;
}

/** One snippet of {@link typecheckSnippets}: its source, and the prelude (imports, declarations) it needs. */
export interface Snippet {
  /** A name for the diagnostics (e.g. `README.md:120`); unique among the snippets checked together. */
  readonly name: string;
  readonly source: string;
  readonly prelude?: string;
}

/**
 * Type-checks many snippets as modules of one program (one compiler run, however many snippets),
 * each `source` preceded by its `prelude`, with `ambient` (declarations such as `declare module
 * 'x'`) as one more script of the program. Returns each snippet's diagnostics as `line N: message`,
 * N counted in `source` (0: in the prelude), by name; a snippet without errors maps to `[]`.
 * Decorators are checked in the `legacy` dialect unless `dialect` says `standard`.
 *
 * @example
 * ```ts
 * const results = typecheckSnippets([{ name: 'a', source: 'const n: number = 1;' }]);
 * expect(results.get('a')).toEqual([]);
 * ```
 */
export function typecheckSnippets(snippets: readonly Snippet[], ambient = '', dialect: DecoratorDialect = 'legacy', extra: ts.CompilerOptions = {}): Map<string, string[]> {
  const files = new Map<string, string>();
  const fileOf = new Map<string, { fileName: string; preludeLines: number }>();
  snippets.forEach((snippet, index) => {
    const fileName = join(ROOT, 'spec', `__snippet_${index}__.ts`);
    const head = snippet.prelude === undefined || snippet.prelude === '' ? '' : `${snippet.prelude}\n`;
    // `export {}` keeps each snippet a module of its own, so two declaring one name do not clash.
    files.set(fileName, `${head}${snippet.source}\nexport {};\n`);
    fileOf.set(snippet.name, { fileName, preludeLines: head.split('\n').length - 1 });
  });
  const ambientName = join(ROOT, 'spec', '__snippet_ambient__.d.ts');
  if (ambient !== '') files.set(ambientName, ambient);
  const programOptions = { ...compilerOptions(), experimentalDecorators: dialect === 'legacy', ...extra };
  const program = ts.createProgram([...files.keys()], programOptions, snippetHost(files));
  const results = new Map<string, string[]>();
  for (const { name } of snippets) {
    const { fileName, preludeLines } = fileOf.get(name) as { fileName: string; preludeLines: number };
    const file = program.getSourceFile(fileName) as ts.SourceFile;
    results.set(
      name,
      [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
        const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line + 1 - preludeLines;
        return `line ${Math.max(line, 0)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
  }
  if (ambient !== '') {
    const errors = program.getSemanticDiagnostics(program.getSourceFile(ambientName));
    if (errors.length > 0) throw new Error(`The ambient declarations do not compile: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  }
  return results;
}

/**
 * Type-checks `source` preceded by `prelude` (its imports) as one module of the repository, and
 * returns its diagnostics as `line N: message`, N counted in `source` (0: in the prelude). Unused
 * declarations are allowed: an example shows a class without using every name. Decorators are
 * checked in the `legacy` dialect unless `dialect` says `standard`; `extra` compiler options (a
 * user's `exactOptionalPropertyTypes`) go over the repository's.
 *
 * @example
 * ```ts
 * expect(typecheckSnippet(example, "import { MemoryStore } from 'lambda-idempotency';")).toEqual([]);
 * ```
 */
export function typecheckSnippet(source: string, prelude = '', dialect: DecoratorDialect = 'legacy', extra: ts.CompilerOptions = {}): string[] {
  return typecheckSnippets([{ name: 'snippet', source, prelude }], '', dialect, extra).get('snippet') as string[];
}

/**
 * Runs `source` (TypeScript, transpiled to CommonJS) with `modules` as what its imports load, and
 * returns the value of each top-level class or function it declares, by name.
 *
 * @example
 * ```ts
 * const { CountingStore } = runSnippet(example, prelude, { 'lambda-idempotency': lib });
 * ```
 */
export function runSnippet(source: string, prelude: string, modules: Record<string, unknown>): Record<string, unknown> {
  const text = `${prelude}\n${source}`;
  const names = ts
    .createSourceFile('snippet.ts', text, ts.ScriptTarget.Latest)
    .statements.flatMap((s) => ((ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name !== undefined ? [s.name.text] : []));
  const exported = `${text}\n;Object.assign(exports, { ${names.join(', ')} });`;
  const js = ts.transpileModule(exported, { compilerOptions: { ...compilerOptions(), module: ts.ModuleKind.CommonJS, noEmit: false } }).outputText;
  const load = (name: string): unknown => {
    if (!(name in modules)) throw new Error(`The snippet imports ${name}, which the test does not provide`);
    return modules[name];
  };
  const exports: Record<string, unknown> = {};
  new Function('require', 'exports', js)(load, exports);
  return exports;
}
