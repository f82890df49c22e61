import type { IdempotencyKeyError } from '../core/errors';
import { hashValue, legacyValidationValue, missingKeyError, MISSING, select, type CompiledSelector } from '../core/key/key';

/** What reading a key needs from the resolved options. */
export interface KeyOptions {
  readonly namespace: string;
  readonly keyPrefix: string;
  readonly key: CompiledSelector;
  readonly validate: CompiledSelector | undefined;
}

// Both selections of a call run synchronously, one after the other, so one shared cache of parsed
// JSON strings serves them (an API Gateway `body` is parsed once); emptied after, so that it does
// not keep the event's parsed body alive.
const PARSED = new Map<string, unknown>();

/**
 * A call's key, read out of its event before the method runs (a method that mutates its event
 * still completes or releases the record it claimed): the key hash, the record key, and the hash
 * of the validated part that a stored record must match.
 *
 * @example
 * ```ts
 * const key = EventKey.derive(config, event);
 * if (key instanceof IdempotencyKeyError) throw key;
 * key.recordKey; // 'idempotency:Orders.create:9f86…'
 * ```
 */
export class EventKey {
  private constructor(
    /** SHA-256 of the key value's canonical JSON: what logs and errors show, never the value. */
    readonly keyHash: string,
    readonly recordKey: string,
    readonly validationHash: string | undefined,
    /** Read again only on a validation mismatch, for records stored by version 0.1.x. */
    private readonly event: unknown,
    private readonly validate: CompiledSelector | undefined,
  ) {}

  /**
   * The key of `event`, or, when the key is not there, the error that names the path and where
   * it stopped (configuration, never event data). A validated part that is not there throws that
   * error: it is not a match, and a typo must not switch validation off.
   */
  static derive(options: KeyOptions, event: unknown): EventKey | IdempotencyKeyError {
    try {
      const keyValue = select(event, options.key, PARSED);
      if (keyValue === MISSING) return missingKeyError(options.namespace, event, options.key);
      const keyHash = hashValue(keyValue, options.key.label);
      const validationHash = options.validate === undefined ? undefined : validationHashOf(options.namespace, event, options.validate);
      return new EventKey(keyHash, options.keyPrefix + keyHash, validationHash, event, options.validate);
    } finally {
      if (PARSED.size > 0) PARSED.clear();
    }
  }

  /**
   * Whether a record stored with `storedHash` was made for this validated part (or either side has
   * none). Version 0.1.x hashed a validated JSON body as its raw text: a byte-identical retry of a
   * request it recorded still matches after an upgrade (computed only when the hashes differ).
   */
  matches(storedHash: string | undefined): boolean {
    if (this.validationHash === undefined || storedHash === undefined || storedHash === this.validationHash) return true;
    return this.#matchesLegacy(storedHash);
  }

  #matchesLegacy(storedHash: string): boolean {
    if (this.validate === undefined) return false;
    try {
      const legacy = legacyValidationValue(this.event, this.validate);
      return legacy !== MISSING && hashValue(legacy) === storedHash;
    } catch {
      return false;
    }
  }
}

function validationHashOf(namespace: string, event: unknown, selector: CompiledSelector): string {
  const value = select(event, selector, PARSED);
  if (value === MISSING) throw missingKeyError(namespace, event, selector);
  return hashValue(value, selector.label);
}
