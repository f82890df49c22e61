import { IdempotencyKeyRejectedError } from '../../../lib';
import { MAX_IDEMPOTENCY_KEY_LENGTH, readIdempotencyKey } from '../../../lib/integrations/http';
import { albEvent, albMultiValueEvent, v1Event, v2PublicEvent } from '../../helpers/httpEvents';

/** Where the Idempotency-Key is in each event shape, and which values are refused. */
describe('readIdempotencyKey', () => {
  it.each([
    ['HTTP API v2', v2PublicEvent({}, { 'Idempotency-Key': 'k-1' })],
    ['REST API v1', v1Event({}, { 'Idempotency-Key': ['k-1'] })],
    ['ALB', albEvent({}, { 'idempotency-key': 'k-1' })],
    ['ALB with multi-value headers', albMultiValueEvent({}, { 'IDEMPOTENCY-KEY': ['k-1'] })],
  ])('reads the key of a %s event, whatever the header case', (_shape, event) => {
    expect(readIdempotencyKey(event)).toBe('k-1');
  });

  it('reads multiValueHeaders first: there REST API v1 keeps every value, `headers` only the last', () => {
    expect(() => readIdempotencyKey({ headers: { 'idempotency-key': 'b' }, multiValueHeaders: { 'idempotency-key': ['a', 'b'] } })).toThrow(IdempotencyKeyRejectedError);
    expect(readIdempotencyKey({ headers: { 'idempotency-key': 'b' }, multiValueHeaders: {} })).toBe('b');
  });

  it('takes a value repeated identically, and refuses different ones (also under two spellings of the name)', () => {
    expect(readIdempotencyKey(albMultiValueEvent({}, { 'idempotency-key': ['k', 'k'] }))).toBe('k');
    expect(() => readIdempotencyKey({ headers: { 'Idempotency-Key': 'a', 'idempotency-key': 'b' } })).toThrow(
      expect.objectContaining({ reason: 'conflicting', message: 'The request carries 2 different Idempotency-Key values; send the header once.' }),
    );
  });

  it('keeps an HTTP API v2 comma-joined repeat as one key: the event no longer tells them apart', () => {
    expect(readIdempotencyKey(v2PublicEvent({}, { 'idempotency-key': 'a,b' }))).toBe('a,b');
  });

  it('is undefined without the header, and for events that are not objects', () => {
    expect(readIdempotencyKey(v2PublicEvent({}))).toBeUndefined();
    expect(readIdempotencyKey(albMultiValueEvent({}))).toBeUndefined();
    expect(readIdempotencyKey(null)).toBeUndefined();
    expect(readIdempotencyKey('idempotency-key')).toBeUndefined();
  });

  it(`refuses an empty or whitespace-only key and one over ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, without echoing it`, () => {
    for (const [value, reason] of [['', 'empty'], [' \t ', 'empty'], ['s'.repeat(256), 'too_long']] as const) {
      const error = rejectionOf(v2PublicEvent({}, { 'idempotency-key': value }));
      expect(error).toBeInstanceOf(IdempotencyKeyRejectedError);
      expect(error).toMatchObject({ reason, code: 'IDEMPOTENCY_KEY' });
    }
    expect(rejectionOf(v2PublicEvent({}, { 'idempotency-key': 'x'.repeat(300) }))?.message).toBe(
      'Expected the Idempotency-Key header to be at most 255 characters, got 300; send a shorter key such as a UUID.',
    );
    expect(readIdempotencyKey(v2PublicEvent({}, { 'idempotency-key': 'x'.repeat(255) }))).toHaveLength(255);
  });
});

function rejectionOf(event: unknown): Error | undefined {
  try {
    readIdempotencyKey(event);
  } catch (err) {
    return err as Error;
  }
  return undefined;
}
