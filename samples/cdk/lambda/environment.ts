/**
 * How the stack tells the function which store to use: one of these variables is set. Shared by
 * the stack (lib/) and the function (lambda/), so neither can misspell it.
 *
 * @example
 * ```ts
 * fn.addEnvironment(StoreEnvironment.Table, table.tableName);
 * ```
 */
export const StoreEnvironment = {
  /** The DynamoDB table's name: the function uses `DynamoDBStore` with its defaults. */
  Table: 'IDEMPOTENCY_TABLE',
  /** The name of the SSM parameter holding the Redis URL: the function uses `RedisStore`. */
  RedisUrlParameter: 'REDIS_URL_PARAMETER',
} as const;
