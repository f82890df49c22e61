import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DeleteItemCommandOutput,
  type GetItemCommandOutput,
  type PutItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { RecordStatus, type IdempotencyRecord } from '../../core/record';
import {
  ClaimOutcome,
  type ClaimRequest,
  type ClaimResult,
  type CompleteRequest,
  type IdempotencyStore,
  type ReleaseRequest,
  type RenewRequest,
} from '../IdempotencyStore';
import { storeFailure, StoreFailureKind, StoreOperation } from '../storeFailure';
import { toStoreError } from './dynamoDBErrors';
import { DynamoDBItems, type Item } from './dynamoDBItems';
import { resolveTableLayout, type DynamoDBStoreOptions, type RecordAttributeNames } from './dynamoDBOptions';

// DynamoDB's item limit is 400 KB including attribute names; 2 KB are kept for the key and the
// record's other attributes. A larger item is still refused by DynamoDB (IdempotencyResultError).
const MAX_ITEM_BYTES = 400 * 1024;
const ITEM_OVERHEAD_BYTES = 2 * 1024;

type Command = PutItemCommand | DeleteItemCommand | UpdateItemCommand;

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
  /** A DynamoDB item holds 400 KB; the key and the record's other attributes take up to 2 KB of it. */
  readonly maxPayloadBytes = MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES;
  private readonly tableName: string;
  private readonly keyAttr: string;
  private readonly ttlAttr: string;
  private readonly a: RecordAttributeNames;
  private readonly items: DynamoDBItems;

  constructor(options: DynamoDBStoreOptions) {
    const layout = resolveTableLayout(options);
    this.tableName = layout.tableName;
    this.keyAttr = layout.keyAttr;
    this.ttlAttr = layout.ttlAttr;
    this.a = layout.attributes;
    this.items = new DynamoDBItems(layout);
    this.client = options.client ?? new DynamoDBClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } });
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    // Timeline this condition prevents: A reads "absent" → B writes a claim → A overwrites B's
    // claim. The write itself decides: absent, expired, or a claim whose lease has ended.
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      const leaseExpiresAtMs = now + request.leaseMs;
      const expiresAtMs = now + Math.max(request.ttlMs, request.leaseMs);
      try {
        const out = await this.send(StoreOperation.Claim, this.claimCommand(request, now, leaseExpiresAtMs, expiresAtMs));
        const old = out.Attributes;
        const takenOver = old !== undefined && old[this.a.status]?.S === RecordStatus.InProgress && Number(old[this.a.expiresAtMs]?.N) > now;
        return { outcome: takenOver ? ClaimOutcome.TakenOver : ClaimOutcome.Claimed, leaseExpiresAtMs };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // One request where DynamoDB returns the item that failed the condition; a consistent read
        // where it does not (older endpoints, dynalite).
        const existing = this.existing(err.Item ?? (await this.read(StoreOperation.Claim, request.key)));
        if (existing !== undefined) return existing;
        // The item went away (or expired) between the write and the read: try again.
        if (attempt >= 2) throw vanished();
      }
    }
  }

  async complete(request: CompleteRequest): Promise<boolean> {
    const now = Date.now();
    try {
      await this.send(
        StoreOperation.Complete,
        new PutItemCommand({
          TableName: this.tableName,
          Item: this.items.completed(request, now + request.ttlMs),
          // Our own claim; or no live record at all (our lease ended, its item expired or was deleted,
          // and nobody claimed since): the method ran, so its result is recorded, as on Redis.
          ConditionExpression: 'attribute_not_exists(#k) OR #e <= :now OR (#s = :progress AND #t = :token)',
          ExpressionAttributeNames: { '#k': this.keyAttr, '#e': this.a.expiresAtMs, '#s': this.a.status, '#t': this.a.token },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':progress': { S: RecordStatus.InProgress }, ':token': { S: request.token } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Timeline: our completion lands → its response is lost → the SDK retries it → the item is
      // our own write: stored. Anything else (another caller's claim or result) refuses ours.
      const item = err.Item ?? (await this.read(StoreOperation.Complete, request.key));
      return item !== undefined && this.items.isCompletionOf(item, request);
    }
  }

  async release({ key, token }: ReleaseRequest): Promise<boolean> {
    return this.conditional(StoreOperation.Release, new DeleteItemCommand({ TableName: this.tableName, Key: this.items.key(key), ...this.items.ownedBy(token) }));
  }

  async renewLease({ key, token, leaseMs }: RenewRequest): Promise<boolean> {
    const lease = Date.now() + leaseMs;
    const owned = this.items.ownedBy(token);
    return this.conditional(
      StoreOperation.RenewLease,
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.items.key(key),
        UpdateExpression: 'SET #l = :lease, #e = :lease, #ttl = :ttl',
        ConditionExpression: owned.ConditionExpression,
        ExpressionAttributeNames: { ...owned.ExpressionAttributeNames, '#l': this.a.leaseExpiresAtMs, '#e': this.a.expiresAtMs, '#ttl': this.ttlAttr },
        ExpressionAttributeValues: { ...owned.ExpressionAttributeValues, ':lease': { N: String(lease) }, ':ttl': { N: String(Math.ceil(lease / 1000)) } },
      }),
    );
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const item = await this.read(StoreOperation.Get, key);
    if (item === undefined || this.items.expiresAtMs(StoreOperation.Get, item) <= Date.now()) return undefined;
    return this.items.decode(StoreOperation.Get, item);
  }

  async delete(key: string): Promise<boolean> {
    const out = await this.send(StoreOperation.Delete, new DeleteItemCommand({ TableName: this.tableName, Key: this.items.key(key), ReturnValues: 'ALL_OLD' }));
    // A foreign item without a readable expiry is deleted too (that is how one recovers from it).
    return out.Attributes !== undefined && !(Number(out.Attributes[this.a.expiresAtMs]?.N) <= Date.now());
  }

  private claimCommand(request: ClaimRequest, now: number, leaseExpiresAtMs: number, expiresAtMs: number): PutItemCommand {
    return new PutItemCommand({
      TableName: this.tableName,
      Item: this.items.inProgress(request.key, request.token, request.validationHash, leaseExpiresAtMs, expiresAtMs),
      ConditionExpression: 'attribute_not_exists(#k) OR #e <= :now OR (#s = :progress AND #l <= :now)',
      ExpressionAttributeNames: { '#k': this.keyAttr, '#e': this.a.expiresAtMs, '#s': this.a.status, '#l': this.a.leaseExpiresAtMs },
      ExpressionAttributeValues: { ':now': { N: String(now) }, ':progress': { S: RecordStatus.InProgress } },
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  }

  /** The claim's answer when a live item is there (a completed record also says when it expires). */
  private existing(item: Item | undefined): ClaimResult | undefined {
    const nowMs = Date.now();
    if (item === undefined) return undefined;
    const expiresAtMs = this.items.expiresAtMs(StoreOperation.Claim, item);
    if (expiresAtMs <= nowMs) return undefined;
    const record = this.items.decode(StoreOperation.Claim, item);
    return { outcome: ClaimOutcome.Existing, record, nowMs, ...(record.status === RecordStatus.Completed ? { expiresAtMs } : {}) };
  }

  private async conditional(operation: StoreOperation, command: Command): Promise<boolean> {
    try {
      await this.send(operation, command);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Sends a command; every error but a failed condition (the callers' answer) becomes a library error. */
  private send(operation: StoreOperation, command: GetItemCommand): Promise<GetItemCommandOutput>;
  private send(operation: StoreOperation, command: PutItemCommand): Promise<PutItemCommandOutput>;
  private send(operation: StoreOperation, command: DeleteItemCommand): Promise<DeleteItemCommandOutput>;
  private send(operation: StoreOperation, command: Command): Promise<unknown>;
  private async send(operation: StoreOperation, command: Command | GetItemCommand): Promise<unknown> {
    try {
      // The SDK has one `send` overload per command class; a union is sent as one of them.
      return await this.client.send(command as PutItemCommand);
    } catch (err) {
      if (isConditionFailure(err)) throw err;
      throw toStoreError(err, operation);
    }
  }

  private async read(operation: StoreOperation, key: string): Promise<Item | undefined> {
    const out = await this.send(operation, new GetItemCommand({ TableName: this.tableName, Key: this.items.key(key), ConsistentRead: true }));
    return out.Item;
  }
}

function vanished(): Error {
  return storeFailure({
    store: 'DynamoDBStore',
    operation: StoreOperation.Claim,
    kind: StoreFailureKind.Outage,
    reason: 'the claim kept conflicting with a record that vanished (three attempts)',
    fix: 'retry the call',
  });
}
