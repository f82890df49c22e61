import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/paths';

/**
 * The shape a newcomer relies on: lib/ in layers whose imports only point down, no import cycles,
 * and files and functions short enough to read. Layers, lowest first (ARCHITECTURE.md, README "Files"):
 *   core (+ the store contract) → stores → engine → wrapper → decorators → integrations, cli → index
 */
const LIB = join(ROOT, 'lib');

const LAYERS: ReadonlyArray<readonly [rank: number, test: (file: string) => boolean]> = [
  [0, (f) => f.startsWith('core/') || f === 'stores/IdempotencyStore.ts'],
  [1, (f) => f.startsWith('stores/')],
  [2, (f) => f.startsWith('engine/')],
  [3, (f) => f.startsWith('wrapper/')],
  [4, (f) => f.startsWith('decorators/')],
  [5, (f) => f.startsWith('integrations/') || f.startsWith('cli/')],
  [6, (f) => f === 'index.ts'],
];

/** Over the limits, each with the reason it must be so. */
const LONG_FILES: Record<string, string> = {
  'core/errors.ts': 'one errors.ts by house rule: every error class and its fix-it message in one place',
};
const LONG_FUNCTIONS: Record<string, string> = {};

function rankOf(file: string): number {
  const layer = LAYERS.find(([, test]) => test(file));
  if (layer === undefined) throw new Error(`${file} is in no layer: add its folder to LAYERS`);
  return layer[0];
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (name.endsWith('.ts')) yield relative(LIB, path);
  }
}

interface Parsed {
  readonly file: string;
  readonly source: ts.SourceFile;
  /** lib-relative files this one imports at run time (type-only imports left out). */
  readonly valueImports: string[];
  readonly imports: string[];
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = join(dirname(join(LIB, from)), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return relative(LIB, candidate);
    } catch {
      // not this candidate
    }
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly);
}

function parse(file: string): Parsed {
  const source = ts.createSourceFile(file, readFileSync(join(LIB, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const valueImports: string[] = [];
  for (const node of source.statements) {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const target = resolveImport(file, node.moduleSpecifier.text);
      if (target === undefined) continue;
      imports.push(target);
      if (!isTypeOnly(node)) valueImports.push(target);
    }
  }
  return { file, source, imports, valueImports };
}

const files = [...sources(LIB)].sort().map(parse);

describe('the layout of lib/', () => {
  it('imports only point down the layers', () => {
    const upward = files.flatMap(({ file, imports }) => imports.filter((target) => rankOf(target) > rankOf(file)).map((target) => `${file} → ${target}`));
    expect(upward).toEqual([]);
  });

  it('has no import cycle at run time', () => {
    const graph = new Map(files.map((f) => [f.file, f.valueImports]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps files under ~250 lines, except those that say why', () => {
    const long = files.filter(({ file, source }) => source.getLineAndCharacterOfPosition(source.end).line + 1 > 260 && !(file in LONG_FILES));
    expect(long.map(({ file, source }) => `${file}: ${source.getLineAndCharacterOfPosition(source.end).line + 1} lines`)).toEqual([]);
  });

  it('keeps functions under ~60 lines, except those that say why', () => {
    const long: string[] = [];
    for (const { file, source } of files) {
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
          const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const last = source.getLineAndCharacterOfPosition(node.end).line;
          const name = `${file}:${first + 1} ${node.name?.getText() ?? '<anonymous>'}`;
          if (last - first + 1 > 62 && !(`${file} ${node.name?.getText() ?? ''}` in LONG_FUNCTIONS)) long.push(`${name}: ${last - first + 1} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});
