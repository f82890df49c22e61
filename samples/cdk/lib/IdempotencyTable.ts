import { RemovalPolicy } from 'aws-cdk-lib/core';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { StoreEnvironment } from '../lambda/environment';

/**
 * `DynamoDBStore`'s defaults (lib/stores/dynamodb/DynamoDBStore.ts): the partition key `keyAttr`
 * and the TTL attribute `ttlAttr`, which holds each record's expiry in epoch seconds. The function
 * builds its store with these defaults, so the table must use them too; the test runs the bundled
 * store and checks that it writes its key and expiry under these names.
 */
export const STORE_KEY_ATTRIBUTE = 'id';
export const STORE_TTL_ATTRIBUTE = 'expiration';

/**
 * The only DynamoDB actions `DynamoDBStore` calls: claim and complete (`PutItem`), the consistent
 * read after a conflict (`GetItem`), lease renewal (`UpdateItem`), release and delete
 * (`DeleteItem`). The test derives the same list from the store's source.
 */
export const STORE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * The idempotency table: on-demand, keyed and expiring as `DynamoDBStore` expects. Records live for
 * a day at most, so the table goes with the stack (`cdk destroy`).
 *
 * @example
 * ```ts
 * const table = new IdempotencyTable(stack, 'Idempotency');
 * table.connect(fn);
 * ```
 */
export class IdempotencyTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: STORE_KEY_ATTRIBUTE, type: AttributeType.STRING },
      timeToLiveAttribute: STORE_TTL_ATTRIBUTE,
      billingMode: BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * Allows the function exactly the store's actions on this table, and tells it the table's name.
   * Not `grantReadWriteData`: that also grants batch writes, queries, scans and `DescribeTable`,
   * which the store never calls.
   */
  connect(fn: LambdaFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...STORE_ACTIONS], resources: [this.table.tableArn] }));
    fn.addEnvironment(StoreEnvironment.Table, this.table.tableName);
  }
}
