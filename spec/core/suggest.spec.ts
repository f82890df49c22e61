import { suggestName } from '../../lib/core/suggest';

describe('the "did you mean" suggestion for an unknown name', () => {
  const options = ['store', 'ttlSeconds', 'leaseSeconds', 'waitSeconds', 'maxResultBytes', 'eventArgIndex', 'renewLease', 'cacheResult', 'cacheError', 'prefix'];

  it.each([
    ['TTLSeconds', 'ttlSeconds'], // letter case
    ['ttl', 'ttlSeconds'], // the stem without its unit
    ['lease', 'leaseSeconds'],
    ['ttlSecs', 'ttlSeconds'], // another spelling of the unit
    ['leaseMs', 'leaseSeconds'], // another unit
    ['maxResultSize', 'maxResultBytes'],
    ['eventArg', 'eventArgIndex'], // the beginning of one known name
    ['cacheReslt', 'cacheResult'], // within two edits
    ['prefx', 'prefix'],
  ])('suggests %s → %s', (given, expected) => {
    expect(suggestName(given, options)).toBe(expected);
  });

  it.each([
    ['colour'], // nothing close
    ['cache'], // the beginning of two names: no guess
    ['leaseRenew'], // a stem followed by something other than a unit is no slip for that unit
    ['st'], // too short to be the beginning of a name
  ])('suggests nothing for %s', (given) => {
    expect(suggestName(given, options)).toBeUndefined();
  });

  it('only ever suggests a name from the list it is given', () => {
    expect(suggestName('nam', ['name', 'prefix'])).toBe('name');
    expect(suggestName('nam', ['prefix'])).toBeUndefined();
  });
});
