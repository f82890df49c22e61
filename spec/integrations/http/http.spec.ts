import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { configureIdempotency, hashValue, idempotencyKeyFor, resetIdempotencyConfig, type IdempotencyStore } from '../../../lib';
import { IdempotentHttp, type HttpIdempotencyOptions, type HttpResponse } from '../../../lib/integrations/http';
import { describeEachBackend } from '../../helpers/stores';
import { albEvent, albMultiValueEvent, v1Event, v2IamEvent, v2JwtEvent, v2LambdaAuthorizerEvent, v2PublicEvent } from '../../helpers/httpEvents';
import { lambdaContext } from '../../helpers/lambda';
import { CaptureLogger } from '../../helpers/logger';

/**
 * `IdempotentHttp` end to end, over MemoryStore and a spawned redis-server: what a client sees for
 * each caller, status, key and event shape.
 */

interface Api {
  runs: number;
  create(event: unknown, context?: Context): Promise<HttpResponse>;
}

type Respond = (run: number, event: unknown) => HttpResponse;

const created: Respond = (run) => ({ statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paymentId: `pay_${run}` }) });

/** A payments endpoint under `IdempotentHttp(options)` that counts its runs. */
function paymentsApi(options: HttpIdempotencyOptions = {}, respond: Respond = created): Api {
  class PaymentsApi {
    runs = 0;

    @IdempotentHttp({ name: 'PaymentsApi.create', ...options })
    async create(event: unknown, _context?: Context): Promise<HttpResponse> {
      this.runs++;
      return respond(this.runs, event);
    }
  }
  return new PaymentsApi();
}

const order = { orderId: '42', amountCents: 1999 };
const body = (response: HttpResponse): unknown => JSON.parse(response.body ?? 'null');
const problemType = (response: HttpResponse): unknown => (body(response) as { type?: unknown }).type;

describeEachBackend('IdempotentHttp', (backend) => {
  let store: IdempotencyStore;
  let logger: CaptureLogger;
  beforeEach(() => {
    store = backend().make();
    logger = new CaptureLogger();
    configureIdempotency({ store, logger });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    resetIdempotencyConfig();
  });

  describe('whose key it is', () => {
    // Each flavour: the event two different callers send with the same key and body.
    const flavours: Array<[string, (caller: string, key: string) => unknown]> = [
      ['HTTP API v2, JWT authorizer (sub)', (caller, key) => v2JwtEvent(caller, order, { 'Idempotency-Key': key })],
      ['HTTP API v2, Lambda authorizer (its context)', (caller, key) => v2LambdaAuthorizerEvent({ userId: caller, tenant: 't1' }, order, { 'Idempotency-Key': key })],
      ['HTTP API v2, IAM (userArn)', (caller, key) => v2IamEvent(`arn:aws:iam::123456789012:user/${caller}`, order, { 'Idempotency-Key': key })],
      [
        'HTTP API v2, IAM with a Cognito identity pool (shared role ARN)',
        (caller, key) => v2IamEvent('arn:aws:sts::123456789012:assumed-role/Cognito_Auth/CognitoIdentityCredentials', order, { 'Idempotency-Key': key }, `eu-west-1:${caller}`),
      ],
      ['REST API v1, Lambda authorizer (principalId)', (caller, key) => v1Event(order, { 'Idempotency-Key': [key] }, { authorizer: { principalId: caller, integrationLatency: 0 } })],
      ['REST API v1, Cognito user pool authorizer (claims.sub)', (caller, key) => v1Event(order, { 'Idempotency-Key': [key] }, { authorizer: { claims: { sub: caller } } })],
      ['REST API v1, IAM (userArn)', (caller, key) => v1Event(order, { 'Idempotency-Key': [key] }, { identity: { userArn: `arn:aws:iam::123456789012:user/${caller}`, caller: 'AIDA0' } })],
      ['REST API v1, API key', (caller, key) => v1Event(order, { 'Idempotency-Key': [key] }, { identity: { apiKeyId: `key-${caller}` } })],
    ];

    it.each(flavours)("never replays one caller's response to another caller sending the same key: %s", async (_flavour, event) => {
      const api = paymentsApi();
      const key = `order-42-${randomUUID()}`;
      const alice = await api.create(event('alice', key), lambdaContext());
      const mallory = await api.create(event('mallory', key), lambdaContext());
      expect(alice).toMatchObject({ statusCode: 201 });
      expect(body(mallory)).toEqual({ paymentId: 'pay_2' });
      expect(mallory.headers).not.toHaveProperty('Idempotent-Replayed');

      // Each caller's own retry still replays its own response.
      expect(await api.create(event('alice', key), lambdaContext())).toMatchObject({ body: alice.body, headers: { 'Idempotent-Replayed': 'true' } });
      expect(await api.create(event('mallory', key), lambdaContext())).toMatchObject({ body: mallory.body, headers: { 'Idempotent-Replayed': 'true' } });
      expect(api.runs).toBe(2);
    });

    it('keys a public endpoint (no caller in the event) on the Idempotency-Key alone', async () => {
      const api = paymentsApi();
      const key = randomUUID();
      const first = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      const second = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(second).toEqual({ ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } });
      expect(api.runs).toBe(1);
    });

    it("with scope: 'none', shares a key between callers", async () => {
      const api = paymentsApi({ scope: 'none' });
      const key = randomUUID();
      await api.create(v2JwtEvent('alice', order, { 'Idempotency-Key': key }), lambdaContext());
      const other = await api.create(v2JwtEvent('bob', order, { 'Idempotency-Key': key }), lambdaContext());
      expect(other.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      expect(api.runs).toBe(1);
    });

    it('with a scope function, scopes by what it returns, and by the key alone when it returns undefined', async () => {
      const tenant = (event: { headers: Record<string, string | undefined> }): string | undefined => event.headers['x-tenant'];
      const api = paymentsApi({ scope: tenant });
      const key = randomUUID();
      const send = (headers: Record<string, string>) => api.create(v2PublicEvent(order, { 'Idempotency-Key': key, ...headers }), lambdaContext());
      await send({ 'x-tenant': 't1' });
      expect((await send({ 'x-tenant': 't2' })).headers).not.toHaveProperty('Idempotent-Replayed');
      expect((await send({ 'x-tenant': 't1' })).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      await send({});
      expect((await send({})).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      expect(api.runs).toBe(3);
    });

    it('scopes a key chosen with the `key` option too', async () => {
      const api = paymentsApi({ key: 'body.orderId' });
      const orderId = randomUUID();
      await api.create(v2JwtEvent('alice', { ...order, orderId }), lambdaContext());
      expect((await api.create(v2JwtEvent('mallory', { ...order, orderId }), lambdaContext())).headers).not.toHaveProperty('Idempotent-Replayed');
      expect((await api.create(v2JwtEvent('alice', { ...order, orderId }), lambdaContext())).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      expect(api.runs).toBe(2);
    });

    it("never hashes an anonymous object key like a caller's scoped key", async () => {
      const api = paymentsApi({ key: 'body.ref', validate: undefined });
      const ref = randomUUID();
      await api.create(v2JwtEvent('alice', { ref }), lambdaContext());
      const forged = await api.create(v2PublicEvent({ ref: { caller: 'sub:alice', key: ref } }), lambdaContext());
      expect(forged).toMatchObject({ statusCode: 201, body: '{"paymentId":"pay_2"}' });
      expect(forged.headers).not.toHaveProperty('Idempotent-Replayed');
      expect(api.runs).toBe(2);
    });

    it('stores a caller\'s record under the hash of { caller, key } (the CLI\'s --key-json), a public one under the key alone', async () => {
      const api = paymentsApi();
      const key = randomUUID();
      await api.create(v2JwtEvent('alice', order, { 'Idempotency-Key': key }), lambdaContext());
      await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      const prefix = 'idempotency:PaymentsApi.create:';
      expect(await store.get(prefix + hashValue({ caller: 'sub:alice', key }))).toMatchObject({ status: 'COMPLETED' });
      expect(await store.get(prefix + hashValue(key))).toMatchObject({ status: 'COMPLETED' });
      expect(idempotencyKeyFor(api.constructor as new () => Api, 'create', v2JwtEvent('alice', order, { 'Idempotency-Key': key }))).toBe(prefix + hashValue({ caller: 'sub:alice', key }));
    });

    it('never puts the caller or the key in a log line', async () => {
      const api = paymentsApi();
      const caller = `caller-${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      await api.create(v2JwtEvent(caller, order, { 'Idempotency-Key': key }), lambdaContext());
      await api.create(v2JwtEvent(caller, order, { 'Idempotency-Key': key }), lambdaContext());
      const logged = JSON.stringify(logger.lines);
      expect(logger.decisions()).toEqual(['miss', 'hit']);
      expect(logged).not.toContain(caller);
      expect(logged).not.toContain(key);
    });

    it('refuses a scope that is not caller, none or a function, at decoration time', () => {
      expect(() => paymentsApi({ scope: 'user' as never })).toThrow("Expected `scope` to be 'caller', 'none' or a function (event) => caller, got \"user\"");
      expect(() => paymentsApi({ replayCookies: 'yes' as never })).toThrow('Expected `replayCookies` to be a boolean, got "yes"');
    });
  });

  describe('cookies', () => {
    const withSession: Respond = (run) => ({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'Set-Cookie': `session=s${run}; HttpOnly` },
      multiValueHeaders: { 'set-cookie': [`session=s${run}`, 'theme=dark'], 'x-request': [`r${run}`] },
      cookies: [`session=s${run}; HttpOnly`],
      body: JSON.stringify({ paymentId: `pay_${run}` }),
    });

    it('gives the first response its cookies and never replays them (v2 cookies, Set-Cookie in headers and multiValueHeaders)', async () => {
      const api = paymentsApi({}, withSession);
      const key = randomUUID();
      const first = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(first).toEqual(withSession(1, undefined));

      const replay = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(replay).toEqual({
        statusCode: 201,
        headers: { 'content-type': 'application/json', 'Idempotent-Replayed': 'true' },
        multiValueHeaders: { 'x-request': ['r1'] },
        body: first.body,
      });
      expect(api.runs).toBe(1);
    });

    it('replays the cookies to the same caller with replayCookies: true', async () => {
      const api = paymentsApi({ replayCookies: true }, withSession);
      const key = randomUUID();
      await api.create(v2JwtEvent('alice', order, { 'Idempotency-Key': key }), lambdaContext());
      const replay = await api.create(v2JwtEvent('alice', order, { 'Idempotency-Key': key }), lambdaContext());
      expect(replay).toMatchObject({ cookies: ['session=s1; HttpOnly'], headers: { 'Set-Cookie': 'session=s1; HttpOnly', 'Idempotent-Replayed': 'true' } });
    });

    it('removes the cookies before an onReplay hook of yours runs', async () => {
      const seen: unknown[] = [];
      const api = paymentsApi({ onReplay: (r: unknown) => (seen.push(r), r) }, withSession);
      const key = randomUUID();
      await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      const replay = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(seen).toEqual([replay]);
      expect(replay).not.toHaveProperty('cookies');
      expect(replay.headers).toEqual({ 'content-type': 'application/json' });
    });
  });

  describe('which responses are stored', () => {
    it.each([500, 502, 503, 504, 429])('does not store a %i: a retry with the same key runs again', async (status) => {
      const api = paymentsApi({}, (run) => (run === 1 ? { statusCode: status, body: '{"error":"provider unavailable"}' } : created(run, undefined)));
      const key = randomUUID();
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: status });
      const retry = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(retry).toMatchObject({ statusCode: 201, body: '{"paymentId":"pay_2"}' });
      expect(retry.headers).not.toHaveProperty('Idempotent-Replayed');
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: 201, headers: { 'Idempotent-Replayed': 'true' } });
      expect(api.runs).toBe(2);
      expect(logger.decisions()).toEqual(['not_stored', 'miss', 'hit']);
    });

    it('stores a 4xx other than 429: a validation error replays', async () => {
      const api = paymentsApi({}, () => ({ statusCode: 400, body: '{"error":"amountCents"}' }));
      const key = randomUUID();
      await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: 400, headers: { 'Idempotent-Replayed': 'true' } });
      expect(api.runs).toBe(1);
    });

    it("treats a status given as a string ('503', '200') as the number: a 503 is not stored, a 200's cookies are not replayed", async () => {
      const api = paymentsApi({}, (run) =>
        run === 1 ? ({ statusCode: '503', body: '{}' } as never) : ({ statusCode: '200', headers: { 'Set-Cookie': `session=s${run}` }, body: `{"run":${run}}` } as never),
      );
      const key = randomUUID();
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: '503' });
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: '200', body: '{"run":2}' });
      const replay = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(replay).toEqual({ statusCode: '200', headers: { 'Idempotent-Replayed': 'true' }, body: '{"run":2}' });
      expect(api.runs).toBe(2);
    });

    it('keeps the HTTP defaults for options given as undefined (validate, cacheResult, requireKey)', async () => {
      const fromEnv = (name: string): (() => boolean) | undefined => (process.env[name] ? () => true : undefined);
      const api = paymentsApi({ validate: undefined, cacheResult: fromEnv('UNSET_FOR_TEST'), requireKey: undefined }, (run) =>
        run === 1 ? { statusCode: 503, body: '{}' } : created(run, undefined),
      );
      const key = randomUUID();
      await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext()); // a 503: not stored
      await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      const otherBody = await api.create(v2PublicEvent({ ...order, amountCents: 5 }, { 'Idempotency-Key': key }), lambdaContext());
      expect(otherBody).toMatchObject({ statusCode: 422 }); // validate: 'body' kept
      expect((await api.create(v2PublicEvent(order), lambdaContext())).statusCode).toBe(400); // requireKey kept
      expect(api.runs).toBe(2);
    });

    it('stores a 5xx when your cacheResult says so', async () => {
      const api = paymentsApi({ cacheResult: () => true }, () => ({ statusCode: 503, body: '{}' }));
      const key = randomUUID();
      await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: 503, headers: { 'Idempotent-Replayed': 'true' } });
      expect(api.runs).toBe(1);
    });
  });

  describe('which keys are accepted', () => {
    it.each([256, 10_000])('answers a %i-character Idempotency-Key with 400 problem+json, before anything is claimed', async (length) => {
      const claims = jest.spyOn(store, 'claim');
      const api = paymentsApi();
      const key = 'k'.repeat(length);
      const response = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(response).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/problem+json' } });
      expect(body(response)).toEqual({
        type: 'urn:lambda-idempotency:problem:key-invalid',
        title: 'Idempotency-Key is invalid',
        status: 400,
        detail: 'The Idempotency-Key header is longer than 255 characters; send a unique key such as a UUID.',
      });
      expect(response.body).not.toContain(key.slice(0, 20));
      expect(claims).not.toHaveBeenCalled();
      expect(api.runs).toBe(0);
    });

    it('counts characters, not UTF-16 units: 255 emoji are accepted, 256 are not', async () => {
      const api = paymentsApi();
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': '\u{1F600}'.repeat(255) }), lambdaContext())).toMatchObject({ statusCode: 201 });
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': '\u{1F600}'.repeat(256) }), lambdaContext())).toMatchObject({ statusCode: 400 });
      expect(api.runs).toBe(1);
    });

    it('accepts a key of exactly 255 characters', async () => {
      const api = paymentsApi();
      const key = randomBytes(128).toString('hex').slice(0, 255);
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: 201 });
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ headers: { 'Idempotent-Replayed': 'true' } });
      expect(api.runs).toBe(1);
    });

    it.each([[''], ['   '], ['\t']])('answers an empty or whitespace-only Idempotency-Key (%j) with 400 key-invalid, before anything is claimed', async (key) => {
      const claims = jest.spyOn(store, 'claim');
      const api = paymentsApi();
      const response = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(response.statusCode).toBe(400);
      expect(problemType(response)).toBe('urn:lambda-idempotency:problem:key-invalid');
      expect(claims).not.toHaveBeenCalled();
      expect(api.runs).toBe(0);
    });

    it('answers a request without the header with 400 key-missing', async () => {
      const api = paymentsApi();
      const response = await api.create(v2PublicEvent(order), lambdaContext());
      expect(response).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/problem+json' } });
      expect(problemType(response)).toBe('urn:lambda-idempotency:problem:key-missing');
    });
  });

  describe('what each failure answers', () => {
    const key1 = randomBytes(32);
    const key2 = randomBytes(32);

    it('answers 500 record-unreadable, never 503 "not processed", when the stored response cannot be read after a key rotation', async () => {
      const before = paymentsApi({ encryption: { key: key1, keyId: 'k1' } });
      const after = paymentsApi({ encryption: { key: key2, keyId: 'k2' } }); // rotated without previousKeys
      const key = randomUUID();
      expect(await before.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: 201 });

      const response = await after.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(response).toMatchObject({ statusCode: 500, headers: { 'content-type': 'application/problem+json' } });
      expect(response.headers).not.toHaveProperty('Retry-After');
      expect(body(response)).toMatchObject({ type: 'urn:lambda-idempotency:problem:record-unreadable', status: 500 });
      expect(response.body).not.toContain('not processed');
      expect(response.body).toContain('may have been processed');
      expect(after.runs).toBe(0);
    });

    it("answers with the method's own response when it ran but its completion could not be recorded", async () => {
      jest.spyOn(store, 'complete').mockRejectedValueOnce(new Error('connection reset'));
      const api = paymentsApi();
      const key = randomUUID();
      const response = await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext());
      expect(response).toEqual(created(1, undefined));
      expect(api.runs).toBe(1);
      // The claim is kept until its lease ends: a resend meanwhile is told to wait, not run again.
      expect(await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ statusCode: 409 });
      expect(api.runs).toBe(1);
    });

    it('answers 500 response-not-recorded, saying the request was processed, when the response is too large to store', async () => {
      const api = paymentsApi({ maxResultBytes: 64 }, () => ({ statusCode: 201, body: 'x'.repeat(200) }));
      const response = await api.create(v2PublicEvent(order, { 'Idempotency-Key': randomUUID() }), lambdaContext());
      expect(response.statusCode).toBe(500);
      expect(body(response)).toMatchObject({ type: 'urn:lambda-idempotency:problem:response-not-recorded', detail: expect.stringContaining('was processed') });
      expect(api.runs).toBe(1);
    });

    it('answers 503 with Retry-After when the store fails before the method ran', async () => {
      jest.spyOn(store, 'claim').mockRejectedValueOnce(new Error('ECONNREFUSED'));
      const api = paymentsApi();
      const response = await api.create(v2PublicEvent(order, { 'Idempotency-Key': randomUUID() }), lambdaContext());
      expect(response).toMatchObject({ statusCode: 503, headers: { 'Retry-After': '1' } });
      expect(body(response)).toMatchObject({ type: 'urn:lambda-idempotency:problem:store-unavailable', detail: expect.stringContaining('not processed') });
      expect(api.runs).toBe(0);
    });

    it('rethrows a configuration error (no store), so the invocation fails loudly', async () => {
      resetIdempotencyConfig();
      const api = paymentsApi({ logger });
      await expect(api.create(v2PublicEvent(order, { 'Idempotency-Key': randomUUID() }), lambdaContext())).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFIG' });
      expect(api.runs).toBe(0);
    });
  });

  describe('event shapes', () => {
    it('reads the key from an ALB event with multi-value headers only, and replays', async () => {
      const api = paymentsApi({}, (run) => ({ statusCode: 201, multiValueHeaders: { 'content-type': ['application/json'] }, body: `{"paymentId":"pay_${run}"}` }));
      const key = randomUUID();
      const first = await api.create(albMultiValueEvent(order, { 'idempotency-key': [key] }), lambdaContext());
      expect(first.statusCode).toBe(201);
      const replay = await api.create(albMultiValueEvent(order, { 'idempotency-key': [key] }), lambdaContext());
      // The response has only multiValueHeaders, as that target group expects: the mark goes there.
      expect(replay).toEqual({ statusCode: 201, multiValueHeaders: { 'content-type': ['application/json'], 'Idempotent-Replayed': ['true'] }, body: first.body });
      expect(api.runs).toBe(1);
    });

    it('reads the key from an ALB event without multi-value headers', async () => {
      const api = paymentsApi();
      const key = randomUUID();
      await api.create(albEvent(order, { 'idempotency-key': key }), lambdaContext());
      expect((await api.create(albEvent(order, { 'idempotency-key': key }), lambdaContext())).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      expect(api.runs).toBe(1);
    });

    it('accepts the header repeated with one value (REST API v1 and ALB), and keys on that value', async () => {
      const api = paymentsApi();
      const key = randomUUID();
      await api.create(v1Event(order, { 'Idempotency-Key': [key, key] }), lambdaContext());
      expect((await api.create(albMultiValueEvent(order, { 'Idempotency-Key': [key] }), lambdaContext())).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      expect((await api.create(v2PublicEvent(order, { 'Idempotency-Key': key }), lambdaContext())).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
      expect(api.runs).toBe(1);
    });

    it.each([
      ['REST API v1', (a: string, b: string) => v1Event(order, { 'Idempotency-Key': [a, b] })],
      ['ALB with multi-value headers', (a: string, b: string) => albMultiValueEvent(order, { 'idempotency-key': [a, b] })],
    ])('answers 400 key-invalid to the header repeated with different values (%s), before anything is claimed', async (_shape, event) => {
      const claims = jest.spyOn(store, 'claim');
      const api = paymentsApi();
      const response = await api.create(event(randomUUID(), randomUUID()), lambdaContext());
      expect(response.statusCode).toBe(400);
      expect(body(response)).toMatchObject({ type: 'urn:lambda-idempotency:problem:key-invalid', detail: expect.stringContaining('different values') });
      expect(claims).not.toHaveBeenCalled();
      expect(api.runs).toBe(0);
    });

    it('answers an ALB with multi-value headers in multiValueHeaders, as it expects', async () => {
      const api = paymentsApi();
      const response = await api.create(albMultiValueEvent(order), lambdaContext());
      expect(response).toEqual({ statusCode: 400, multiValueHeaders: { 'content-type': ['application/problem+json'] }, body: expect.stringContaining('key-missing') });
    });
  });
});
