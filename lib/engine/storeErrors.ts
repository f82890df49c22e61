import { IdempotencyError, IdempotencyErrorCode, IdempotencyStoreError } from '../core/errors';

// How the engine reads a store's failure. The library's stores build their errors in one place
// (stores/storeFailure.ts); a custom store may throw anything, which is an outage here.

/**
 * A store call's failure as the engine reports it: the library's own errors as they are (a
 * corrupt record, a misconfiguration the store recognised), anything else as
 * `IdempotencyStoreError` with the store's error as its cause.
 *
 * @example
 * ```ts
 * asStoreError('Orders.create', 'the claim', new Error('ECONNRESET')); // IdempotencyStoreError
 * ```
 */
export function asStoreError(namespace: string, step: string, err: unknown): IdempotencyError {
  if (err instanceof IdempotencyError) return err;
  return new IdempotencyStoreError(`${namespace}: the idempotency store failed during ${step}; the store's error is the cause.`, { cause: err });
}

/**
 * The store failed or timed out, so a claim may yet land and a retry may work: not a record we
 * refuse, nor a misconfiguration that would repeat on every call. Only an outage fails open.
 *
 * @example
 * ```ts
 * if (failOpen && isOutage(error)) return UNPROTECTED;
 * ```
 */
export function isOutage(error: IdempotencyError): boolean {
  return error.code === IdempotencyErrorCode.Store;
}

/**
 * Hangs a failed release on the method's own error, which stays the one thrown, as the
 * non-enumerable `idempotencyReleaseError` (when the error is an object that can take it).
 *
 * @example
 * ```ts
 * attachReleaseError(methodError, releaseError);
 * (methodError as { idempotencyReleaseError?: IdempotencyError }).idempotencyReleaseError; // releaseError
 * ```
 */
export function attachReleaseError(original: unknown, error: IdempotencyError): void {
  if (original !== null && typeof original === 'object' && Object.isExtensible(original)) {
    Object.defineProperty(original, 'idempotencyReleaseError', { value: error, enumerable: false, configurable: true });
  }
}
