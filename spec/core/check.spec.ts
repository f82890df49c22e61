import {
  describeValue,
  expectBoolean,
  expectFunction,
  expectNonEmptyString,
  expectNonNegativeInteger,
  expectOneOf,
  expectPositiveInteger,
  expectValue,
  hasMethods,
} from '../../lib/core/check';
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

  it.each([
    [() => expectBoolean('requireKey', 'yes'), 'Expected `requireKey` to be a boolean, got "yes"'],
    [() => expectNonEmptyString('prefix', ' '), 'Expected `prefix` to be a non-empty string, got " "'],
    [() => expectNonEmptyString('prefix', 7), 'Expected `prefix` to be a non-empty string, got 7'],
    [() => expectFunction('onReplay', {}), 'Expected `onReplay` to be a function, got an object'],
    [() => expectOneOf('onStoreError', 'ignore', ['fail', 'continue']), "Expected `onStoreError` to be 'fail' or 'continue', got \"ignore\""],
    [() => expectOneOf('mode', 'x', ['a', 'b', 'c']), "Expected `mode` to be 'a', 'b' or 'c', got \"x\""],
    [() => expectValue('serializer', null, false, 'have serialize and deserialize methods'), 'Expected `serializer` to have serialize and deserialize methods, got null'],
  ])('refuses with one wording: %#', (check, message) => {
    expect(check).toThrow(IdempotencyConfigError);
    expect(check).toThrow(message);
  });

  it('passes an accepted value through', () => {
    expect(expectBoolean('renewLease', false)).toBe(false);
    expect(expectNonEmptyString('prefix', 'jobs')).toBe('jobs');
    expect(expectOneOf('onInProgress', 'wait', ['fail', 'wait'])).toBe('wait');
    expect(() => expectFunction('onReplay', () => 1)).not.toThrow();
    expect(() => expectValue('x', 1, true, 'be anything')).not.toThrow();
  });

  it('finds methods on objects and functions, never on primitives', () => {
    expect(hasMethods({ info() {}, warn() {} }, ['info', 'warn'])).toBe(true);
    expect(hasMethods(Object.assign(() => 1, { info() {} }), ['info'])).toBe(true);
    expect(hasMethods({ info() {} }, ['info', 'warn'])).toBe(false);
    expect(hasMethods('info', ['toString'])).toBe(false);
    expect(hasMethods(null, [])).toBe(false);
  });
});
