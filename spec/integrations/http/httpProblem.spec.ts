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
  IdempotencyResultError,
  IdempotencyNotDurableError,
  IdempotencyStoreError,
  ReplayedError,
} from '../../../lib';
import { problemResponse, withProblemResponses, type HttpResponse } from '../../../lib/integrations/http';
import { albMultiValueEvent, v2PublicEvent } from '../../helpers/httpEvents';

/**
 * The response for every idempotency error, by what it tells the client: whether its request ran.
 * Each error below is what the engine throws in that situation (see spec/engine.spec.ts).
 */

const body = (response: HttpResponse | undefined): { type?: string; status?: number; detail?: string } => JSON.parse(response?.body ?? 'null');

// One row per error code: every code must have a decided answer (undefined: rethrown).
const cases: Record<IdempotencyErrorCode, [IdempotencyError, number | undefined, string | undefined]> = {
  [IdempotencyErrorCode.Config]: [new IdempotencyConfigError('no store'), undefined, undefined],
  [IdempotencyErrorCode.Key]: [new IdempotencyKeyError('missing'), 400, 'key-missing'],
  [IdempotencyErrorCode.InProgress]: [new IdempotencyInProgressError('Api.create', 'h', 2500), 409, 'in-progress'],
  [IdempotencyErrorCode.PayloadMismatch]: [new IdempotencyPayloadMismatchError('Api.create', 'h'), 422, 'key-reused'],
  [IdempotencyErrorCode.Store]: [new IdempotencyStoreError('down'), 503, 'store-unavailable'],
  // A claim no replica confirmed was released: the request was not processed.
  [IdempotencyErrorCode.NotDurable]: [new IdempotencyNotDurableError('0 of 1 replicas'), 503, 'store-unavailable'],
  [IdempotencyErrorCode.CorruptRecord]: [new IdempotencyCorruptRecordError('unreadable'), 500, 'record-unreadable'],
  [IdempotencyErrorCode.Result]: [new IdempotencyResultError('too large'), 500, 'response-not-recorded'],
  [IdempotencyErrorCode.Completion]: [new IdempotencyCompletionError('not recorded', 'a plain value'), 500, 'response-not-recorded'],
};

describe('problemResponse', () => {
  it.each(Object.entries(cases))('answers %s with its own status and problem type', (_code, [error, status, type]) => {
    const response = problemResponse(error);
    if (status === undefined) {
      expect(response).toBeUndefined();
      return;
    }
    expect(response).toMatchObject({ statusCode: status, headers: { 'content-type': 'application/problem+json' } });
    expect(body(response)).toMatchObject({ type: `urn:lambda-idempotency:problem:${type}`, status });
  });

  it('says "not processed" only for a store failure or an unconfirmed claim, the cases where the method did not run', () => {
    const saying = Object.values(cases)
      .filter(([error]) => problemResponse(error)?.body?.includes('not processed'))
      .map(([error]) => error.name);
    expect(saying).toEqual(['IdempotencyStoreError', 'IdempotencyNotDurableError']);
  });

  it('maps by code, so a subclass of the store error never says "not processed"', () => {
    for (const error of [new IdempotencyCorruptRecordError('x'), new IdempotencyCompletionError('x', undefined)]) {
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect(problemResponse(error)?.statusCode).toBe(500);
    }
  });

  it("answers a completion error with the method's own response when it is a proxy result", () => {
    const result = { statusCode: 201, cookies: ['session=s1'], body: '{"paymentId":"p_1"}' };
    expect(problemResponse(new IdempotencyCompletionError('not recorded', result))).toBe(result);
  });

  it('gives a 409 a Retry-After of the remaining lease, at least 1 s and at most 5 s; a 503 one of 1 s', () => {
    expect(problemResponse(new IdempotencyInProgressError('Api.create', 'h', 2500))?.headers).toMatchObject({ 'Retry-After': '3' });
    // A lease of the invocation's whole time left (15 minutes) must not park a client that honours it.
    expect(problemResponse(new IdempotencyInProgressError('Api.create', 'h', 900_000))?.headers).toMatchObject({ 'Retry-After': '5' });
    expect(problemResponse(new IdempotencyInProgressError('Api.create', 'h', 0))?.headers).toMatchObject({ 'Retry-After': '1' });
    expect(problemResponse(new IdempotencyStoreError('down'))?.headers).toMatchObject({ 'Retry-After': '1' });
    expect(problemResponse(new IdempotencyCorruptRecordError('x'))?.headers).not.toHaveProperty('Retry-After');
  });

  it.each([
    ['empty', 'empty'],
    ['too_long', 'longer than 255 characters'],
    ['conflicting', 'different values'],
  ] as const)('answers a key rejected as %s with 400 key-invalid, thrown as is or as the cause of the key error', (reason, detail) => {
    const rejection = new IdempotencyKeyRejectedError(reason, 'm');
    for (const error of [rejection, new IdempotencyKeyError('The key function threw', { cause: rejection })]) {
      const response = problemResponse(error);
      expect(response?.statusCode).toBe(400);
      expect(body(response)).toMatchObject({ type: 'urn:lambda-idempotency:problem:key-invalid', detail: expect.stringContaining(detail) });
    }
  });

  it('leaves other errors, and replayed stored failures, to the caller', () => {
    expect(problemResponse(new Error('boom'))).toBeUndefined();
    expect(problemResponse(new ReplayedError('CardDeclined', 'declined', 'card_declined'))).toBeUndefined();
    expect(problemResponse('a string')).toBeUndefined();
  });

  it('answers in multiValueHeaders when the event is an ALB with multi-value headers, in headers otherwise', () => {
    const error = new IdempotencyInProgressError('Api.create', 'h', 1000);
    expect(problemResponse(error, albMultiValueEvent({}))).toEqual({
      statusCode: 409,
      multiValueHeaders: { 'content-type': ['application/problem+json'], 'Retry-After': ['1'] },
      body: expect.any(String),
    });
    expect(problemResponse(error, v2PublicEvent({}))).toMatchObject({ headers: { 'Retry-After': '1' } });
  });
});

describe('withProblemResponses', () => {
  it('turns idempotency errors into responses, reading the event at eventArgIndex, and rethrows the rest', async () => {
    const fails = (error: unknown) => withProblemResponses(async (_context: unknown, _event: unknown) => Promise.reject(error), 1);
    expect(await fails(new IdempotencyStoreError('down'))(undefined, albMultiValueEvent({}))).toMatchObject({ statusCode: 503, multiValueHeaders: { 'Retry-After': ['1'] } });
    const own = new Error('boom');
    await expect(fails(own)(undefined, {})).rejects.toBe(own);
    await expect(fails(new IdempotencyConfigError('no store'))(undefined, {})).rejects.toBeInstanceOf(IdempotencyConfigError);
  });
});
