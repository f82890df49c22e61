import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DeleteItemCommandOutput,
  type GetItemCommandOutput,
  type PutItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyResultError, IdempotencyStoreError } from '../../core/errors';
import { isResentCompletion, RecordStatus, type IdempotencyRecord } from '../../core/record';
import { toStoreError } from './dynamoDBErrors';
import { ClaimOutcome, type ClaimRequest, type ClaimResult, type IdempotencyStore } from '../IdempotencyStore';

/**
 * Options of {@link DynamoDBStore}.
 *
 * @example
 * ```ts
 * new DynamoDBStore({ tableName: 'app', keyAttr: 'pk', sortKeyAttr: 'sk', partitionKeyValue: 'IDEMPOTENCY' });
 * ```
 */
export interface DynamoDBStoreOptions {
  /** The table's name. */
  readonly tableName: string;
  /**
   * Your client; configure its timeouts for Lambda. Without one, a client with 1 s connection and
   * 2 s request timeouts and 2 attempts is created (region from the environment).
   * @default a new DynamoDBClient
   */
  readonly client?: DynamoDBClient;
  /**
   * Partition key attribute.
   * @default 'id'
   */
  readonly keyAttr?: string;
  /**
   * Sort key attribute, for single-table designs: the partition key then holds
   * `partitionKeyValue` and the sort key the record key.
   * @default none
   */
  readonly sortKeyAttr?: string;
  /**
   * Partition key value with `sortKeyAttr`.
   * @default 'idempotency'
   */
  readonly partitionKeyValue?: string;
  /**
   * Attribute DynamoDB's TTL deletes items by (epoch seconds). Enable TTL on it.
   * @default 'expiration'
   */
  readonly ttlAttr?: string;
  /**
   * Names of the record's own attributes, to fit an existing table's conventions.
   * @default { status: 'status', token: 'token', leaseExpiresAtMs: 'leaseExpiresAtMs', expiresAtMs: 'expiresAtMs', validationHash: 'validationHash', payload: 'payload' }
   */
  readonly attributes?: Partial<RecordAttributeNames>;
}

/**
 * The record's attribute names in DynamoDB.
 *
 * @example
 * ```ts
 * const names: RecordAttributeNames = { ...DEFAULT_ATTRIBUTES, payload: 'data' };
 * ```
 */
export interface RecordAttributeNames {
  readonly status: string;
  readonly token: string;
  readonly leaseExpiresAtMs: string;
  readonly expiresAtMs: string;
  readonly validationHash: string;
  readonly payload: string;
}

// DynamoDB's item limit is 400 KB including attribute names; keep a margin for the other attributes.
const MAX_PAYLOAD_BYTES = 400 * 1024 - 2 * 1024;

/**
 * The default attribute names of a record.
 *
 * @example
 * ```ts
 * new DynamoDBStore({ tableName: 't', attributes: { ...DEFAULT_ATTRIBUTES, payload: 'data' } });
 * ```
 */
export const DEFAULT_ATTRIBUTES: RecordAttributeNames = {
  status: 'status',
  token: 'token',
  leaseExpiresAtMs: 'leaseExpiresAtMs',
  expiresAtMs: 'expiresAtMs',
  validationHash: 'validationHash',
  payload: 'payload',
};

type Item = Record<string, AttributeValue>;

/**
 * The table definition the store expects, for `CreateTableCommand`, CDK or tests (on-demand
 * billing). Enable TTL on `ttlAttr` separately (`UpdateTimeToLive`).
 *
 * @example
 * ```ts
 * await client.send(new CreateTableCommand(dynamoDBTableDefinition({ tableName: 'idempotency' })));
 * ```
 */
export function dynamoDBTableDefinition(options: Pick<DynamoDBStoreOptions, 'tableName' | 'keyAttr' | 'sortKeyAttr'>): CreateTableCommandInput {
  const keyAttr = options.keyAttr ?? 'id';
  return {
    TableName: options.tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: keyAttr, KeyType: 'HASH' }, ...(options.sortKeyAttr ? [{ AttributeName: options.sortKeyAttr, KeyType: 'RANGE' as const }] : [])],
    AttributeDefinitions: [{ AttributeName: keyAttr, AttributeType: 'S' }, ...(options.sortKeyAttr ? [{ AttributeName: options.sortKeyAttr, AttributeType: 'S' as const }] : [])],
  };
}

function isConditionFailure(err: unknown): err is Error & { Item?: Item } {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * Stores records in DynamoDB with the same semantics as `RedisStore`: a claim is one conditional
 * `PutItem` (create, or take over an expired lease; on conflict DynamoDB returns the existing item
 * with `ReturnValuesOnConditionCheckFailure`, else one consistent read); complete, release and
 * renew are conditional on the owner token. Leases and expiry use the callers' clocks (DynamoDB has
 * none); expiry is checked on read, since DynamoDB's TTL deletes items lazily.
 *
 * @example
 * ```ts
 * import { DynamoDBStore } from 'lambda-idempotency/dynamodb';
 * configureIdempotency({ store: new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! }) });
 * ```
 */
export class DynamoDBStore implements IdempotencyStore {
  /** The DynamoDB client in use. */
  readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly keyAttr: string;
  private readonly sortKeyAttr: string | undefined;
  private readonly partitionKeyValue: string;
  private readonly ttlAttr: string;
  private readonly a: RecordAttributeNames;

  constructor(options: DynamoDBStoreOptions) {
    if (options === null || typeof options !== 'object' || typeof options.tableName !== 'string' || options.tableName.length < 3) {
      throw new IdempotencyConfigError('Expected `tableName` (3 to 255 characters) in the DynamoDBStore options.');
    }
    this.tableName = options.tableName;
    this.keyAttr = options.keyAttr ?? 'id';
    this.sortKeyAttr = options.sortKeyAttr;
    this.partitionKeyValue = options.partitionKeyValue ?? 'idempotency';
    this.ttlAttr = options.ttlAttr ?? 'expiration';
    // An attribute given as `undefined` keeps its default name (as every other option does).
    this.a = { ...DEFAULT_ATTRIBUTES, ...Object.fromEntries(Object.entries(options.attributes ?? {}).filter(([, name]) => name !== undefined)) };
    const names = [this.keyAttr, this.sortKeyAttr, this.ttlAttr, ...Object.values(this.a)].filter((n): n is string => n !== undefined);
    for (const name of names) {
      if (typeof name !== 'string' || name === '') throw new IdempotencyConfigError('DynamoDBStore attribute names must be non-empty strings.');
      if (names.indexOf(name) !== names.lastIndexOf(name)) throw new IdempotencyConfigError(`DynamoDBStore attribute name ${JSON.stringify(name)} is used twice (the record itself uses ${Object.values(this.a).join(', ')}); choose another.`);
    }
    this.client = options.client ?? new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } });
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    // Timeline this condition prevents: A reads "absent" → B writes a claim → A overwrites B's
    // claim. The write itself decides: absent, expired, or a claim whose lease has ended.
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      const leaseExpiresAtMs = now + request.leaseMs;
      const expiresAtMs = now + Math.max(request.ttlMs, request.leaseMs);
      try {
        const out = await this.send(
          'claim',
          key,
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              ...this.key(key),
              [this.a.status]: { S: RecordStatus.InProgress },
              [this.a.token]: { S: request.token },
              [this.a.leaseExpiresAtMs]: { N: String(leaseExpiresAtMs) },
              [this.a.expiresAtMs]: { N: String(expiresAtMs) },
              [this.ttlAttr]: { N: String(Math.ceil(expiresAtMs / 1000)) },
              ...(request.validationHash === undefined ? {} : { [this.a.validationHash]: { S: request.validationHash } }),
            },
            ConditionExpression: 'attribute_not_exists(#k) OR #e <= :now OR (#s = :progress AND #l <= :now)',
            ExpressionAttributeNames: { '#k': this.keyAttr, '#e': this.a.expiresAtMs, '#s': this.a.status, '#l': this.a.leaseExpiresAtMs },
            ExpressionAttributeValues: { ':now': { N: String(now) }, ':progress': { S: RecordStatus.InProgress } },
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        const old = out.Attributes;
        const takenOver = old !== undefined && old[this.a.status]?.S === RecordStatus.InProgress && Number(old[this.a.expiresAtMs]?.N) > now;
        return { outcome: takenOver ? ClaimOutcome.TakenOver : ClaimOutcome.Claimed, leaseExpiresAtMs };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // One request where DynamoDB returns the item that failed the condition; a consistent read
        // where it does not (older endpoints, dynalite).
        const item = err.Item ?? (await this.read(key));
        const nowMs = Date.now();
        if (item !== undefined && this.expiresAtMs(key, item) > nowMs) {
          const record = this.decode(key, item);
          return { outcome: ClaimOutcome.Existing, record, nowMs, ...(record.status === RecordStatus.Completed ? { expiresAtMs: Number(item[this.a.expiresAtMs]?.N) } : {}) };
        }
        // The item went away (or expired) between the write and the read: try again.
        if (attempt >= 2) throw new IdempotencyStoreError(`The DynamoDB claim for ${key} kept conflicting with a record that vanished; retry.`);
      }
    }
  }

  async complete(key: string, token: string, payload: string | undefined, validationHash: string | undefined, ttlMs: number): Promise<boolean> {
    if (payload !== undefined && payload.length > MAX_PAYLOAD_BYTES / 3 && Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      throw new IdempotencyResultError(
        `The result is ${Buffer.byteLength(payload)} bytes, over what a DynamoDB item holds (400 KB); return less data, or set maxResultBytes below ${MAX_PAYLOAD_BYTES} to fail before the method's result is written.`,
      );
    }
    const now = Date.now();
    const expiresAtMs = now + ttlMs;
    try {
      await this.send(
        'completion',
        key,
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(key),
            [this.a.status]: { S: RecordStatus.Completed },
            // Kept, so that a retried completion recognizes its own first write.
            [this.a.token]: { S: token },
            [this.a.expiresAtMs]: { N: String(expiresAtMs) },
            [this.ttlAttr]: { N: String(Math.ceil(expiresAtMs / 1000)) },
            ...(validationHash === undefined ? {} : { [this.a.validationHash]: { S: validationHash } }),
            ...(payload === undefined ? {} : { [this.a.payload]: { S: payload } }),
          },
          // Our own claim; or no live record at all (our lease ended, its item expired or was deleted,
          // and nobody claimed since): the method ran, so its result is recorded, as on Redis.
          ConditionExpression: 'attribute_not_exists(#k) OR #e <= :now OR (#s = :progress AND #t = :token)',
          ExpressionAttributeNames: { '#k': this.keyAttr, '#e': this.a.expiresAtMs, '#s': this.a.status, '#t': this.a.token },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':progress': { S: RecordStatus.InProgress }, ':token': { S: token } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Timeline: our completion lands → its response is lost → the SDK retries it → the item is
      // our own write: stored. Anything else (another caller's claim or result) refuses ours.
      const item = err.Item ?? (await this.read(key));
      return item !== undefined && this.isCompletionOf(item, token, payload, validationHash);
    }
  }

  async release(key: string, token: string): Promise<boolean> {
    return this.conditional('release', key, new DeleteItemCommand({ TableName: this.tableName, Key: this.key(key), ...this.ownedBy(token) }));
  }

  async renewLease(key: string, token: string, leaseMs: number): Promise<boolean> {
    const lease = Date.now() + leaseMs;
    const owned = this.ownedBy(token);
    return this.conditional(
      'lease renewal',
      key,
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(key),
        UpdateExpression: 'SET #l = :lease, #e = :lease, #ttl = :ttl',
        ConditionExpression: owned.ConditionExpression,
        ExpressionAttributeNames: { ...owned.ExpressionAttributeNames, '#l': this.a.leaseExpiresAtMs, '#e': this.a.expiresAtMs, '#ttl': this.ttlAttr },
        ExpressionAttributeValues: { ...owned.ExpressionAttributeValues, ':lease': { N: String(lease) }, ':ttl': { N: String(Math.ceil(lease / 1000)) } },
      }),
    );
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.read(key);
    if (item === undefined || this.expiresAtMs(key, item) <= Date.now()) return undefined;
    return this.decode(key, item);
  }

  async delete(key: string): Promise<boolean> {
    const out = await this.send('delete', key, new DeleteItemCommand({ TableName: this.tableName, Key: this.key(key), ReturnValues: 'ALL_OLD' }));
    // A foreign item without a readable expiry is deleted too (that is how one recovers from it).
    return out.Attributes !== undefined && !(Number(out.Attributes[this.a.expiresAtMs]?.N) <= Date.now());
  }

  private key(key: string): Item {
    return this.sortKeyAttr === undefined ? { [this.keyAttr]: { S: key } } : { [this.keyAttr]: { S: this.partitionKeyValue }, [this.sortKeyAttr]: { S: key } };
  }

  private isCompletionOf(item: Item, token: string, payload: string | undefined, validationHash: string | undefined): boolean {
    const a = this.a;
    if (item[a.status]?.S !== RecordStatus.Completed) return false;
    return isResentCompletion({ status: RecordStatus.Completed, token: item[a.token]?.S, payload: item[a.payload]?.S, validationHash: item[a.validationHash]?.S }, token, payload, validationHash);
  }

  private ownedBy(token: string) {
    return {
      ConditionExpression: '#s = :progress AND #t = :token',
      ExpressionAttributeNames: { '#s': this.a.status, '#t': this.a.token } as Record<string, string>,
      ExpressionAttributeValues: { ':progress': { S: RecordStatus.InProgress }, ':token': { S: token } } as Item,
    };
  }

  private async conditional(operation: string, key: string, command: PutItemCommand | DeleteItemCommand | UpdateItemCommand): Promise<boolean> {
    try {
      await this.send(operation, key, command);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Sends a command; every error but a failed condition (the callers' answer) becomes a library error. */
  private send(operation: string, key: string, command: GetItemCommand): Promise<GetItemCommandOutput>;
  private send(operation: string, key: string, command: PutItemCommand): Promise<PutItemCommandOutput>;
  private send(operation: string, key: string, command: DeleteItemCommand): Promise<DeleteItemCommandOutput>;
  private send(operation: string, key: string, command: PutItemCommand | DeleteItemCommand | UpdateItemCommand): Promise<unknown>;
  private async send(operation: string, key: string, command: PutItemCommand | DeleteItemCommand | UpdateItemCommand | GetItemCommand): Promise<unknown> {
    try {
      // The SDK has one `send` overload per command class; a union is sent as one of them.
      return await this.client.send(command as PutItemCommand);
    } catch (err) {
      if (isConditionFailure(err)) throw err;
      throw toStoreError(err, operation, key);
    }
  }

  private async read(key: string): Promise<Item | undefined> {
    const out = await this.send('read', key, new GetItemCommand({ TableName: this.tableName, Key: this.key(key), ConsistentRead: true }));
    return out.Item;
  }

  /**
   * The item's expiry. An item without a numeric one was not written by this library (or was
   * edited): an unreadable record, never an outage, so `onStoreError: 'continue'` cannot re-run
   * a method over it.
   */
  private expiresAtMs(key: string, item: Item): number {
    const expiresAtMs = Number(item[this.a.expiresAtMs]?.N);
    if (Number.isFinite(expiresAtMs)) return expiresAtMs;
    throw new IdempotencyCorruptRecordError(`The DynamoDB item for ${key} has no numeric \`${this.a.expiresAtMs}\` attribute (it was not written by lambda-idempotency, or was edited); delete it to recover.`);
  }

  private decode(key: string, item: Item): IdempotencyRecord {
    const status = item[this.a.status]?.S;
    const validationHash = item[this.a.validationHash]?.S;
    const token = item[this.a.token]?.S;
    if (status === RecordStatus.Completed) return { status, ...(token === undefined ? {} : { token }), validationHash, payload: item[this.a.payload]?.S };
    const leaseExpiresAtMs = Number(item[this.a.leaseExpiresAtMs]?.N);
    if (status === RecordStatus.InProgress && token !== undefined && Number.isSafeInteger(leaseExpiresAtMs)) {
      return { status, token, leaseExpiresAtMs, validationHash };
    }
    throw new IdempotencyCorruptRecordError(`The DynamoDB item for ${key} was not written by lambda-idempotency (or is incomplete); delete it to recover.`);
  }
}
