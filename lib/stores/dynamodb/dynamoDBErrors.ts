import type { IdempotencyError } from '../../core/errors';
import { StoreFailureKind, wrapStoreError, type StoreFailure, type StoreOperation } from '../storeFailure';

/**
 * How a DynamoDB SDK error becomes a library error. The line that matters: an outage (throttling,
 * a network error, a 5xx) may fail open with `onStoreError: 'continue'`; a configuration mistake
 * (no such table, a key schema that does not match, a policy without the table) never does, since
 * running unprotected "until it recovers" would be forever. The SDK's error name and message are
 * kept in ours (they name tables and actions, never item values or credentials), so the log line
 * says what went wrong.
 */

// Errors that retrying cannot fix: the table, its key schema, or the function's permissions.
// A null prototype: an SDK error named `constructor` or `toString` is not a configuration error.
const CONFIGURATION_ERRORS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  ResourceNotFoundException: 'check `tableName` and the region: the table does not exist there (or is still being created)',
  ValidationException: 'check `keyAttr` / `sortKeyAttr` against the table\'s key schema (dynamoDBTableDefinition shows the expected one)',
  AccessDeniedException: "grant the function dynamodb:GetItem, PutItem, UpdateItem and DeleteItem on the table (SAM's DynamoDBCrudPolicy)",
  UnrecognizedClientException: "check the function's AWS credentials",
  InvalidSignatureException: "check the function's AWS credentials",
  MissingAuthenticationTokenException: "check the function's AWS credentials",
  ExpiredTokenException: "check the function's AWS credentials (the session token has expired)",
  CredentialsProviderError: 'give the client credentials (in Lambda, the execution role provides them)',
});

// The SDK's own configuration errors are plain `Error`s, told apart by their message.
const CLIENT_MISCONFIGURED = /^Region is missing|Could not load credentials/;

// DynamoDB refuses an item over 400 KB with a ValidationException; that is the result's size, not
// the table's configuration.
const ITEM_TOO_LARGE = /item size.*(exceed|maximum)/i;

// Throttling, timeouts, 5xx: calls succeed again once DynamoDB answers.
const OUTAGE_FIX = "an outage: calls succeed again once DynamoDB answers (throttling: use on-demand capacity or raise the table's; timeouts: check the network path from the function)";

/** The name and message of an SDK error, as shown in ours. */
function describeSdkError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Wraps an error from `DynamoDBClient.send` for the store's callers (see `storeFailure`):
 * `IdempotencyConfigError` for a misconfiguration, `IdempotencyResultError` for an item over the
 * size limit, else `IdempotencyStoreError`; the SDK error is the cause. An error already wrapped
 * passes unchanged.
 *
 * @example
 * ```ts
 * try { await client.send(command); } catch (err) { throw toStoreError(err, 'claim'); }
 * ```
 */
export function toStoreError(err: unknown, operation: StoreOperation): IdempotencyError {
  return wrapStoreError(err, () => classify(err, operation));
}

function classify(err: unknown, operation: StoreOperation): StoreFailure {
  const failure = { store: 'DynamoDBStore', operation, reason: describeSdkError(err), cause: err };
  const name = err instanceof Error ? err.name : '';
  if (name === 'ValidationException' && err instanceof Error && ITEM_TOO_LARGE.test(err.message)) {
    return { ...failure, kind: StoreFailureKind.TooLarge, reason: `DynamoDB refused the record (${failure.reason})` };
  }
  const fix = CONFIGURATION_ERRORS[name] ?? (err instanceof Error && CLIENT_MISCONFIGURED.test(err.message) ? 'configure the DynamoDB client (region, credentials)' : undefined);
  if (fix !== undefined) return { ...failure, kind: StoreFailureKind.Misconfiguration, fix };
  return { ...failure, kind: StoreFailureKind.Outage, fix: OUTAGE_FIX };
}
