/**
 * Process-wide state that must be one per process however many copies of the package run in it:
 * the ES-module build and the CommonJS build both loaded (a program that imports the package and
 * a dependency that requires it), or a bundle plus a dependency's copy. Each piece lives on
 * `globalThis` under a `Symbol.for` key, so every copy finds the same object. Versioned: a copy
 * whose state has another shape uses another key and never reads this one's.
 *
 * State that is only a cache (a parsed path, an encryption sealer) or whose uniqueness does not
 * need sharing (owner tokens: each copy draws its own random prefix) stays in its module.
 */

/**
 * The object shared under `Symbol.for('lambda-idempotency:<name>:v<version>')`, created by
 * `create` in the first copy that asks. Pure: a bundle that never uses the state drops the call
 * (mark module-level calls with a `@__PURE__` comment).
 *
 * @example
 * ```ts
 * const retries = sharedState('example-retries', 1, () => ({ count: 0 }));
 * ```
 */
export function sharedState<T extends object>(name: string, version: number, create: () => T): T {
  const key = Symbol.for(`lambda-idempotency:${name}:v${version}`);
  const slots = globalThis as unknown as Record<symbol, T | undefined>;
  return (slots[key] ??= create());
}
