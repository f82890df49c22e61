/**
 * Keys of the library's process-wide registries on `globalThis`. `Symbol.for`, so that two copies
 * of the package in one process (a bundle plus a dependency's copy) share them: one copy's
 * `idempotencyKeyFor` finds a method the other decorated, and a namespace claimed by one is
 * claimed for both. Versioned, so a copy with another record shape never reads this one's.
 */

/** Registry of decorated methods and class defaults (lib/metadata.ts). */
export const DECORATIONS_KEY: unique symbol = Symbol.for('lambda-idempotency:decorations:v2');

/** Registry of claimed default namespaces (lib/namespace.ts). */
export const NAMESPACES_KEY: unique symbol = Symbol.for('lambda-idempotency:default-namespaces:v2');
