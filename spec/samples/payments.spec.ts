import 'reflect-metadata';
import { configureIdempotency, resetIdempotencyConfig } from '../../lib';
import { PaymentsHandler } from '../../samples/payments/PaymentsHandler';
import { PaymentsService } from '../../samples/payments/PaymentsService';
import { describeEachBackend } from '../helpers/stores';
import { httpEvent, lambdaContext } from '../helpers/lambda';
import { v2JwtEvent } from '../helpers/httpEvents';
import { CaptureLogger } from '../helpers/logger';
import { randomUUID } from 'node:crypto';

describeEachBackend('payments sample', (backend) => {
  let service: PaymentsService;
  let api: PaymentsHandler;
  beforeEach(() => {
    configureIdempotency({ store: backend().make(), logger: new CaptureLogger() });
    service = new PaymentsService(50);
    api = new PaymentsHandler(service);
  });
  afterEach(() => resetIdempotencyConfig());

  const order = { orderId: 'o-1', amountCents: 1999 };

  it('charges once and replays the response marked Idempotent-Replayed', async () => {
    const key = randomUUID();
    const first = await api.create(httpEvent(order, { 'Idempotency-Key': key }), lambdaContext());
    const second = await api.create(httpEvent(order, { 'Idempotency-Key': key }), lambdaContext());
    expect(first.statusCode).toBe(201);
    expect(first.headers).not.toHaveProperty('Idempotent-Replayed');
    expect(second).toEqual({ ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } });
    expect(service.charges).toHaveLength(1);
  });

  it('answers 400 without a key, 422 for a reused key with another body, 409 with Retry-After while in progress', async () => {
    const missing = await api.create(httpEvent(order), lambdaContext());
    expect(missing).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/problem+json' } });

    const key = randomUUID();
    const [a, b] = await Promise.all([
      api.create(httpEvent(order, { 'Idempotency-Key': key }), lambdaContext()),
      api.create(httpEvent(order, { 'Idempotency-Key': key }), lambdaContext()),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const conflict = a.statusCode === 409 ? a : b;
    expect(Number(conflict.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(conflict.body ?? '{}')).toMatchObject({ status: 409, title: expect.stringContaining('in progress') });

    const reused = await api.create(httpEvent({ ...order, amountCents: 1 }, { 'Idempotency-Key': key }), lambdaContext());
    expect(reused.statusCode).toBe(422);
    expect(service.charges).toHaveLength(1);
  });

  it('stores and replays a validation error response like any other', async () => {
    const key = randomUUID();
    const bad = await api.create(httpEvent({ orderId: 'o-2' }, { 'Idempotency-Key': key }), lambdaContext());
    expect(bad.statusCode).toBe(400);
    expect((await api.create(httpEvent({ orderId: 'o-2' }, { 'Idempotency-Key': key }), lambdaContext())).headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
  });

  it("charges each caller separately for the same key, and replays each caller's own payment", async () => {
    const key = 'order-42';
    const alice = await api.create(v2JwtEvent(`alice-${randomUUID()}`, order, { 'Idempotency-Key': key }), lambdaContext());
    const mallorySub = `mallory-${randomUUID()}`;
    const mallory = await api.create(v2JwtEvent(mallorySub, order, { 'Idempotency-Key': key }), lambdaContext());
    expect(mallory.body).not.toBe(alice.body);
    expect(mallory.headers).not.toHaveProperty('Idempotent-Replayed');
    expect(await api.create(v2JwtEvent(mallorySub, order, { 'Idempotency-Key': key }), lambdaContext())).toMatchObject({ body: mallory.body, headers: { 'Idempotent-Replayed': 'true' } });
    expect(service.charges).toHaveLength(2);
  });

  it('refunds once per key', async () => {
    const created = await api.create(httpEvent(order, { 'Idempotency-Key': randomUUID() }), lambdaContext());
    const { paymentId } = JSON.parse(created.body ?? '{}') as { paymentId: string };
    const key = randomUUID();
    const refundEvent = () => ({ ...httpEvent({ amountCents: 500 }, { 'Idempotency-Key': key }), pathParameters: { paymentId } });
    await api.refund(refundEvent(), lambdaContext());
    const replay = await api.refund(refundEvent(), lambdaContext());
    expect(replay.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
    expect(service.refunds).toEqual([expect.objectContaining({ paymentId, amountCents: 500 })]);
  });
});
