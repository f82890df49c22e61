/**
 * Metadata keys. Symbols (not strings) so no other library's metadata can collide with ours;
 * `Symbol.for` so that two copies of the package in one bundle still read each other's metadata.
 */

/** Metadata key of a decorated method's options (on the class prototype, per method name). */
export const METHOD_OPTIONS_KEY: unique symbol = Symbol.for('lambda-idempotency:method-options');

/** Metadata key of a class's idempotency defaults (on the constructor). */
export const CLASS_DEFAULTS_KEY: unique symbol = Symbol.for('lambda-idempotency:class-defaults');
