import { IdempotencyConfigError } from './errors';
import type { DisabledWarningLine, IdempotencyLogger } from './log';
import { sharedState } from './processState';
import { ignoringFailure } from './thenable';

// IDEMPOTENCY_DISABLED: idempotency off for unit tests and local runs (as Powertools'
// POWERTOOLS_IDEMPOTENCY_DISABLED), read once per process, refused inside Lambda unless forced.

/** The environment variable that turns idempotency off. */
export const DISABLED_ENV = 'IDEMPOTENCY_DISABLED';

/**
 * What `IDEMPOTENCY_DISABLED` says: on or off (and whether forced inside Lambda), or refused.
 *
 * @example
 * ```ts
 * const state: DisabledSwitch = readDisabledSwitch(process.env);
 * ```
 */
export type DisabledSwitch = { readonly disabled: boolean; readonly forced: boolean } | { readonly refused: IdempotencyConfigError };

// Read once and announced once per process, whichever copy of the package reads it.
const read = /* @__PURE__ */ sharedState('disabled-switch', 1, (): { state: DisabledSwitch | undefined; warned: boolean } => ({ state: undefined, warned: false }));

/**
 * Reads `IDEMPOTENCY_DISABLED` from `env`: unset, empty, `false` or `0` leave idempotency on;
 * `true` or `1` turn it off where `AWS_LAMBDA_FUNCTION_NAME` is unset (tests, local runs), and are
 * refused inside Lambda; `force` turns it off anywhere. Anything else is refused.
 *
 * @example
 * ```ts
 * readDisabledSwitch({ IDEMPOTENCY_DISABLED: 'true' }); // { disabled: true, forced: false }
 * ```
 */
export function readDisabledSwitch(env: NodeJS.ProcessEnv): DisabledSwitch {
  const value = (env[DISABLED_ENV] ?? '').trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0') return { disabled: false, forced: false };
  if (value === 'force') return { disabled: true, forced: true };
  if (value !== 'true' && value !== '1') {
    const shown = JSON.stringify((env[DISABLED_ENV] ?? '').slice(0, 40));
    return { refused: new IdempotencyConfigError(`Expected \`${DISABLED_ENV}\` to be \`true\`, \`false\` or \`force\`, got ${shown}.`) };
  }
  if (env.AWS_LAMBDA_FUNCTION_NAME === undefined || env.AWS_LAMBDA_FUNCTION_NAME === '') return { disabled: true, forced: false };
  return {
    refused: new IdempotencyConfigError(
      `\`${DISABLED_ENV}=true\` is refused inside a Lambda function (AWS_LAMBDA_FUNCTION_NAME is set): it would run every retry again. Remove it, or set \`${DISABLED_ENV}=force\` if you really mean to run this function without idempotency.`,
    ),
  };
}

/**
 * Is idempotency switched off in this process? Reads `IDEMPOTENCY_DISABLED` once (until
 * `resetIdempotencyConfig`), throws its refusal (`IdempotencyConfigError`) on every call, and the
 * first time it answers `true` says so once through `logger` at warn level.
 *
 * @example
 * ```ts
 * if (idempotencyDisabled(config.logger)) return UNPROTECTED; // the method runs, no store call
 * ```
 */
export function idempotencyDisabled(logger: IdempotencyLogger): boolean {
  const state = (read.state ??= readDisabledSwitch(process.env));
  if ('refused' in state) throw state.refused;
  if (!state.disabled) return false;
  if (!read.warned) {
    read.warned = true;
    warnDisabled(logger, state.forced);
  }
  return true;
}

function warnDisabled(logger: IdempotencyLogger, forced: boolean): void {
  const line: DisabledWarningLine = {
    message: `lambda-idempotency is DISABLED by ${DISABLED_ENV}=${forced ? 'force' : 'true'}: every idempotent function runs every time, and no store is called. For tests and local runs only.`,
    warning: 'idempotency_disabled',
    forced,
  };
  // A logger that throws or rejects never changes a call's outcome (see logDecision).
  ignoringFailure(() => logger.warn(line));
}

/**
 * Forgets what was read, so the next call reads `IDEMPOTENCY_DISABLED` again and warns again:
 * for `resetIdempotencyConfig`, in tests.
 *
 * @example
 * ```ts
 * forgetDisabledSwitch();
 * ```
 */
export function forgetDisabledSwitch(): void {
  read.state = undefined;
  read.warned = false;
}
