import { describeValue, expectNonNegativeInteger, expectPositiveInteger } from '../../lib/core/check';
import { IdempotencyConfigError } from '../../lib';

describe('value checks shared by options, stores and the local cache', () => {
  it.each([0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, '5', null, undefined])('refuses %p as a positive integer, naming the option', (value) => {
    expect(() => expectPositiveInteger('ttlSeconds', value)).toThrow(IdempotencyConfigError);
    expect(() => expectPositiveInteger('ttlSeconds', value)).toThrow(`Expected \`ttlSeconds\` to be a positive integer, got ${describeValue(value)}`);
  });

  it('returns an accepted value unchanged', () => {
    expect(expectPositiveInteger('ttlSeconds', 1)).toBe(1);
    expect(expectNonNegativeInteger('eventArgIndex', 0)).toBe(0);
    expect(() => expectNonNegativeInteger('eventArgIndex', -1)).toThrow('Expected `eventArgIndex` to be a non-negative integer, got -1');
  });

  it('shows an object or a function by its kind only, never its fields', () => {
    expect(describeValue({ password: 'hunter2' })).toBe('an object');
    expect(describeValue(['x'])).toBe('an array');
    expect(describeValue(() => 'hunter2')).toBe('a function');
    expect(describeValue('ttl')).toBe('"ttl"');
  });
});
