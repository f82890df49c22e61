import { IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyKeyError, IdempotencyResultError, IdempotencyStoreError } from '../../lib';
import { storeFailure, StoreFailureKind, wrapStoreError } from '../../lib/stores/storeFailure';

describe('storeFailure', () => {
  const cause = new Error('driver said no');

  it.each([
    [StoreFailureKind.Outage, IdempotencyStoreError, 'IDEMPOTENCY_STORE'],
    [StoreFailureKind.Misconfiguration, IdempotencyConfigError, 'IDEMPOTENCY_CONFIG'],
    [StoreFailureKind.CorruptRecord, IdempotencyCorruptRecordError, 'IDEMPOTENCY_CORRUPT_RECORD'],
    [StoreFailureKind.TooLarge, IdempotencyResultError, 'IDEMPOTENCY_RESULT'],
  ] as const)('makes a %s an error of its class and code, with the driver error as cause', (kind, type, code) => {
    const error = storeFailure({ store: 'RedisStore', operation: 'claim', kind, reason: 'what happened', cause });
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/^RedisStore claim failed: what happened; \S/);
  });

  it('says a misconfiguration never fails open, and uses the fix it is given', () => {
    const error = storeFailure({ store: 'DynamoDBStore', operation: 'get', kind: StoreFailureKind.Misconfiguration, reason: 'AccessDeniedException: no', fix: 'grant GetItem' });
    expect(error.message).toBe("DynamoDBStore get failed: AccessDeniedException: no; grant GetItem. Not an outage: no call runs unprotected on it, even with onStoreError 'continue'.");
  });

  it("masks a URL's password and an AWS access key id should a driver's message hold one", () => {
    const reason = 'connect to redis://user:hunter2@10.0.0.1:6379 as AKIAIOSFODNN7EXAMPLE failed';
    const error = storeFailure({ store: 'RedisStore', operation: 'get', kind: StoreFailureKind.Outage, reason });
    expect(error.message).not.toMatch(/hunter2|IOSFODNN7EXAMPLE/);
    expect(error.message).toContain('redis://***@10.0.0.1:6379 as AKIA***');
  });
});

describe('wrapStoreError', () => {
  it('passes an error the store already wrapped, and classifies anything else', () => {
    const wrapped = new IdempotencyKeyError('already ours');
    expect(wrapStoreError(wrapped, () => { throw new Error('not asked'); })).toBe(wrapped);
    const raw = new Error('ETIMEDOUT');
    const error = wrapStoreError(raw, (cause) => ({ store: 'MyStore', operation: 'delete', kind: StoreFailureKind.Outage, reason: String((cause as Error).message), cause }));
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect(error.message).toMatch(/^MyStore delete failed: ETIMEDOUT; /);
  });
});
