/**
 * lambda-idempotency: make class-style AWS Lambda handlers idempotent with one decorator.
 * Named exports only; optional integrations live behind subpath exports.
 *
 * @module lambda-idempotency
 */
export { Idempotent, IdempotentClass, getIdempotencyOptions, type ExpectedAnAsyncMethod, type IdempotentMethodDecorator } from './decorators/Idempotent';
export { makeIdempotent } from './wrapper/makeIdempotent';
export { idempotencyKeyFor, type MethodName } from './decorators/inspect';
export { jsonSerializer, richSerializer, type Serializer } from './core/serializer';
export type { EncryptionOptions } from './core/encryption';
export { configureIdempotency, resetIdempotencyConfig } from './core/processDefaults';
export {
  OnStoreError,
  type IdempotencyDefaults,
  type LocalCacheOptions,
  type IdempotencyOptions,
  type StoreOption,
  type ReplayHook,
  type ValuePredicate,
  type DecisionHook,
} from './core/options';
export type { LambdaContextLike } from './engine/engine';
export { canonicalJson, hashValue, type KeySelector, type KeyFunction } from './core/key/key';
export { Decision, type DecisionLine, type DecisionLog, type DisabledWarningLine, type IdempotencyLogger, type StoreWarningLine } from './core/log';
export { type LoggerOption, type LogMethodLogger } from './core/loggerShape';
export { RecordStatus, type CompletedRecord, type IdempotencyRecord, type InProgressRecord } from './core/record';
export {
  IdempotencyError,
  IdempotencyErrorCode,
  IdempotencyConfigError,
  IdempotencyKeyError,
  IdempotencyKeyRejectedError,
  type KeyRejection,
  IdempotencyInProgressError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
  IdempotencyNotDurableError,
  IdempotencyCorruptRecordError,
  IdempotencyResultError,
  IdempotencyCompletionError,
  ReplayedError,
} from './core/errors';
export {
  ClaimOutcome,
  isStore,
  type ClaimRequest,
  type ClaimResult,
  type CompleteRequest,
  type IdempotencyStore,
  type ReleaseRequest,
  type RenewRequest,
} from './stores/IdempotencyStore';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory/MemoryStore';
export { RedisStore } from './stores/redis/RedisStore';
export { lambdaRedisOptions, type RedisClient, type RedisStoreOptions } from './stores/redis/redisClient';
export type { ConnectionRequest, RedisConnectionProvider } from './stores/redis/redisConnection';
export type { RedisConnectionOptions, RedisConnectionValue } from './stores/redis/redisConnectionValue';
export type { RedisDurability } from './stores/redis/redisDurability';
export { parseSentinelUrl, type SentinelAddress, type SentinelUrlOptions } from './stores/redis/sentinelUrl';
