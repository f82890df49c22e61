import { bigintText, canonicalDecimal, ExactNumber, numberFromLiteral } from '../../../lib/core/key/exactNumber';

describe('exact JSON numbers', () => {
  it.each([
    ['1', '1'],
    ['1.0', '1'],
    ['10e0', '10'],
    ['1.5e3', '1500'],
    ['-0', '0'],
    ['-0.0e5', '0'],
    ['0.000001', '0.000001'],
    ['0.0000001', '1e-7'],
    ['1e21', '1e+21'],
    ['100000000000000000000', '100000000000000000000'],
    ['9007199254740993', '9007199254740993'],
    ['-12.3400e-2', '-0.1234'],
    ['1e400', '1e+400'],
    ['1e-400', '1e-400'],
    ['123456789012345678901234567890', '1.2345678901234567890123456789e+29'],
    ['1e99999999999999999999', '1e+99999999999999999999'],
  ])('writes %s as %s', (literal, text) => {
    expect(canonicalDecimal(literal)).toBe(text);
  });

  it('writes what String(n) writes for a literal that the double holds exactly', () => {
    for (const n of [0, 1, -1, 0.1, 0.30000000000000004, 1e21, 1.7976931348623157e308, 5e-324, 123.456, -9007199254740991]) {
      expect(canonicalDecimal(JSON.stringify(n))).toBe(String(n));
    }
  });

  it('reads a literal as a number when the double holds it, else as an ExactNumber', () => {
    expect(numberFromLiteral('12.5')).toBe(12.5);
    expect(numberFromLiteral('1.5e3')).toBe(1500);
    expect(numberFromLiteral('0.30000000000000004')).toBe(0.30000000000000004);
    expect(numberFromLiteral('9007199254740993')).toEqual(new ExactNumber('9007199254740993'));
    expect(numberFromLiteral('1e400')).toEqual(new ExactNumber('1e+400'));
    expect(numberFromLiteral('0.1000000000000000000001')).toEqual(new ExactNumber('0.1000000000000000000001'));
  });

  it('writes a BigInt as the same integer written as a number', () => {
    expect(bigintText(5n)).toBe('5');
    expect(bigintText(-(10n ** 21n))).toBe('-1e+21');
    expect(bigintText(9007199254740993n)).toBe('9007199254740993');
  });
});
