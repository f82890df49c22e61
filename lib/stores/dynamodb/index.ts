/**
 * `lambda-idempotency/dynamodb`: the DynamoDB store. Loads `@aws-sdk/client-dynamodb` (an optional
 * peer), which the root import never does.
 */
export { DEFAULT_ATTRIBUTES, DynamoDBStore, dynamoDBTableDefinition, type DynamoDBStoreOptions, type RecordAttributeNames } from './DynamoDBStore';
