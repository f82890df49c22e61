import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ClaimOutcome, IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyResultError, makeIdempotent, RecordStatus } from '../../../lib';
import { DynamoDBStore } from '../../../lib/stores/dynamodb';
import { startDynalite, type Dynalite } from '../../helpers/dynalite';
import { runDuplicates } from '../../helpers/exactlyOnce';
import { describeStoreContract } from '../../helpers/storeContract';
import { CaptureLogger } from '../../helpers/logger';

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTable('idempotency');
  await dynalite.createTable('app-single-table', 'sk');
});
afterAll(() => dynalite.stop());

describeStoreContract('DynamoDBStore on dynalite', async () => ({ store: new DynamoDBStore({ tableName: 'idempotency', client: dynalite.client() }), prefix: 'contract' }), async () => undefined, {
  // A dynalite that was stopped, reached with credentials whose secret no error may show.
  async unreachable() {
    const stopped = await startDynalite();
    await stopped.stop();
    const secret = `secret-${randomUUID()}`;
    const client = new DynamoDBClient({ endpoint: stopped.endpoint, region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret } });
    return { store: new DynamoDBStore({ tableName: 'idempotency', client }), secret, close: async () => client.destroy() };
  },
});

describeStoreContract(
  'DynamoDBStore on dynalite, single-table layout (partition + sort key)',
  async () => ({ store: new DynamoDBStore({ tableName: 'app-single-table', client: dynalite.client(), keyAttr: 'pk', sortKeyAttr: 'sk', partitionKeyValue: 'IDEMPOTENCY' }), prefix: 'single' }),
  async () => undefined,
);

describeStoreContract(
  'DynamoDBStore on dynalite, custom attribute names',
  async () => ({
    store: new DynamoDBStore({ tableName: 'idempotency', client: dynalite.client(), ttlAttr: 'ttl', attributes: { status: 's', token: 'owner', payload: 'data', expiresAtMs: 'exp' } }),
    prefix: 'named',
  }),
  async () => undefined,
);

describe('DynamoDBStore', () => {
  // Sized for dynalite, not for the claim: dynalite is one JS process that serves the requests
  // for one key one at a time, so 100 keys x 50 duplicates took over 60 s on a busy 2-core machine.
  // 10 duplicates per key, all sent before any answers, still race on the conditional put (9 of
  // them must lose), over 4 clients (containers), as 50 did.
  it('runs the method once per key for 20 keys x 10 concurrent duplicates (dynalite)', async () => {
    const stores = [0, 1, 2, 3].map(() => new DynamoDBStore({ tableName: 'idempotency', client: dynalite.client() }));
    const run = await runDuplicates(stores, 20, 10, 'ddb-dup');
    expect(run.otherErrors).toEqual([]);
    expect(run.executions.size).toBe(20);
    expect([...run.executions.values()].every((n) => n === 1)).toBe(true);
    expect(run.results + run.inProgress).toBe(200);
    expect(run.wrongResults).toBe(0);
  });

  it('answers a conflicting claim from the condition failure alone when DynamoDB returns the old item (one request)', async () => {
    const send = jest.fn(async (command: unknown) => {
      if (command instanceof PutItemCommand) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { id: { S: 'k' }, status: { S: 'COMPLETED' }, payload: { S: '{"ok":true}' }, expiresAtMs: { N: String(Date.now() + 60_000) } },
        });
      }
      throw new Error(`unexpected ${String((command as object).constructor.name)}`);
    });
    const store = new DynamoDBStore({ tableName: 'idempotency', client: { send } as unknown as DynamoDBClient });
    await expect(store.claim({ key: 'k', token: 't', leaseMs: 1_000, ttlMs: 60_000 })).resolves.toMatchObject({
      outcome: ClaimOutcome.Existing,
      record: { status: RecordStatus.Completed, payload: '{"ok":true}' },
    });
    expect(send).toHaveBeenCalledTimes(1);
    const input = (send.mock.calls[0]?.[0] as PutItemCommand).input;
    expect(input).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD', ConditionExpression: expect.stringContaining('attribute_not_exists') });
    expect(send.mock.calls.some(([c]) => c instanceof GetItemCommand)).toBe(false);
  });

  it('turns a result over the 400 KB item limit into IdempotencyResultError before writing it (the engine checks store.maxPayloadBytes), keeping the claim', async () => {
    const store = new DynamoDBStore({ tableName: 'idempotency', client: dynalite.client() });
    const complete = jest.spyOn(store, 'complete');
    let runs = 0;
    const fn = makeIdempotent(async function big(_e: { id: string }) {
      runs++;
      return 'x'.repeat(500 * 1024);
    }, { key: 'id', store, logger: new CaptureLogger() });
    await expect(fn({ id: 'big' })).rejects.toThrow(new IdempotencyResultError(`big: the result is ${500 * 1024 + 2} bytes stored, over what the store holds (${store.maxPayloadBytes}); return less data. The claim is kept until its lease ends.`));
    expect(complete).not.toHaveBeenCalled();
    await expect(fn({ id: 'big' })).rejects.toThrow(/in progress/);
    expect(runs).toBe(1);
  });

  it('fails with IdempotencyCorruptRecordError over an item it did not write', async () => {
    const client = dynalite.client();
    await client.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: 'foreign' }, status: { S: 'WHATEVER' }, expiresAtMs: { N: String(Date.now() + 60_000) } } }));
    const store = new DynamoDBStore({ tableName: 'idempotency', client });
    await expect(store.claim({ key: 'foreign', token: 't', leaseMs: 1_000, ttlMs: 1_000 })).rejects.toThrow(IdempotencyCorruptRecordError);
  });

  it('validates its options', () => {
    expect(() => new DynamoDBStore({ tableName: '' })).toThrow(IdempotencyConfigError);
    expect(() => new DynamoDBStore({ tableName: 'idempotency', ttlAttr: 'status', client: dynalite.client() })).toThrow(/is used twice/);
    expect(() => new DynamoDBStore({ tableName: 'idempotency', attributes: { payload: 'token' }, client: dynalite.client() })).toThrow(/is used twice/);
  });
});
