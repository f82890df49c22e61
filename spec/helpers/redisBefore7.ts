import { ReplyError, type Redis } from 'ioredis';

/**
 * Makes `client` answer `SET` with both `NX` and `GET` as Redis before 7 does ("ERR syntax
 * error"); every other command is real. Returns how many such SETs it refused so far.
 */
export function refuseSetNxGet(client: Redis): () => number {
  let refused = 0;
  const set = client.set.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { set: (...args: unknown[]) => Promise<unknown> }).set = async (...args: unknown[]) => {
    if (args.includes('NX') && args.includes('GET')) {
      refused++;
      throw new ReplyError('ERR syntax error');
    }
    return set(...args);
  };
  return () => refused;
}
