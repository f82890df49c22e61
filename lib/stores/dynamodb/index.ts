/**
 * `lambda-idempotency/dynamodb`: the DynamoDB store. Loads `@aws-sdk/client-dynamodb` (an optional
 * peer), which the root import never does.
 *
 * @module lambda-idempotency/dynamodb
 */
export { DynamoDBStore } from './DynamoDBStore';
export { DEFAULT_ATTRIBUTES, dynamoDBTableDefinition, type DynamoDBStoreOptions, type RecordAttributeNames } from './dynamoDBOptions';
