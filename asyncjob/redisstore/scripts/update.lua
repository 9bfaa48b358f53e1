-- update: compare-and-set of a job record. The stored Version must equal the
-- caller's and the state change must be allowed by asyncjob.CanTransition;
-- then the mutable fields are replaced, the Version incremented and the
-- change published (when a watcher has read the record). Immutable fields
-- (field "i") and the lease are kept; a terminal state clears the lease. A delivery (fields di, d, ds, dn) is
-- stored only when the job has none yet; a pending one enters the outbox.
--
-- KEYS[1]  job hash: the store's base key name .. "job:" .. job ID
-- KEYS[2]  running jobs (sorted set: job ID scored by lease end), named
--          base .. "running"; the queue (base .. "queue"), the outbox
--          (base .. "outbox", sorted set: job ID scored by delivery due
--          time) and the feed channel (base .. "feed") are named from it
--          where they are used (keys of the same hash slot)
-- ARGV[1]  expected Version
-- ARGV[2]  new state
-- ARGV[3]  now, Unix nanoseconds
-- ARGV[4..7] the new fields m, p, att and sa
-- ARGV[8]  expiry, Unix nanoseconds, ARGV[9] retention TTL in
--          milliseconds: missing or "" for none
-- ARGV[10] delivery ID, ARGV[11] delivery JSON without ID and lease,
--          ARGV[12] delivery state, ARGV[13] delivery next attempt time
--          (Unix nanoseconds, or ""): only when the caller's job has a
--          delivery
--
-- Returns {"ok", newVersion}, {"nf"} for a missing or expired job, or
-- {"conflict"} for a changed Version or a forbidden transition.

-- now is read from its argument only where a time is compared: tonumber
-- is a strtod, and most calls compare none. Every KEYS and ARGV element
-- costs Redis a Lua string and a table slot on every call, so the ID and
-- the names used on some paths only are derived from KEYS where needed.

local function valid(s)
  return s == 'accepted' or s == 'processing' or s == 'completed' or s == 'failed' or s == 'canceled'
end
local function terminal(s)
  return s == 'completed' or s == 'failed' or s == 'canceled'
end
-- Mirrors asyncjob.CanTransition.
local function can(from, to)
  if from == to then
    return valid(from)
  end
  if from == 'accepted' then
    return to == 'processing' or to == 'canceled' or to == 'failed'
  end
  if from == 'processing' then
    return terminal(to)
  end
  return false
end

local cur = redis.call('HMGET', KEYS[1], 'st', 'v', 'exp', 'ik', 'di', 'wt')
local st, v, exp, ik, di, watched = cur[1], cur[2], cur[3], cur[4], cur[5], cur[6]
if st == false or (exp ~= false and exp ~= '' and tonumber(exp) <= tonumber(ARGV[3])) then
  return {'nf'}
end
if v ~= ARGV[1] or not can(st, ARGV[2]) then
  return {'conflict'}
end

local base = string.sub(KEYS[2], 1, -8)
local id = string.sub(KEYS[1], #base + 5)
local to = ARGV[2]
local newExp, ttl = ARGV[8] or '', ARGV[9] or ''
local nv = string.format('%d', tonumber(v) + 1)
-- The common cases (a terminal outcome, a progress note) are written
-- without building a table: every step costs Redis CPU on every job.
local outbox = false
if terminal(to) then
  redis.call('HSET', KEYS[1], 'st', to, 'exp', newExp, 'v', nv, 'm', ARGV[4], 'p', ARGV[5], 'att', ARGV[6], 'sa', ARGV[7], 'lo', '', 'lu', '')
else
  redis.call('HSET', KEYS[1], 'st', to, 'exp', newExp, 'v', nv, 'm', ARGV[4], 'p', ARGV[5], 'att', ARGV[6], 'sa', ARGV[7])
end
if (di == false or di == '') and #ARGV >= 13 then
  redis.call('HSET', KEYS[1], 'di', ARGV[10], 'd', ARGV[11], 'ds', ARGV[12], 'dn', ARGV[13], 'dlo', '', 'dlu', '')
  outbox = ARGV[12] == 'pending'
end
if outbox then
  local at = ARGV[13]
  if at == '' then
    at = ARGV[3]
  end
  redis.call('ZADD', base .. 'outbox', at, id)
end
if st == 'accepted' and to ~= 'accepted' then
  redis.call('ZREM', base .. 'queue', id)
end
if terminal(to) then
  redis.call('ZREM', KEYS[2], id)
end
if ttl ~= '' then
  redis.call('PEXPIRE', KEYS[1], ttl)
  if ik ~= false and ik ~= '' and redis.call('GET', ik) == id then
    redis.call('PEXPIRE', ik, ttl)
  end
elseif exp ~= false and exp ~= '' then
  redis.call('PERSIST', KEYS[1])
  if ik ~= false and ik ~= '' and redis.call('GET', ik) == id then
    redis.call('PERSIST', ik)
  end
end
if watched then
  redis.call('PUBLISH', base .. 'feed', nv .. ' ' .. id)
end
return {'ok', tonumber(nv)}
