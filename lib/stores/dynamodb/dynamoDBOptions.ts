import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfigError } from '../../core/errors';

/**
 * The options of `DynamoDBStore`, and the table layout they resolve to (checked once, at
 * construction): which attributes hold the key, the expiry and the record's fields.
 */

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

/**
 * Where a record lives in the table: the options with their defaults, checked.
 *
 * @example
 * ```ts
 * const layout: TableLayout = resolveTableLayout({ tableName: 'idempotency' });
 * ```
 */
export interface TableLayout {
  readonly tableName: string;
  readonly keyAttr: string;
  readonly sortKeyAttr: string | undefined;
  readonly partitionKeyValue: string;
  readonly ttlAttr: string;
  readonly attributes: RecordAttributeNames;
}

/**
 * The options' table layout, with defaults; throws `IdempotencyConfigError` for a missing table
 * name, an empty attribute name or one used twice.
 *
 * @example
 * ```ts
 * resolveTableLayout({ tableName: 'app', keyAttr: 'pk', sortKeyAttr: 'sk' }).partitionKeyValue; // 'idempotency'
 * ```
 */
export function resolveTableLayout(options: DynamoDBStoreOptions): TableLayout {
  if (options === null || typeof options !== 'object' || typeof options.tableName !== 'string' || options.tableName.length < 3) {
    throw new IdempotencyConfigError('Expected `tableName` (3 to 255 characters) in the DynamoDBStore options.');
  }
  // An attribute given as `undefined` keeps its default name (as every other option does).
  const given = Object.entries(options.attributes ?? {}).filter(([, name]) => name !== undefined);
  const attributes: RecordAttributeNames = { ...DEFAULT_ATTRIBUTES, ...Object.fromEntries(given) };
  const layout: TableLayout = {
    tableName: options.tableName,
    keyAttr: options.keyAttr ?? 'id',
    sortKeyAttr: options.sortKeyAttr,
    partitionKeyValue: options.partitionKeyValue ?? 'idempotency',
    ttlAttr: options.ttlAttr ?? 'expiration',
    attributes,
  };
  const names = [layout.keyAttr, layout.sortKeyAttr, layout.ttlAttr, ...Object.values(attributes)].filter((n): n is string => n !== undefined);
  for (const name of names) {
    if (typeof name !== 'string' || name === '') throw new IdempotencyConfigError('DynamoDBStore attribute names must be non-empty strings.');
    if (names.indexOf(name) !== names.lastIndexOf(name)) {
      throw new IdempotencyConfigError(`DynamoDBStore attribute name ${JSON.stringify(name)} is used twice (the record itself uses ${Object.values(attributes).join(', ')}); choose another.`);
    }
  }
  return layout;
}

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
