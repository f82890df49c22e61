import { parseArgs, UsageError } from '../../lib/cli/args';

describe('CLI argument parsing', () => {
  it('reads value flags as --name value and --name=value, and switches', () => {
    const { command, flags } = parseArgs(['invalidate', '--namespace=charge', '--key', 'order=42', '--prefix=a=b', '--json']);
    expect(command).toBe('invalidate');
    expect(Object.fromEntries(flags)).toEqual({ namespace: 'charge', key: 'order=42', prefix: 'a=b', json: true });
  });

  it.each([
    [['invalidate', '--namespace', 'charge', '--key', 'order-42', '--prefx', 'billing'], /Unknown option --prefx for invalidate; did you mean --prefix\?/],
    [['inspect', '--record-key', 'k', '--timeout', '5'], /Unknown option --timeout for inspect; did you mean --timeout-seconds\?/],
    [['inspect', '--json=false'], /--json takes no value/],
    [['inspect', '--show-result=no'], /--show-result takes no value/],
    [['invalidate', '--show-result'], /Unknown option --show-result for invalidate/],
    [['list-in-progress', '--key', 'x'], /Unknown option --key for list-in-progress/],
    [['inspect', '--prefix', 'a', '--prefix', 'b'], /--prefix is given twice/],
    [['inspect', '--key'], /--key needs a value/],
    [['inspect', '--key', '--json'], /--key needs a value/],
    [['inspect', 'stray'], /Unexpected argument "stray"/],
    [['--json'], /Give a command before --json/],
    [['frobnicate', '--json'], /Unknown command "frobnicate"/],
    [['invalidate', '--toString', 'x'], /Unknown option --toString for invalidate/],
    [['invalidate', '--__proto__', 'x'], /Unknown option --__proto__ for invalidate/],
    [['constructor', '--json'], /Unknown command "constructor"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('takes a value that merely starts with a dash when given inline', () => {
    expect(parseArgs(['inspect', '--key=--weird']).flags.get('key')).toBe('--weird');
  });
});
