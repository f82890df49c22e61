import { randomBytes } from 'node:crypto';
import type { IdempotencyStore } from '../stores/IdempotencyStore';

/**
 * The claim's parts that do not depend on the call: owner tokens, the wait mode's deadline and
 * backoff, and the release after a claim that failed. The call (call.ts) runs the loop:
 *
 *   claim ─► failed      → release own token (≤ 250 ms) → throw, or fail open
 *         ─► in progress → wait: pause backoffDelayMs(attempt), re-claim, until waitDeadlineMs
 */

// Owner tokens only need to be unique, not secret: a per-process random prefix plus a counter is
// unique across processes and costs no entropy per call. Not shared state: a second copy of the
// package in the process (ES module and CommonJS) draws its own prefix, so its tokens differ too.
const TOKEN_PREFIX = randomBytes(9).toString('base64url');
let tokenCounter = 0;

/**
 * A new owner token, unique across processes.
 *
 * @example
 * ```ts
 * nextToken(); // 'q3Zk1uJd0vTq0'
 * ```
 */
export function nextToken(): string {
  return TOKEN_PREFIX + (tokenCounter++).toString(36);
}

// onInProgress 'wait' polls with jittered backoff: 25 ms, doubling up to 500 ms.
const FIRST_DELAY_MS = 25;
const MAX_DELAY_MS = 500;

/**
 * The pause before re-claim number `attempt + 1` (`attempt` 0 after the first claim): the delay
 * doubles from 25 ms to at most 500 ms, and each pause is a random 50-100% of it, so waiters that
 * started together spread out.
 *
 * @example
 * ```ts
 * backoffDelayMs(0); // 12.5 to 25
 * backoffDelayMs(9); // 250 to 500
 * ```
 */
export function backoffDelayMs(attempt: number): number {
  const delayMs = Math.min(FIRST_DELAY_MS * 2 ** attempt, MAX_DELAY_MS);
  return delayMs * (0.5 + Math.random() / 2);
}

/**
 * Until when (`performance.now()` time) a call in wait mode may wait for another invocation's
 * claim: `waitSeconds`, never past the invocation's end (`remainingAtClaim`). Not bounded by
 * `leaseSeconds`: with renewLease a short lease is renewed, and a waiter must outwait it as long
 * as it is asked to. Without wait mode (`waitMs` undefined), 0: no waiting.
 *
 * @example
 * ```ts
 * waitDeadlineMs(10_000, startedAt, 4_000); // startedAt + 4000
 * ```
 */
export function waitDeadlineMs(waitMs: number | undefined, startedAt: number, remainingAtClaim: number | undefined): number {
  return waitMs === undefined ? 0 : startedAt + Math.min(waitMs, remainingAtClaim ?? waitMs);
}

/**
 * Resolves after `ms`: the wait mode's pause between claims.
 *
 * @example
 * ```ts
 * await pause(backoffDelayMs(attempt));
 * ```
 */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// How long a failed claim's error waits for the release of its own token. Long enough for the
// release to be sent (DynamoDB signs and sends over a few ticks; ioredis writes at once), short
// enough that a stalled store delays the error by a bounded time.
const FAILED_CLAIM_RELEASE_WAIT_MS = 250;

/**
 * Best effort, after a claim that failed or timed out: the claim may still land (a stalled
 * server or path delivers it later), and would then lock the key for its whole lease.
 * Timeline: claim sent → it times out → we release our token → the claim lands → the release
 * lands. On Redis the release follows the claim on the same connection, so it lands after it; if
 * that connection dropped, the release goes on the next one, and a store built from a URL never
 * sends the claim again (a client that resends can: see `lambdaRedisOptions`). Elsewhere the
 * release may arrive first and miss it. Never throws, never leaves a rejection unhandled, and
 * waits at most FAILED_CLAIM_RELEASE_WAIT_MS: the release carries on in the background after that.
 *
 * @example
 * ```ts
 * if (isOutage(error)) await releaseFailedClaim(store, recordKey, token);
 * ```
 */
export async function releaseFailedClaim(store: IdempotencyStore, recordKey: string, token: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = Promise.resolve()
    .then(() => store.release({ key: recordKey, token }))
    .then(
      () => undefined,
      () => undefined, // the claim's own error is the one reported
    );
  // Not unref'd: in a plain script a hung release must not let the process exit before the error.
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, FAILED_CLAIM_RELEASE_WAIT_MS)));
  await Promise.race([settled, waited]);
  clearTimeout(timer);
}
