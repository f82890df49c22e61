/**
 * lambda-idempotency: make class-style AWS Lambda handlers idempotent with one decorator.
 * Named exports only; optional integrations live behind subpath exports.
 */
export { Idempotent, IdempotentClass, getIdempotencyOptions, type IdempotentMethodDecorator } from './Idempotent';
export { makeIdempotent } from './makeIdempotent';
export { idempotencyKeyFor } from './inspect';
export type { LocalCacheOptions } from './localCache';
export { jsonSerializer, richSerializer, type Serializer } from './serializer';
export type { EncryptionOptions } from './encryption';
export {
  configureIdempotency,
  resetIdempotencyConfig,
  OnStoreError,
  type IdempotencyDefaults,
  type IdempotencyOptions,
  type StoreOption,
  type ReplayHook,
  type ValuePredicate,
  type DecisionHook,
} from './options';
export type { LambdaContextLike } from './engine';
export { canonicalJson, hashValue, type KeySelector, type KeyFunction } from './key';
export { Decision, type DecisionLine, type DecisionLog, type IdempotencyLogger, type StoreWarningLine } from './log';
export { RecordStatus, type CompletedRecord, type IdempotencyRecord, type InProgressRecord } from './record';
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
  IdempotencyCorruptRecordError,
  IdempotencyResultError,
  IdempotencyCompletionError,
  ReplayedError,
} from './errors';
export { ClaimOutcome, type ClaimRequest, type ClaimResult, type IdempotencyStore } from './stores/IdempotencyStore';
export { MemoryStore, type MemoryStoreOptions } from './stores/MemoryStore';
export { RedisStore, lambdaRedisOptions, type RedisClient, type RedisStoreOptions } from './stores/RedisStore';
