/**
 * Every error the library throws. Each has a stable `code` to branch on, a `name` that survives
 * `JSON.stringify`-style logging, and the underlying `cause` when there is one. Messages never
 * contain raw idempotency key values, events, results or credentials: only namespaces and key
 * hashes, which are safe to log.
 */

/**
 * The stable codes of {@link IdempotencyError} subclasses.
 *
 * @example
 * ```ts
 * if (err instanceof IdempotencyError && err.code === IdempotencyErrorCode.InProgress) retryLater();
 * ```
 */
export const IdempotencyErrorCode = {
  Config: 'IDEMPOTENCY_CONFIG',
  Key: 'IDEMPOTENCY_KEY',
  InProgress: 'IDEMPOTENCY_IN_PROGRESS',
  PayloadMismatch: 'IDEMPOTENCY_PAYLOAD_MISMATCH',
  Store: 'IDEMPOTENCY_STORE',
  NotDurable: 'IDEMPOTENCY_NOT_DURABLE',
  CorruptRecord: 'IDEMPOTENCY_CORRUPT_RECORD',
  Result: 'IDEMPOTENCY_RESULT',
  Completion: 'IDEMPOTENCY_COMPLETION',
} as const;

/**
 * Union of the values of {@link IdempotencyErrorCode}.
 * @example
 * ```ts
 * const code: IdempotencyErrorCode = IdempotencyErrorCode.InProgress;
 * ```
 */
export type IdempotencyErrorCode = (typeof IdempotencyErrorCode)[keyof typeof IdempotencyErrorCode];

// `instanceof` across copies of the package. A program that loads it both as an ES module and as
// CommonJS (or a bundle plus a dependency's copy) has two `IdempotencyInProgressError` classes:
// an error thrown by one copy's engine must still be `instanceof` the class the program imported
// from the other. Each class is branded with its name under one `Symbol.for` key (a string, so a
// minifier that renames classes does not change it); `instanceof` accepts a value whose prototype
// chain holds a class with the same brand. Versioned: a copy whose classes mean something else
// uses another key. A user's subclass has no brand of its own: plain `instanceof` for it.
const ERROR_CLASS = Symbol.for('lambda-idempotency:error-class:v1');

type Branded = { [ERROR_CLASS]?: string };

/** Brands `cls` (own, not inherited by subclasses, which brand themselves). */
function brand(cls: object, name: string): void {
  Object.defineProperty(cls, ERROR_CLASS, { value: name });
}

/** The brand `cls` owns: one of our classes, not a user's subclass (which only inherits one). */
function ownBrand(cls: object): string | undefined {
  return Object.hasOwn(cls, ERROR_CLASS) ? (cls as Branded)[ERROR_CLASS] : undefined;
}

/** Is `value` an instance of `cls`, or of the class with `cls`' brand in another copy? */
function isInstance(cls: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
  // Every copy's errors extend this realm's Error: anything else is answered without the walk.
  if (!(value instanceof Error)) return false;
  const name = ownBrand(cls);
  if (name === undefined) return false;
  for (let proto: unknown = Object.getPrototypeOf(value); proto !== null && typeof proto === 'object'; proto = Object.getPrototypeOf(proto)) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
    if (typeof ctor === 'function' && ownBrand(ctor) === name) return true;
  }
  return false;
}

/**
 * Base class of every error this library throws.
 *
 * @example
 * ```ts
 * try { await handler.charge(event, context); }
 * catch (err) { if (err instanceof IdempotencyError) logger.warn(err.code); throw err; }
 * ```
 */
export class IdempotencyError extends Error {
  static {
    brand(this, 'IdempotencyError');
  }

  /**
   * `instanceof` this class, or the same class of another copy of the package in the process
   * (its ES-module and CommonJS builds both loaded): see `isInstance`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, value);
  }

  /** Stable, machine-readable code of this error. */
  readonly code: IdempotencyErrorCode;

  constructor(code: IdempotencyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    // Our classes are named by their brand, a string no build renames: a minifier (`ri`), and
    // esbuild, which gives a class that names itself in its body an inner name
    // (`class _IdempotencyError`). A user's subclass has its own name, unless a minifier dropped
    // names: then the code spells the class name, so logs still read IdempotencyConfigError.
    this.name = ownBrand(new.target) ?? (classNamesKept() ? new.target.name : classNameOf(code));
  }
}

/** Did class names survive the build? Read outside the class body (see the constructor). */
function classNamesKept(): boolean {
  return IdempotencyError.name === 'IdempotencyError';
}

/** IDEMPOTENCY_IN_PROGRESS → IdempotencyInProgressError. */
function classNameOf(code: IdempotencyErrorCode): string {
  return `${code.toLowerCase().replace(/(?:^|_)([a-z])/g, (_match, letter: string) => letter.toUpperCase())}Error`;
}

/**
 * Invalid options, or the library is used in a way that cannot work (no store configured, a
 * default record namespace a minifier made up or two classes share). Thrown up front, at
 * configuration or decoration time where possible.
 *
 * @example
 * ```ts
 * expect(() => makeIdempotent(fn, { ttlSeconds: -1 })).toThrow(IdempotencyConfigError);
 * ```
 */
export class IdempotencyConfigError extends IdempotencyError {
  static {
    brand(this, 'IdempotencyConfigError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(IdempotencyErrorCode.Config, message, options);
  }
}

/**
 * No idempotency key could be derived from the event (unless `requireKey: false`), the part to
 * `validate` is missing, or a value cannot be hashed faithfully (a Promise from an `async` key
 * function, a `Map`, a `Date`, a cycle...), or reading the event threw (a key function, a getter;
 * the error is the `cause`). The message names the option and path, never the value. Thrown
 * before the method runs.
 *
 * @example
 * ```ts
 * await expect(handler.charge({ body: '{}' })).rejects.toThrow(IdempotencyKeyError);
 * ```
 */
export class IdempotencyKeyError extends IdempotencyError {
  static {
    brand(this, 'IdempotencyKeyError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(IdempotencyErrorCode.Key, message, options);
  }
}

/**
 * Another invocation holds a live claim on this key and has not finished. Retry after
 * `retryAfterMs` (HTTP: 409 with `Retry-After`).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof IdempotencyInProgressError) return { statusCode: 409 }; }
 * ```
 */
export class IdempotencyInProgressError extends IdempotencyError {
  static {
    brand(this, 'IdempotencyInProgressError');
  }

  /** Record namespace, e.g. `PaymentsHandler.charge`. */
  readonly namespace: string;
  /** SHA-256 hash of the key (safe to log). */
  readonly keyHash: string;
  /** Milliseconds until the current claim's lease ends (0 when unknown), a lower bound for a retry. */
  readonly retryAfterMs: number;

  /**
   * @param waitedMs how long this call already waited (`onInProgress: 'wait'`), if it did: the
   * message then says so instead of suggesting the option in use.
   */
  constructor(namespace: string, keyHash: string, retryAfterMs: number, waitedMs?: number) {
    super(
      IdempotencyErrorCode.InProgress,
      `${namespace}: a call with this idempotency key (hash ${keyHash}) is still in progress; ` +
        (waitedMs === undefined
          ? `retry after ${Math.ceil(retryAfterMs / 1000)} s, or use onInProgress: 'wait'.`
          : `waited ${Math.round(waitedMs)} ms (waitSeconds, or the invocation's end); retry after ${Math.ceil(retryAfterMs / 1000)} s, or raise waitSeconds.`),
    );
    this.namespace = namespace;
    this.keyHash = keyHash;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The idempotency key was used before with a different payload (the `validate` part of the event
 * differs). HTTP: 422.
 *
 * @example
 * ```ts
 * await expect(handler.refund(sameKeyOtherBody)).rejects.toThrow(IdempotencyPayloadMismatchError);
 * ```
 */
export class IdempotencyPayloadMismatchError extends IdempotencyError {
  static {
    brand(this, 'IdempotencyPayloadMismatchError');
  }

  /** Record namespace. */
  readonly namespace: string;
  /** SHA-256 hash of the key (safe to log). */
  readonly keyHash: string;

  constructor(namespace: string, keyHash: string) {
    super(
      IdempotencyErrorCode.PayloadMismatch,
      `${namespace}: this idempotency key (hash ${keyHash}) was already used with a different payload; ` +
        'send a new idempotency key for a different request.',
    );
    this.namespace = namespace;
    this.keyHash = keyHash;
  }
}

/**
 * The store (Redis, memory) failed or timed out. When this is thrown from a claim, the method
 * did not run. The store's own error is the `cause`.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof IdempotencyStoreError) return { statusCode: 503 }; }
 * ```
 */
export class IdempotencyStoreError extends IdempotencyError {
  static {
    brand(this, 'IdempotencyStoreError');
  }

  constructor(message: string, options?: { cause?: unknown }, code: IdempotencyErrorCode = IdempotencyErrorCode.Store) {
    super(code, message, options);
  }
}

/**
 * A stored record cannot be read: not written by this library, truncated, or of another Redis
 * type. The method does not run; delete the key (see the README) to recover.
 *
 * @example
 * ```ts
 * await expect(handler.charge(event)).rejects.toThrow(IdempotencyCorruptRecordError);
 * ```
 */
export class IdempotencyCorruptRecordError extends IdempotencyStoreError {
  static {
    brand(this, 'IdempotencyCorruptRecordError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, IdempotencyErrorCode.CorruptRecord);
  }
}

/**
 * RedisStore's `durability` was not met: too few replicas acknowledged a write in time (or the
 * connection changed, or a slot moved, before WAIT). From a claim, the claim was released and the
 * method did not run; a retry runs it once. Never fails open: `onStoreError: 'continue'` does not
 * run a method unprotected on it, since the durability asked for would silently be dropped.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof IdempotencyNotDurableError) return { statusCode: 503 }; }
 * ```
 */
export class IdempotencyNotDurableError extends IdempotencyStoreError {
  static {
    brand(this, 'IdempotencyNotDurableError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, IdempotencyErrorCode.NotDurable);
  }
}

/**
 * The method's result cannot be stored: the serializer rejected it (a `BigInt`, a cycle) or it is
 * larger than `maxResultBytes` or than the store holds (`store.maxPayloadBytes`). The method has run; its claim is kept until the lease ends so that a
 * retry does not silently repeat the side effect.
 *
 * @example
 * ```ts
 * await expect(handler.returnsBigInt(event)).rejects.toThrow(IdempotencyResultError);
 * ```
 */
export class IdempotencyResultError extends IdempotencyError {
  static {
    brand(this, 'IdempotencyResultError');
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(IdempotencyErrorCode.Result, message, options);
  }
}

/**
 * The method ran and succeeded, but its result could not be recorded (the store failed during the
 * completion write). The side effect has happened: do not blindly retry. The record stays
 * `IN_PROGRESS` until its lease ends; the result is available as `result`.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof IdempotencyCompletionError) return err.result; }
 * ```
 */
export class IdempotencyCompletionError extends IdempotencyStoreError {
  static {
    brand(this, 'IdempotencyCompletionError');
  }

  /** What the method returned. */
  readonly result: unknown;

  constructor(message: string, result: unknown, options?: { cause?: unknown }) {
    super(message, options, IdempotencyErrorCode.Completion);
    this.result = result;
  }
}

/**
 * A failure that `cacheError` stored, replayed on a repeat: same `name`, `message` and `code` as the
 * first call's error, with `idempotentReplay: true`. It is not an `instanceof` your error class
 * (the class cannot be stored); branch on `name` or `code`.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof ReplayedError && err.code === 'card_declined') return declined(); }
 * ```
 */
export class ReplayedError extends Error {
  static {
    brand(this, 'ReplayedError');
  }

  /** `instanceof` this class, or ReplayedError of another copy of the package in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, value);
  }

  /** Marks a replay of a stored failure. */
  readonly idempotentReplay = true as const;
  /** The original error's `code`, if it had one. */
  readonly code: string | number | undefined;

  constructor(name: string, message: string, code: string | number | undefined) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

/**
 * Why an idempotency key was refused (see {@link IdempotencyKeyRejectedError}).
 *
 * @example
 * ```ts
 * const reason: KeyRejection = 'too_long';
 * ```
 */
export type KeyRejection = 'empty' | 'too_long' | 'conflicting';

/**
 * A key was sent but cannot be used: empty (or whitespace only), longer than the limit, or sent
 * several times with different values. Thrown before anything is claimed or stored; HTTP: 400. The
 * message gives the reason and the length, never the key itself.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof IdempotencyKeyRejectedError && err.reason === 'too_long') return badRequest(); }
 * ```
 */
export class IdempotencyKeyRejectedError extends IdempotencyKeyError {
  static {
    brand(this, 'IdempotencyKeyRejectedError');
  }

  /** Why the key was refused. */
  readonly reason: KeyRejection;

  constructor(reason: KeyRejection, message: string) {
    super(message);
    this.reason = reason;
  }
}
