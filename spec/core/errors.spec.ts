import {
  IdempotencyCompletionError,
  IdempotencyConfigError,
  IdempotencyCorruptRecordError,
  IdempotencyError,
  IdempotencyErrorCode,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyKeyRejectedError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
  ReplayedError,
} from '../../lib';
import * as coreErrors from '../../lib/core/errors';

const HASH = 'a'.repeat(64);

/** One of each error, as the library builds them, with the class a caller would name. */
function oneOfEach(errors: typeof import('../../lib/core/errors')) {
  return [
    ['IdempotencyConfigError', new errors.IdempotencyConfigError('bad option'), 'IDEMPOTENCY_CONFIG'],
    ['IdempotencyKeyError', new errors.IdempotencyKeyError('no key'), 'IDEMPOTENCY_KEY'],
    ['IdempotencyInProgressError', new errors.IdempotencyInProgressError('Orders.create', HASH, 1_500), 'IDEMPOTENCY_IN_PROGRESS'],
    ['IdempotencyPayloadMismatchError', new errors.IdempotencyPayloadMismatchError('Orders.create', HASH), 'IDEMPOTENCY_PAYLOAD_MISMATCH'],
    ['IdempotencyStoreError', new errors.IdempotencyStoreError('redis down'), 'IDEMPOTENCY_STORE'],
    ['IdempotencyNotDurableError', new errors.IdempotencyNotDurableError('0 of 1 replicas'), 'IDEMPOTENCY_NOT_DURABLE'],
    ['IdempotencyCorruptRecordError', new errors.IdempotencyCorruptRecordError('garbage'), 'IDEMPOTENCY_CORRUPT_RECORD'],
    ['IdempotencyResultError', new errors.IdempotencyResultError('too large'), 'IDEMPOTENCY_RESULT'],
    ['IdempotencyCompletionError', new errors.IdempotencyCompletionError('not recorded', { ok: true }), 'IDEMPOTENCY_COMPLETION'],
  ] as const;
}

describe('errors', () => {
  it('gives each error its own stable code and its class name, and every code has its error', () => {
    const errors = oneOfEach(coreErrors);
    for (const [name, error, code] of errors) {
      expect(error).toBeInstanceOf(IdempotencyError);
      expect(error).toBeInstanceOf(Error);
      expect({ name: error.name, code: error.code }).toEqual({ name, code });
    }
    expect(errors.map(([, , code]) => code).sort()).toEqual(Object.values(IdempotencyErrorCode).sort());
  });

  it('keeps the families a caller branches on: store failures, key failures, and replays that are not library errors', () => {
    expect(new IdempotencyCorruptRecordError('x')).toBeInstanceOf(IdempotencyStoreError);
    expect(new coreErrors.IdempotencyNotDurableError('x')).toBeInstanceOf(IdempotencyStoreError);
    expect(new IdempotencyCompletionError('x', 1)).toBeInstanceOf(IdempotencyStoreError);
    const rejected = new IdempotencyKeyRejectedError('too_long', 'the key is 300 characters long; the limit is 255');
    expect(rejected).toBeInstanceOf(IdempotencyKeyError);
    expect(rejected).toMatchObject({ name: 'IdempotencyKeyRejectedError', code: 'IDEMPOTENCY_KEY', reason: 'too_long' });
    const replayed = new ReplayedError('CardDeclinedError', 'Your card was declined.', 'card_declined');
    expect(replayed).not.toBeInstanceOf(IdempotencyError);
    expect(replayed).toMatchObject({ name: 'CardDeclinedError', message: 'Your card was declined.', code: 'card_declined', idempotentReplay: true });
  });

  it('keeps the underlying error as the cause, and has no cause when there is none', () => {
    const socketError = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    expect(new IdempotencyStoreError('Redis did not answer', { cause: socketError }).cause).toBe(socketError);
    expect(new IdempotencyCompletionError('not recorded', 'result', { cause: socketError }).cause).toBe(socketError);
    expect('cause' in new IdempotencyConfigError('bad option')).toBe(false);
    expect('cause' in new IdempotencyKeyError('no key', { cause: undefined })).toBe(false);
  });

  it('says how to go on: when to retry a call in progress (or that it waited), and to send a new key for another payload', () => {
    const busy = new IdempotencyInProgressError('Orders.create', HASH, 1_500);
    expect(busy).toMatchObject({ namespace: 'Orders.create', keyHash: HASH, retryAfterMs: 1_500 });
    expect(busy.message).toBe(`Orders.create: a call with this idempotency key (hash ${HASH}) is still in progress; retry after 2 s, or use onInProgress: 'wait'.`);
    const waited = new IdempotencyInProgressError('Orders.create', HASH, 800, 4_999.6);
    expect(waited.message).toMatch(/waited 5000 ms \(waitSeconds, or the invocation's end\); retry after 1 s, or raise waitSeconds\.$/);
    expect(waited.message).not.toContain("onInProgress: 'wait'");
    const mismatch = new IdempotencyPayloadMismatchError('Orders.create', HASH);
    expect(mismatch).toMatchObject({ namespace: 'Orders.create', keyHash: HASH });
    expect(mismatch.message).toMatch(/already used with a different payload; send a new idempotency key for a different request\.$/);
  });

  it('keeps the result of a completion it could not record on the error, out of its message', () => {
    const result = { chargeId: 'ch_1', card: '4111 1111 1111 1111' };
    const error = new IdempotencyCompletionError('Orders.create: the result could not be recorded', result);
    expect(error.result).toBe(result);
    expect(error.message).not.toContain('4111');
    expect(String(error)).not.toContain('4111');
  });

  it('names each of its errors by its class when a minifier renamed the classes, and a user subclass after its code, so logs still read IdempotencyConfigError', () => {
    let minified!: typeof import('../../lib/core/errors');
    jest.isolateModules(() => {
      minified = require('../../lib/core/errors') as typeof import('../../lib/core/errors');
    });
    // What a minifier without keep-names does to the base class (and to every subclass).
    Object.defineProperty(minified.IdempotencyError, 'name', { value: 'ri' });
    Object.defineProperty(minified.IdempotencyInProgressError, 'name', { value: 'Xe' });
    for (const [name, error] of oneOfEach(minified)) expect(error.name).toBe(name);
    // Its own class's name, not its code's (IDEMPOTENCY_KEY, its parent's).
    expect(new minified.IdempotencyKeyRejectedError('empty', 'the key is empty').name).toBe('IdempotencyKeyRejectedError');
    class Qe extends minified.IdempotencyError {
      constructor() {
        super(minified.IdempotencyErrorCode.Config, 'a user subclass, minified too');
      }
    }
    expect(new Qe().name).toBe('IdempotencyConfigError');
  });
  it('is instanceof the same class of another copy of the package (its ES-module and CommonJS builds in one process), and of no other', () => {
    let other!: typeof import('../../lib/core/errors');
    jest.isolateModules(() => {
      other = require('../../lib/core/errors') as typeof import('../../lib/core/errors');
    });
    expect(other.IdempotencyInProgressError).not.toBe(IdempotencyInProgressError);
    const inProgress = new other.IdempotencyInProgressError('Orders.create', 'hash', 0);
    expect(inProgress instanceof IdempotencyInProgressError && inProgress instanceof IdempotencyError).toBe(true);
    expect(inProgress instanceof IdempotencyKeyError || inProgress instanceof IdempotencyStoreError || inProgress instanceof ReplayedError).toBe(false);
    // A subclass is its parent's across copies too; a parent is not its subclass.
    expect(new other.IdempotencyKeyRejectedError('empty', 'the key is empty') instanceof IdempotencyKeyError).toBe(true);
    expect(new other.IdempotencyKeyError('no key') instanceof IdempotencyKeyRejectedError).toBe(false);
    expect(new other.IdempotencyCorruptRecordError('bad record') instanceof IdempotencyStoreError).toBe(true);
    expect(new other.ReplayedError('CardDeclined', 'declined', 'card_declined') instanceof ReplayedError).toBe(true);
    // Minified class names do not matter: the brand is a string of its own.
    Object.defineProperty(other.IdempotencyConfigError, 'name', { value: 'Xe' });
    expect(new other.IdempotencyConfigError('bad option') instanceof IdempotencyConfigError).toBe(true);
    // A user's subclass has no brand: plain instanceof, in either direction.
    class CheckoutError extends IdempotencyConfigError {}
    expect(new other.IdempotencyConfigError('bad option') instanceof CheckoutError).toBe(false);
    expect(new CheckoutError('bad option') instanceof other.IdempotencyConfigError).toBe(true);
    expect([new Error('plain'), {}, null, 'IdempotencyError'].some((v) => v instanceof IdempotencyError)).toBe(false);
  });
});
