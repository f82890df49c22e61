import { decodeRecord, encodeCompleted, encodeInProgress, isResentCompletion, RecordStatus } from '../../lib/core/record';

describe('record encoding', () => {
  it('round-trips a completed record with its owner token, undefined and separator-laden payloads', () => {
    for (const payload of [undefined, '', '{"a":"b|c"}', 'tx|v|u']) {
      for (const validationHash of [undefined, 'abc123']) {
        expect(decodeRecord(encodeCompleted(validationHash, payload, 'tok-1'))).toEqual({ status: RecordStatus.Completed, token: 'tok-1', validationHash, ...(payload === undefined ? {} : { payload }) });
      }
    }
  });

  it('still decodes completed records written without a token (version 0.1)', () => {
    expect(decodeRecord('C||v{"ok":true}')).toEqual({ status: RecordStatus.Completed, validationHash: undefined, payload: '{"ok":true}' });
    expect(decodeRecord('C|h|u')).toEqual({ status: RecordStatus.Completed, validationHash: 'h' });
    // A 0.1 payload that starts with "t" is a payload, not a token: its tag is "v".
    expect(decodeRecord('C||vtrue')).toMatchObject({ payload: 'true' });
  });

  it('refuses truncated or empty owner tokens', () => {
    for (const raw of ['C||t', 'C||ttok', 'C||ttok|', 'C||t|v1', 'C||ttok|x1']) expect(decodeRecord(raw)).toBeUndefined();
  });

  it('recognizes a resent completion only for the same token, payload and validation hash', () => {
    const stored = { status: RecordStatus.Completed, token: 't1', payload: '1', validationHash: 'h' } as const;
    expect(isResentCompletion(stored, 't1', '1', 'h')).toBe(true);
    expect(isResentCompletion(stored, 't2', '1', 'h')).toBe(false);
    expect(isResentCompletion(stored, 't1', '2', 'h')).toBe(false);
    expect(isResentCompletion(stored, 't1', '1', undefined)).toBe(false);
    expect(isResentCompletion({ status: RecordStatus.Completed, payload: '1' }, 't1', '1', undefined)).toBe(false);
  });

  it('keeps in-progress records as they were', () => {
    expect(decodeRecord(encodeInProgress('tok', 1_800_000_000_000, undefined))).toEqual({ status: RecordStatus.InProgress, token: 'tok', leaseExpiresAtMs: 1_800_000_000_000, validationHash: undefined });
  });
});
