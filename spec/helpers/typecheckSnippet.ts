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

/** tsconfig.json's compiler options (legacy decorators, strict, `paths` to lib). */
function compilerOptions(): ts.CompilerOptions {
  if (options !== undefined) return options;
  const configPath = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  options = { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true, noUnusedLocals: false };
  return options;
}

/** Which decorator dialect a snippet is checked in: `legacy` (tsconfig.json) or TC39 `standard`. */
export type DecoratorDialect = 'legacy' | 'standard';

// Parsed once per process: lib and the declaration files do not change between snippets.
const parsed = new Map<string, ts.SourceFile | undefined>();

/** A compiler host that serves `fileName` from memory and every other file parsed once. */
function snippetHost(fileName: string, text: string): ts.CompilerHost {
  const host = ts.createCompilerHost(compilerOptions());
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    if (name === fileName) return ts.createSourceFile(name, text, language);
    if (!parsed.has(name)) parsed.set(name, read(name, language, ...rest));
    return parsed.get(name);
  };
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || exists(name);
  return host;
}

/**
 * Type-checks `source` preceded by `prelude` (its imports) as one module of the repository, and
 * returns its diagnostics as `line N: message`, N counted in `source` (0: in the prelude). Unused
 * declarations are allowed: an example shows a class without using every name. Decorators are
 * checked in the `legacy` dialect unless `dialect` says `standard`.
 *
 * @example
 * ```ts
 * expect(typecheckSnippet(example, "import { MemoryStore } from 'lambda-idempotency';")).toEqual([]);
 * ```
 */
export function typecheckSnippet(source: string, prelude = '', dialect: DecoratorDialect = 'legacy'): string[] {
  const fileName = join(ROOT, 'spec', '__snippet__.ts');
  const head = prelude === '' ? '' : `${prelude}\n`;
  const text = head + source;
  const programOptions = { ...compilerOptions(), experimentalDecorators: dialect === 'legacy' };
  const program = ts.createProgram([fileName], programOptions, snippetHost(fileName, text));
  const file = program.getSourceFile(fileName) as ts.SourceFile;
  const preludeLines = head.split('\n').length - 1;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line + 1 - preludeLines;
    return `line ${Math.max(line, 0)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
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
