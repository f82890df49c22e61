import { IdempotencyConfigError, IdempotencyCorruptRecordError, IdempotencyStoreError } from '../../../lib';
import { isAuthRefusal, reconnectOnFailover, toRedisStoreError } from '../../../lib/stores/redis/redisErrors';

/**
 * Which Redis failures may fail open (outages) and which never do (a server that is up and will
 * refuse every call the same way). The replies a real server gives are tested against
 * redis-server in spec/stores/RedisStore.spec.ts (OOM, ERR, BUSY) and spec/faults.spec.ts (READONLY).
 */

/** An error as ioredis rejects a command with it (a reply, or its own transport error). */
const failure = (message: string): Error => new Error(message);

describe('toRedisStoreError', () => {
  it.each([
    'Command timed out',
    'Connection is closed.',
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    'connect ECONNREFUSED 127.0.0.1:6379',
    'read ECONNRESET',
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    'CLUSTERDOWN The cluster is down',
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    "READONLY You can't write against a read only replica.",
    "READONLY You can't write against a read only replica. script: 6b81..., on @user_script:1.",
    "ERR Error running script (call to f_1028): @user_script:4: @user_script: 4: -READONLY You can't write against a read only replica.",
    'NOREPLICAS Not enough good replicas to write.',
    'ERR max number of clients reached',
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
    'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  ])('takes %j for an outage (IdempotencyStoreError, may fail open)', (message) => {
    const error = toRedisStoreError('claim', failure(message));
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect(error.code).toBe('IDEMPOTENCY_STORE');
  });

  it.each([
    ["OOM command not allowed when used memory > 'maxmemory'.", /raise maxmemory/],
    ["OOM command not allowed when used memory > 'maxmemory'. script: 6346..., on @user_script:6.", /raise maxmemory/],
    ["ERR Error running script (call to f_63): @user_script:6: @user_script: 6: -OOM command not allowed when used memory > 'maxmemory'.", /raise maxmemory/],
    ['ERR value is not an integer or out of range', /check the idempotency options/],
    ["ERR invalid expire time in 'set' command", /check the idempotency options/],
    ["NOPERM this user has no permissions to run the 'set' command", /\+set \+get \+del/],
    'NOAUTH Authentication required.',
    'MOVED 3999 127.0.0.1:6381',
  ].map((row) => (Array.isArray(row) ? row : [row, /Not an outage/])))('takes %j for a refusal that will repeat (IdempotencyConfigError, never fails open)', (message, fix) => {
    const error = toRedisStoreError('claim', failure(message as string));
    expect(error).toBeInstanceOf(IdempotencyConfigError);
    expect(error.message).toMatch(fix as RegExp);
    expect(error.message).toMatch(/even with onStoreError 'continue'/);
  });

  it('takes WRONGTYPE for a corrupt record, in either script error form', () => {
    for (const message of ['WRONGTYPE Operation against a key holding the wrong kind of value', 'ERR Error running script (call to f_1): @user_script:1: @user_script: 1: -WRONGTYPE Operation against a key holding the wrong kind of value']) {
      expect(toRedisStoreError('claim', failure(message))).toBeInstanceOf(IdempotencyCorruptRecordError);
    }
  });

  it('names the store and the operation, never the key', () => {
    const error = toRedisStoreError('renewLease', failure('Command timed out'));
    expect(error.message).toMatch(/^RedisStore renewLease failed: Command timed out; an outage/);
    expect(toRedisStoreError('get', failure('WRONGTYPE Operation against a key holding the wrong kind of value')).message).toMatch(/^RedisStore get failed: the key holds a Redis type other than a string; delete the record/);
  });

  it('leaves out the arguments Redis echoes after an unknown command', () => {
    const error = toRedisStoreError('claim', failure("ERR unknown command 'evalsha', with args beginning with: 'abc' '1' 'k' 'C||t1|v{\"card\":\"4242\"}' "));
    expect(error.message).toContain("ERR unknown command 'evalsha'");
    expect(error.message).not.toMatch(/4242|with args/);
  });
});

describe('isAuthRefusal', () => {
  const handshake = (name: string, message: string): Error => Object.assign(new Error(message), { command: { name, args: ['user', 'secret'] } });

  it('is the handshake refusing the credentials (AUTH or HELLO), not an outage during it nor another command', () => {
    expect(isAuthRefusal(handshake('auth', 'WRONGPASS invalid username-password pair or user is disabled.'))).toBe(true);
    expect(isAuthRefusal(handshake('hello', 'NOAUTH HELLO must be called with the client already authenticated'))).toBe(true);
    expect(isAuthRefusal(handshake('auth', 'LOADING Redis is loading the dataset in memory'))).toBe(false);
    expect(isAuthRefusal(handshake('select', 'ERR DB index is out of range'))).toBe(false);
    expect(isAuthRefusal(failure('WRONGPASS invalid username-password pair'))).toBe(false);
  });
});

describe('reconnectOnFailover', () => {
  it('reconnects (1, never 2: the refused command is not sent again) on READONLY only, in either script error form', () => {
    expect(reconnectOnFailover(failure("READONLY You can't write against a read only replica."))).toBe(1);
    expect(reconnectOnFailover(failure("ERR Error running script (call to f_1): @user_script:4: @user_script: 4: -READONLY You can't write against a read only replica."))).toBe(1);
    expect(reconnectOnFailover(failure("OOM command not allowed when used memory > 'maxmemory'."))).toBe(false);
    expect(reconnectOnFailover(failure('ERR mentions READONLY later'))).toBe(false);
  });
});

describe('the cause of a wrapped Redis error', () => {
  it("drops the command's arguments ioredis attaches (the record: a result and its owner token), keeping name and message", () => {
    const reply = Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), { name: 'ReplyError', command: { name: 'evalsha', args: ['sha', '1', 'k', 'token-1', 'C||v{"card":"4111111111111111"}'] } });
    const error = toRedisStoreError('claim', reply);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('ReplyError');
    expect((error.cause as Error).message).toMatch(/^OOM/);
    expect(require('node:util').inspect(error, { depth: 10 })).not.toContain('4111');
  });
});
