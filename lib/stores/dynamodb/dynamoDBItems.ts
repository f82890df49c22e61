import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { isResentCompletion, RecordStatus, type IdempotencyRecord } from '../../core/record';
import type { CompleteRequest } from '../IdempotencyStore';
import { storeFailure, StoreFailureKind, type StoreOperation } from '../storeFailure';
import type { TableLayout } from './dynamoDBOptions';

/**
 * The item codec of `DynamoDBStore`: a record as a DynamoDB item and back, in the table's layout.
 * Expiry is kept twice: `expiresAtMs` (milliseconds, checked on every read, since DynamoDB's TTL
 * deletes items lazily) and the TTL attribute (epoch seconds, what DynamoDB deletes by).
 */

/** A DynamoDB item. */
export type Item = Record<string, AttributeValue>;

/** The condition "an in-progress record owned by `token`", for a command's input. */
export interface OwnerCondition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Item;
}

/**
 * Builds and reads the items of one table layout.
 *
 * @example
 * ```ts
 * const items = new DynamoDBItems(resolveTableLayout({ tableName: 'idempotency' }));
 * items.key('idempotency:Orders.create:9f86d0'); // { id: { S: 'idempotency:Orders.create:9f86d0' } }
 * ```
 */
export class DynamoDBItems {
  constructor(private readonly layout: TableLayout) {}

  /** The item's primary key: the record key, or the partition value and the record key as sort key. */
  key(key: string): Item {
    const { keyAttr, sortKeyAttr, partitionKeyValue } = this.layout;
    return sortKeyAttr === undefined ? { [keyAttr]: { S: key } } : { [keyAttr]: { S: partitionKeyValue }, [sortKeyAttr]: { S: key } };
  }

  /** A claim's item. */
  inProgress(key: string, token: string, validationHash: string | undefined, leaseExpiresAtMs: number, expiresAtMs: number): Item {
    const a = this.layout.attributes;
    return {
      ...this.key(key),
      [a.status]: { S: RecordStatus.InProgress },
      [a.token]: { S: token },
      [a.leaseExpiresAtMs]: { N: String(leaseExpiresAtMs) },
      ...this.expiry(expiresAtMs),
      ...(validationHash === undefined ? {} : { [a.validationHash]: { S: validationHash } }),
    };
  }

  /** A completed record's item; it keeps the token, so that a retried completion recognizes its own first write. */
  completed(request: CompleteRequest, expiresAtMs: number): Item {
    const a = this.layout.attributes;
    const { validationHash, payload } = request;
    return {
      ...this.key(request.key),
      [a.status]: { S: RecordStatus.Completed },
      [a.token]: { S: request.token },
      ...this.expiry(expiresAtMs),
      ...(validationHash === undefined ? {} : { [a.validationHash]: { S: validationHash } }),
      ...(payload === undefined ? {} : { [a.payload]: { S: payload } }),
    };
  }

  /** Both expiry attributes: milliseconds for reads, epoch seconds for DynamoDB's TTL. */
  expiry(expiresAtMs: number): Item {
    return { [this.layout.attributes.expiresAtMs]: { N: String(expiresAtMs) }, [this.layout.ttlAttr]: { N: String(Math.ceil(expiresAtMs / 1000)) } };
  }

  /**
   * The item's expiry. An item without a numeric one was not written by this library (or was
   * edited): an unreadable record, never an outage, so `onStoreError: 'continue'` cannot re-run
   * a method over it.
   */
  expiresAtMs(operation: StoreOperation, item: Item): number {
    const name = this.layout.attributes.expiresAtMs;
    const expiresAtMs = Number(item[name]?.N);
    if (Number.isFinite(expiresAtMs)) return expiresAtMs;
    throw corrupt(operation, `the item has no numeric \`${name}\` attribute (it was not written by lambda-idempotency, or was edited)`);
  }

  /** The record an item holds; `IdempotencyCorruptRecordError` for one this library did not write. */
  decode(operation: StoreOperation, item: Item): IdempotencyRecord {
    const a = this.layout.attributes;
    const status = item[a.status]?.S;
    const validationHash = item[a.validationHash]?.S;
    const token = item[a.token]?.S;
    if (status === RecordStatus.Completed) return { status, ...(token === undefined ? {} : { token }), validationHash, payload: item[a.payload]?.S };
    const leaseExpiresAtMs = Number(item[a.leaseExpiresAtMs]?.N);
    if (status === RecordStatus.InProgress && token !== undefined && Number.isSafeInteger(leaseExpiresAtMs)) {
      return { status, token, leaseExpiresAtMs, validationHash };
    }
    throw corrupt(operation, 'the item was not written by lambda-idempotency (or is incomplete)');
  }

  /** Is this item exactly what `request` writes: its own earlier write, found by a resent completion? */
  isCompletionOf(item: Item, request: CompleteRequest): boolean {
    const a = this.layout.attributes;
    if (item[a.status]?.S !== RecordStatus.Completed) return false;
    const found = { status: RecordStatus.Completed, token: item[a.token]?.S, payload: item[a.payload]?.S, validationHash: item[a.validationHash]?.S };
    return isResentCompletion(found, request.token, request.payload, request.validationHash);
  }

  /** The condition that the item is an in-progress record owned by `token`. */
  ownedBy(token: string): OwnerCondition {
    const a = this.layout.attributes;
    return {
      ConditionExpression: '#s = :progress AND #t = :token',
      ExpressionAttributeNames: { '#s': a.status, '#t': a.token },
      ExpressionAttributeValues: { ':progress': { S: RecordStatus.InProgress }, ':token': { S: token } },
    };
  }
}

function corrupt(operation: StoreOperation, reason: string): Error {
  return storeFailure({ store: 'DynamoDBStore', operation, kind: StoreFailureKind.CorruptRecord, reason });
}
