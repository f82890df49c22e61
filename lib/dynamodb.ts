/**
 * `lambda-idempotency/dynamodb`: the DynamoDB store. Loads `@aws-sdk/client-dynamodb` (an optional
 * peer), which the root import never does.
 */
export { DynamoDBStore, dynamoDBTableDefinition, type DynamoDBStoreOptions } from './stores/DynamoDBStore';
