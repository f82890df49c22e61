import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { OPTION_NAMES, OPTION_TABLE, type OptionName, type OptionRow } from '../../lib/core/optionTable';
import { jsonSerializer, richSerializer } from '../../lib/core/serializer';

/**
 * The `@default` of each option in lib/core/options.ts is what users read; the option table is what
 * runs. These tests keep the two equal, so the docs cannot drift from the code.
 */

const OPTIONS_FILE = join(__dirname, '../../lib/core/options.ts');

/** Defaults that are not literal values, and why their `@default` is prose. */
const PROSE_DEFAULTS: Partial<Record<OptionName, string>> = {
  logger: 'built on first use (defaultFrom), from the environment: a Powertools Logger',
  name: 'given by the wrapper: `Class.method`, or the function name',
};

/** Values a `@default` names by their export name. */
const NAMED_VALUES: Record<string, unknown> = { jsonSerializer, richSerializer };

/** The `@default` text of each property of the option interfaces (`undefined`: no tag). */
function documentedDefaults(): Map<string, string | undefined> {
  const source = ts.createSourceFile(OPTIONS_FILE, readFileSync(OPTIONS_FILE, 'utf8'), ts.ScriptTarget.Latest, true);
  const docs = new Map<string, string | undefined>();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) || !['IdempotencyDefaults', 'IdempotencyOptions'].includes(statement.name.text)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue;
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
      docs.set(member.name.getText(source), tag === undefined ? undefined : ts.getTextOfJSDocComment(tag.comment)?.trim());
    }
  }
  return docs;
}

/** How a default reads in a `@default`: a literal as written in code, an exported value by its name. */
function asDocumented(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value}'`;
  return Object.keys(NAMED_VALUES).find((name) => NAMED_VALUES[name] === value);
}

const docs = documentedDefaults();
const row = (name: OptionName): OptionRow<unknown> => OPTION_TABLE[name];
const withDefault = OPTION_NAMES.filter((name) => 'default' in row(name));
const withoutDefault = OPTION_NAMES.filter((name) => !('default' in row(name)) && PROSE_DEFAULTS[name] === undefined);

describe('the @default of each option agrees with the option table', () => {
  it('documents every option of the table, and no other, each with a @default', () => {
    expect([...docs.keys()].sort()).toEqual([...OPTION_NAMES].sort());
    for (const [name, text] of docs) expect({ name, documented: text !== undefined && text !== '' }).toEqual({ name, documented: true });
  });

  it.each(withDefault)('%s: the @default begins with the table default', (name) => {
    const expected = asDocumented(row(name).default);
    expect(expected).toBeDefined(); // a default that is neither a literal nor a named export needs an entry in PROSE_DEFAULTS
    expect(docs.get(name)?.split(/\s/)[0]).toBe(expected);
  });

  it.each(withoutDefault)('%s: without a table default, the @default names no value', (name) => {
    const text = docs.get(name) as string;
    const firstWord = text.split(/\s/)[0] as string;
    expect(/^(\d|'|"|true\b|false\b)/.test(text) || firstWord in NAMED_VALUES).toBe(false);
  });

  it('leaseSeconds: the @default gives the lease used without a Lambda context', () => {
    expect(docs.get('leaseSeconds')).toMatch(new RegExp(`, else ${String(row('leaseSeconds').withoutContext)}$`));
  });

  it.each(Object.keys(PROSE_DEFAULTS) as OptionName[])('%s: a prose @default is a listed exception for an option with no literal default', (name) => {
    expect('default' in row(name)).toBe(false);
    expect(docs.get(name)).toBeDefined();
  });

  it('the logger default is built when first needed, not at load time', () => {
    expect(typeof row('logger').defaultFrom).toBe('function');
  });
});
