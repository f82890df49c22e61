import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { configureIdempotency, MemoryStore, resetIdempotencyConfig } from '../../../lib';
import { IdempotentHttp, type HttpResponse } from '../../../lib/integrations/http';
import { albMultiValueEvent, v2JwtEvent } from '../../helpers/httpEvents';
import { CaptureLogger } from '../../helpers/logger';

/**
 * Compiled by tsconfig.standard.json (TC39 decorators): `IdempotentHttp` behaves as in the legacy
 * dialect (spec/http.spec.ts): caller scope, problem responses, multi-value headers.
 */
class PaymentsApi {
  runs = 0;

  @IdempotentHttp({ name: 'StandardPaymentsApi.create', store: new MemoryStore(), logger: new CaptureLogger() })
  async create(_event: unknown): Promise<HttpResponse> {
    this.runs++;
    return { statusCode: 201, body: `{"paymentId":"pay_${this.runs}"}` };
  }
}

describe('IdempotentHttp with TC39 decorators', () => {
  beforeEach(() => configureIdempotency({ logger: new CaptureLogger() }));
  afterEach(() => resetIdempotencyConfig());

  it("replays a key only to its caller, and answers problems in the event's header shape", async () => {
    const api = new PaymentsApi();
    const key = randomUUID();
    await api.create(v2JwtEvent('alice', {}, { 'Idempotency-Key': key }));
    expect((await api.create(v2JwtEvent('mallory', {}, { 'Idempotency-Key': key }))).body).toBe('{"paymentId":"pay_2"}');
    expect((await api.create(v2JwtEvent('alice', {}, { 'Idempotency-Key': key }))).headers).toEqual({ 'Idempotent-Replayed': 'true' });
    expect(await api.create(albMultiValueEvent({}, { 'idempotency-key': ['a', 'b'] }))).toMatchObject({ statusCode: 400, multiValueHeaders: { 'content-type': ['application/problem+json'] } });
    expect(api.runs).toBe(2);
  });
});
