import { createHash } from 'node:crypto';
import type { RedisClient } from './redisClient';

/**
 * Lua scripts of `RedisStore`. Each touches exactly one key (KEYS[1]), so they are Redis Cluster
 * safe. An in-progress record's lease is the key's own expiry (PX leaseMs): Redis ends it on its
 * own clock, so a caller with a fast clock can never take a live claim over. Records use the
 * compact encoding of `record.ts`; a script never decodes a stored result.
 */

/** A script and its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs the scripts on one client. EVALSHA saves sending the script on every call; the first call
 * per script sends EVAL (which also caches it server-side), and a NOSCRIPT after a server restart
 * or `SCRIPT FLUSH` falls back to EVAL again. Errors are the client's, unwrapped.
 *
 * @example
 * ```ts
 * const reply = await new ScriptRunner(client).run(RELEASE, key, token);
 * ```
 */
export class ScriptRunner {
  private readonly loaded = new Set<string>();

  constructor(private readonly client: RedisClient) {}

  async run(lua: LuaScript, key: string, ...args: Array<string | number>): Promise<unknown> {
    if (this.loaded.has(lua.sha)) {
      try {
        return await this.client.evalsha(lua.sha, 1, key, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      }
    }
    const reply = await this.client.eval(lua.source, 1, key, ...args);
    this.loaded.add(lua.sha);
    return reply;
  }
}

/**
 * ARGV: in-progress record, leaseMs, withTtl ('1': also return a completed record's PTTL).
 * The same contract as `SET key record PX leaseMs NX GET` (what `RedisStore` sends on Redis 7+),
 * for Redis before 7, which refuses NX with GET, and for the local cache, which needs the PTTL.
 * Replies: nil (claimed); the existing record string; {completed record, pttl} with withTtl.
 */
export const CLAIM = script(`local v = redis.call('GET', KEYS[1])
if v then
  if ARGV[3] == '1' and string.byte(v, 1) ~= 80 then return {v, redis.call('PTTL', KEYS[1])} end
  return v
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`);

const OWNED = `local v = redis.call('GET', KEYS[1])
local p = 'P|' .. ARGV[1] .. '|'
local owned = v and string.sub(v, 1, #p) == p`;

/**
 * ARGV: token, completed record (which holds the token), ttlMs. Compare-and-set on the owner
 * token. Timeline it prevents: A's lease ends → B claims → A finishes late. A's write is refused,
 * B's claim stands. An absent key (A's lease ended and nobody claimed since) takes A's result:
 * the side effect did happen. Timeline it recognizes: A's completion lands → its reply is lost →
 * a client that resends (ioredis' default; a store built from a URL does not) resends it → the
 * key already holds exactly this record, A's own: stored, not lost.
 */
export const COMPLETE = script(`${OWNED}
if v == ARGV[2] then return 1 end
if v and not owned then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`);

/** ARGV: token. Deletes the claim only while `token` owns it. */
export const RELEASE = script(`${OWNED}
if not owned then return 0 end
redis.call('DEL', KEYS[1])
return 1`);

/**
 * ARGV: token, leaseMs, new lease end (epoch ms, for the record). While `token` owns the claim,
 * the key's expiry (the lease) moves to leaseMs from now.
 */
export const RENEW = script(`${OWNED}
if not owned then return 0 end
local rest = string.find(v, '|', #p + 1, true)
if not rest then return 0 end
redis.call('SET', KEYS[1], p .. ARGV[3] .. string.sub(v, rest), 'PX', ARGV[2])
return 1`);
