import * as lib from '../../lib';
import { isStore, makeIdempotent, MemoryStore, resetIdempotencyConfig, type IdempotencyStore } from '../../lib';
import { CaptureLogger } from '../helpers/logger';
import { codeBlocks, runSnippet, tsdocOf, typecheckSnippet } from '../helpers/typecheckSnippet';

// What a reader copies: the interface's own example. It must compile and be a whole store.
const [example] = codeBlocks(tsdocOf('lib/stores/IdempotencyStore.ts', 'IdempotencyStore'));
const PRELUDE =
  "import { configureIdempotency, MemoryStore, type ClaimRequest, type ClaimResult, type CompleteRequest, type IdempotencyRecord, type IdempotencyStore, type ReleaseRequest, type RenewRequest } from 'lambda-idempotency';";

describe('the IdempotencyStore TSDoc example', () => {
  afterEach(() => resetIdempotencyConfig());

  it('is there, as a class', () => {
    expect(example).toMatch(/class \w+ implements IdempotencyStore/);
  });

  it('type-checks against lib', () => {
    expect(typecheckSnippet(example as string, PRELUDE)).toEqual([]);
  });

  it('declares a class that isStore accepts and that serves as a store (a repeat replays, the method runs once)', async () => {
    const { CountingStore } = runSnippet(example as string, PRELUDE, { 'lambda-idempotency': lib }) as { CountingStore: new (inner: IdempotencyStore) => IdempotencyStore & { claims: number } };
    const store = new CountingStore(new MemoryStore());
    expect(isStore(store)).toBe(true);
    let runs = 0;
    const charge = makeIdempotent(async (_event: { id: string }) => ++runs, { key: 'id', store, logger: new CaptureLogger(), name: 'charge' });
    await expect(charge({ id: 'a' })).resolves.toBe(1);
    await expect(charge({ id: 'a' })).resolves.toBe(1);
    expect(store.claims).toBe(2);
  });
});

describe('typecheckSnippet', () => {
  it('reports a type error at its line in the snippet, not counting the prelude', () => {
    const diagnostics = typecheckSnippet("const ok = 1;\nconst store: IdempotencyStore = new MemoryStore({ maxEntries: 'many' });", PRELUDE);
    expect(diagnostics).toEqual([expect.stringMatching(/^line 2: Type 'string' is not assignable to type 'number'/)]);
  });
});

describe('isStore', () => {
  const methods = { claim: async () => undefined, complete: async () => true, release: async () => true, renewLease: async () => true, get: async () => undefined, delete: async () => false };

  it('accepts each store of the library and an object with every member', () => {
    expect(isStore(new MemoryStore())).toBe(true);
    expect(isStore({ maxPayloadBytes: 1024, ...methods })).toBe(true);
  });

  it.each([
    ['renewLease', { maxPayloadBytes: 1024, ...methods, renewLease: undefined }],
    ['maxPayloadBytes', methods],
    ['a positive maxPayloadBytes', { maxPayloadBytes: 0, ...methods }],
    ['a numeric maxPayloadBytes', { maxPayloadBytes: Number.NaN, ...methods }],
  ])('refuses a store without %s', (_missing, candidate) => {
    expect(isStore(candidate)).toBe(false);
  });

  it('refuses values that are not objects', () => {
    for (const value of [null, undefined, 'store', () => undefined]) expect(isStore(value)).toBe(false);
  });
});

describe('a store written for the positional contract (before object arguments and maxPayloadBytes)', () => {
  // Every method there, as an old custom store has them, but no maxPayloadBytes.
  const oldStore = { claim: async () => undefined, complete: async () => true, release: async () => true, renewLease: async () => true, get: async () => undefined, delete: async () => false };

  it('is refused at configuration with a message that names maxPayloadBytes and the contract change', () => {
    expect(() => makeIdempotent(async (_e: { id: string }) => 1, { key: 'id', name: 'OldStore.call', store: oldStore as unknown as IdempotencyStore })).toThrow(
      /maxPayloadBytes.*store contract changed/,
    );
  });

  it('returned by a `store` function, is refused at the call with the same message, not "no store injected"', async () => {
    const fn = makeIdempotent(async (_e: { id: string }) => 1, { key: 'id', name: 'OldStore.call', store: () => oldStore as unknown as IdempotencyStore, logger: new CaptureLogger() });
    await expect(fn({ id: 'a' })).rejects.toThrow(/maxPayloadBytes.*store contract changed/);
  });
});
