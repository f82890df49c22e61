/**
 * Forgets one piece of the library's process-wide state (lib/core/processState.ts), as a new
 * process starts without it. A fresh copy of a module (`jest.isolateModules`) no longer does: the
 * state lives on `globalThis`, shared by every copy, as the ES-module and CommonJS builds share it.
 */
export function forgetProcessState(name: string, version = 1): void {
  delete (globalThis as unknown as Record<symbol, unknown>)[Symbol.for(`lambda-idempotency:${name}:v${version}`)];
}
