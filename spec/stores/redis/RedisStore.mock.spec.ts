import RedisMock from 'ioredis-mock';
import { lambdaRedisOptions, RedisStore } from '../../../lib';
import { CaptureLogger } from '../../helpers/logger';
import { describeStoreContract } from '../../helpers/storeContract';

// The README's "Testing your handlers" builds `new RedisStore(new RedisMock())` (ioredis-mock, which
// runs Lua in fengari): it holds only if the mock runs the store's claim (SET NX GET, or the claim
// script), its compare-and-set scripts and its expiries as Redis does. Every guarantee is still
// tested on a real redis-server (RedisStore.contract.spec.ts); this pins the testing recipe.
let redis: InstanceType<typeof RedisMock>;
describeStoreContract(
  'RedisStore over ioredis-mock (the testing recipe)',
  async () => {
    redis = new RedisMock(lambdaRedisOptions());
    return { store: new RedisStore(redis), prefix: 'mock-contract' };
  },
  async () => {
    await redis.flushall();
    redis.disconnect();
  },
);

describe('RedisStore over ioredis-mock', () => {
  it('takes the lambdaRedisOptions() of the mock without a set-up warning', () => {
    const logger = new CaptureLogger();
    const mock = new RedisMock(lambdaRedisOptions());
    new RedisStore(mock, { logger });
    expect(logger.lines).toEqual([]);
    mock.disconnect();
  });
});
