import { createHash } from 'node:crypto';

/**
 * Lua scripts of `RedisStore`. Each touches exactly one key (KEYS[1]), so they are Redis Cluster
 * safe. Time comes from the server (`TIME`), so leases do not depend on the callers' clocks.
 * Records use the compact encoding of `record.ts`; a script never decodes a stored result.
 */

/** A script and its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * ARGV: token, leaseMs, ttlMs, validationHash, withTtl ('1': also return a completed record's PTTL).
 * Replies: integer lease expiry (claimed); {leaseExpiry} (expired lease taken over);
 * {record, now} (live claim of another caller); record string, or {record, pttl} with withTtl
 * (completed, or unreadable: the client decides).
 * A hit (completed record) costs one GET inside the script and returns before reading the clock.
 */
export const CLAIM = script(`local v = redis.call('GET', KEYS[1])
if v and string.byte(v, 1) ~= 80 then
  if ARGV[5] == '1' then return {v, redis.call('PTTL', KEYS[1])} end
  return v
end
${NOW}
if v then
  local a = string.find(v, '|', 3, true)
  local b = a and string.find(v, '|', a + 1, true)
  local lease = b and tonumber(string.sub(v, a + 1, b - 1))
  if not lease then return v end
  if lease > now then return {v, now} end
end
local leaseMs = tonumber(ARGV[2])
local lease = now + leaseMs
redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. '|' .. string.format('%.0f', lease) .. '|' .. ARGV[4], 'PX', math.max(tonumber(ARGV[3]), leaseMs))
if v then return {lease} end
return lease`);

const OWNED = `local v = redis.call('GET', KEYS[1])
local p = 'P|' .. ARGV[1] .. '|'
if not v or string.sub(v, 1, #p) ~= p then return 0 end`;

/**
 * ARGV: token, completed record, ttlMs. Compare-and-set on the owner token: a caller whose claim
 * was taken over after its lease ended must not overwrite the new owner's record.
 */
export const COMPLETE = script(`${OWNED}
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`);

/** ARGV: token. Deletes the claim only while `token` owns it. */
export const RELEASE = script(`${OWNED}
redis.call('DEL', KEYS[1])
return 1`);

/** ARGV: token, leaseMs. Moves the lease end to now + leaseMs while `token` owns the claim. */
export const RENEW = script(`${OWNED}
local rest = string.find(v, '|', #p + 1, true)
if not rest then return 0 end
${NOW}
local leaseMs = tonumber(ARGV[2])
redis.call('SET', KEYS[1], p .. string.format('%.0f', now + leaseMs) .. string.sub(v, rest), 'KEEPTTL')
if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], leaseMs) end
return 1`);
