import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { IdempotencyCompletionError, IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyResultError, IdempotencyStoreError, makeIdempotent } from '../../../lib';
import { randomUUID } from 'node:crypto';
import { DynamoDBStore } from '../../../lib/stores/dynamodb';
import { hashValue, recordKeyPrefix } from '../../../lib/core/key/key';
import { startDynalite, type Dynalite } from '../../helpers/dynalite';
import { CaptureLogger } from '../../helpers/logger';

// What a misconfigured table or a foreign item does. The rule: an outage may fail open
// (onStoreError: 'continue'); a configuration mistake or an unreadable record never does, since
// running unprotected "for now" would be forever.

let dynalite: Dynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
  await dynalite.createTable('idempotency');
  await dynalite.createTable('single-table', 'sk');
});
afterAll(() => dynalite.stop());

function failOpenCharge(store: DynamoDBStore, logger = new CaptureLogger()) {
  const runs = { count: 0 };
  const charge = makeIdempotent(
    async function charge(event: { orderId: string }) {
      runs.count++;
      return { charged: event.orderId };
    },
    { key: 'orderId', store, logger, onStoreError: 'continue', name: 'charge' }, // a function per test: the name is explicit
  );
  return { charge, runs, logger };
}

describe('DynamoDBStore misconfiguration', () => {
  it.each([
    ['a table that does not exist (a typo)', () => new DynamoDBStore({ tableName: 'idempotency-typo', client: dynalite.client() }), 'ResourceNotFoundException'],
    ['a table with another key schema', () => new DynamoDBStore({ tableName: 'single-table', client: dynalite.client() }), 'ValidationException'],
    ['a wrong sort-key attribute name', () => new DynamoDBStore({ tableName: 'single-table', client: dynalite.client(), keyAttr: 'pk', sortKeyAttr: 'sortKey' }), 'ValidationException'],
  ])('%s is an IdempotencyConfigError that never fails open, and the log line names the SDK error', async (_, make, sdkName) => {
    const { charge, runs, logger } = failOpenCharge(make());
    for (let i = 0; i < 3; i++) {
      const err = await charge({ orderId: 'order-1' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IdempotencyConfigError);
      expect((err as Error).message).toContain(sdkName);
    }
    expect(runs.count).toBe(0);
    const line = logger.lines.find((l) => l.attributes.decision === 'store_error');
    expect(line?.attributes.error).toMatchObject({ name: 'IdempotencyConfigError', code: 'IDEMPOTENCY_CONFIG' });
    expect(line?.attributes.error?.message).toContain(sdkName);
    expect(logger.decisions()).not.toContain('fail_open');
  });

  it('maps access denied (an IAM policy without the table) to IdempotencyConfigError naming the missing permission fix', async () => {
    const denied = Object.assign(new Error('User: arn:aws:sts::1:assumed-role/fn is not authorized to perform: dynamodb:PutItem'), { name: 'AccessDeniedException' });
    const client = { send: jest.fn(async () => Promise.reject(denied)) } as unknown as DynamoDBClient;
    const { charge, runs } = failOpenCharge(new DynamoDBStore({ tableName: 'idempotency', client }));
    const err = (await charge({ orderId: 'order-1' }).catch((e: unknown) => e)) as IdempotencyConfigError;
    expect(err).toBeInstanceOf(IdempotencyConfigError);
    expect(err.message).toMatch(/AccessDeniedException.*dynamodb:PutItem/s);
    expect(err.message).toMatch(/GetItem.*PutItem.*UpdateItem.*DeleteItem/s);
    expect(err.cause).toBe(denied);
    expect(runs.count).toBe(0);
  });

  it.each([
    ['no credentials', () => new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'eu-west-1', maxAttempts: 1, credentials: async () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })) })],
    ['no region', () => new DynamoDBClient({ endpoint: dynalite.endpoint, maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })],
  ])('a client with %s is an IdempotencyConfigError that never fails open', async (_, makeClient) => {
    const region = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const { charge, runs } = failOpenCharge(new DynamoDBStore({ tableName: 'idempotency', client: makeClient() }));
      for (let i = 0; i < 2; i++) await expect(charge({ orderId: 'order-1' })).rejects.toBeInstanceOf(IdempotencyConfigError);
      expect(runs.count).toBe(0);
    } finally {
      if (region !== undefined) process.env.AWS_REGION = region;
    }
  });

  it.each(['MissingAuthenticationTokenException', 'ExpiredTokenException'])('maps %s to IdempotencyConfigError', async (name) => {
    const client = { send: async () => Promise.reject(Object.assign(new Error('The security token is invalid'), { name })) } as unknown as DynamoDBClient;
    const { charge, runs } = failOpenCharge(new DynamoDBStore({ tableName: 'idempotency', client }));
    await expect(charge({ orderId: 'order-1' })).rejects.toBeInstanceOf(IdempotencyConfigError);
    expect(runs.count).toBe(0);
  });

  it('treats an error named after an Object.prototype member as an outage, not a configuration error', async () => {
    const client = { send: async () => Promise.reject(Object.assign(new Error('odd'), { name: 'constructor' })) } as unknown as DynamoDBClient;
    await expect(new DynamoDBStore({ tableName: 'idempotency', client }).get('k')).rejects.toBeInstanceOf(IdempotencyStoreError);
  });

  it('reports a completion the policy refuses as IdempotencyCompletionError with the result, even failing open (the method ran)', async () => {
    const client = dynalite.client();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Item?: Record<string, { S?: string }> };
        if (context.commandName === 'PutItemCommand' && input.Item?.status?.S === 'COMPLETED') {
          throw Object.assign(new Error('User is not authorized to perform: dynamodb:PutItem'), { name: 'AccessDeniedException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'denyCompletion' },
    );
    const { charge, runs } = failOpenCharge(new DynamoDBStore({ tableName: 'idempotency', client }));
    const err = (await charge({ orderId: randomUUID() }).catch((e: unknown) => e)) as IdempotencyCompletionError;
    expect(err).toBeInstanceOf(IdempotencyCompletionError);
    expect(err.result).toMatchObject({ charged: expect.any(String) });
    expect(err.cause).toBeInstanceOf(IdempotencyConfigError);
    expect(runs.count).toBe(1);
  });

  it('still fails open on an outage (a throttle or a network error), with the SDK error named in the log line', async () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });
    const client = { send: jest.fn(async () => Promise.reject(throttled)) } as unknown as DynamoDBClient;
    const { charge, runs, logger } = failOpenCharge(new DynamoDBStore({ tableName: 'idempotency', client }));
    await expect(charge({ orderId: 'order-1' })).resolves.toEqual({ charged: 'order-1' });
    expect(runs.count).toBe(1);
    expect(logger.decisions()).toEqual(['store_error', 'fail_open']);
    expect(logger.lines[0]?.attributes.error).toMatchObject({ name: 'IdempotencyStoreError', code: 'IDEMPOTENCY_STORE' });
    expect(logger.lines[0]?.attributes.error?.message).toContain('ProvisionedThroughputExceededException');
  });

  it('wraps every operation on a table that does not exist alike: IdempotencyConfigError naming the store, the operation and the fix, the SDK error as cause, never the key', async () => {
    const store = new DynamoDBStore({ tableName: 'idempotency-typo', client: dynalite.client() });
    const key = `idempotency:Orders.create:${randomUUID()}`;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['claim', () => store.claim({ key, token: 't', leaseMs: 1_000, ttlMs: 1_000 })],
      ['complete', () => store.complete({ key, token: 't', payload: '"x"', ttlMs: 1_000 })],
      ['release', () => store.release({ key, token: 't' })],
      ['renewLease', () => store.renewLease({ key, token: 't', leaseMs: 1_000 })],
      ['get', () => store.get(key)],
      ['delete', () => store.delete(key)],
    ];
    for (const [operation, call] of calls) {
      const error = (await call().catch((e: unknown) => e)) as IdempotencyConfigError;
      expect(error).toBeInstanceOf(IdempotencyConfigError);
      expect(error.code).toBe('IDEMPOTENCY_CONFIG');
      expect(error.cause).toMatchObject({ name: 'ResourceNotFoundException' });
      expect(error.message).toMatch(new RegExp(`^DynamoDBStore ${operation} failed: ResourceNotFoundException.*check \`tableName\` and the region`));
      expect(error.message).not.toContain(key);
    }
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    const flaky = new DynamoDBStore({ tableName: 'idempotency', client: { send: async () => Promise.reject(throttled) } as unknown as DynamoDBClient });
    const outage = (await flaky.get(key).catch((e: unknown) => e)) as IdempotencyStoreError;
    expect(outage).toBeInstanceOf(IdempotencyStoreError);
    expect(outage.code).toBe('IDEMPOTENCY_STORE');
    expect(outage.cause).toBe(throttled);
    expect(outage.message).toMatch(/^DynamoDBStore get failed: ThrottlingException: slow down; an outage/);
  });

  it('reports an item DynamoDB refuses as over its 400 KB limit as IdempotencyResultError, writing nothing, and holds one of maxPayloadBytes', async () => {
    const store = new DynamoDBStore({ tableName: 'idempotency', client: dynalite.client() });
    const key = `idempotency:Orders.create:${randomUUID()}`;
    await store.claim({ key, token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    // Past the engine's check (which refuses it first): the store itself still says what happened.
    const error = (await store.complete({ key, token: 't', payload: 'x'.repeat(400 * 1024), ttlMs: 60_000 }).catch((e: unknown) => e)) as IdempotencyResultError;
    expect(error).toBeInstanceOf(IdempotencyResultError);
    expect(error.code).toBe('IDEMPOTENCY_RESULT');
    expect(error.cause).toMatchObject({ name: 'ValidationException' });
    expect(error.message).toMatch(/^DynamoDBStore complete failed: DynamoDB refused the record \(ValidationException: Item size has exceeded/);
    expect(error.message).not.toContain(key);
    await expect(store.get(key)).resolves.toMatchObject({ status: 'IN_PROGRESS' });
    await expect(store.complete({ key, token: 't', payload: 'x'.repeat(store.maxPayloadBytes), ttlMs: 60_000 })).resolves.toBe(true);
  });

  it('names the store and the operation in an unreadable item\'s error, never the key', async () => {
    const client = dynalite.client();
    const key = `idempotency:Orders.create:${randomUUID()}`;
    await client.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: key }, status: { S: 'COMPLETED' } } }));
    const error = (await new DynamoDBStore({ tableName: 'idempotency', client }).get(key).catch((e: unknown) => e)) as IdempotencyCorruptRecordError;
    expect(error).toBeInstanceOf(IdempotencyCorruptRecordError);
    expect(error.code).toBe('IDEMPOTENCY_CORRUPT_RECORD');
    expect(error.message).toMatch(/^DynamoDBStore get failed: the item has no numeric `expiresAtMs` attribute .*delete the record to recover/);
    expect(error.message).not.toContain(key);
  });
});

describe('DynamoDBStore malformed items', () => {
  const foreignItems: [string, Record<string, { S: string } | { N: string }>][] = [
    ['no expiry attribute', { status: { S: 'COMPLETED' }, payload: { S: '{"paid":1}' } }],
    ['an expiry that is not a number', { status: { S: 'COMPLETED' }, payload: { S: '{"paid":1}' }, expiresAtMs: { S: 'tomorrow' } }],
    ['an in-progress claim without its expiry', { status: { S: 'IN_PROGRESS' }, token: { S: 'someone' }, leaseExpiresAtMs: { N: String(Date.now() + 60_000) } }],
  ];

  it.each(foreignItems)('an item with %s is IdempotencyCorruptRecordError: the method never runs, even failing open', async (_, attributes) => {
    const client = dynalite.client();
    const store = new DynamoDBStore({ tableName: 'idempotency', client });
    const { charge, runs } = failOpenCharge(store);
    const key = randomUUID();
    // The record key of the call below, found by letting a first call write it, then replacing it.
    await charge({ orderId: key });
    expect(runs.count).toBe(1);
    const written = recordKeyPrefix('idempotency', 'charge') + hashValue(key);
    await client.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: written }, ...attributes } }));
    for (let i = 0; i < 3; i++) await expect(charge({ orderId: key })).rejects.toBeInstanceOf(IdempotencyCorruptRecordError);
    await expect(store.get(written)).rejects.toBeInstanceOf(IdempotencyCorruptRecordError);
    expect(runs.count).toBe(1);
  });
});

describe('DynamoDBStore options', () => {
  it('keeps the default name of an attribute given as undefined', async () => {
    const store = new DynamoDBStore({ tableName: 'idempotency', client: dynalite.client(), attributes: { status: undefined, payload: 'data' } });
    await store.claim({ key: 'undefined-attr', token: 't', leaseMs: 60_000, ttlMs: 60_000 });
    await expect(store.complete({ key: 'undefined-attr', token: 't', payload: '{"ok":1}', ttlMs: 60_000 })).resolves.toBe(true);
    await expect(store.get('undefined-attr')).resolves.toMatchObject({ status: 'COMPLETED', payload: '{"ok":1}' });
  });
});
