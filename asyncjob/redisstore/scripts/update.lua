-- update: compare-and-set of a job record. The stored Version must equal the
-- caller's and the state change must be allowed by asyncjob.CanTransition;
-- then the mutable fields are replaced, the Version incremented and the
-- change published (when a watcher has read the record). Immutable fields
-- (field "i") and the lease are kept; a terminal state clears the lease. A delivery (fields di, d, ds, dn) is
-- stored only when the job has none yet; a pending one enters the outbox.
--
-- KEYS[1]  job hash
-- KEYS[2]  queue (sorted set)
-- KEYS[3]  running jobs (sorted set: job ID scored by lease end)
-- KEYS[4]  outbox (sorted set: job ID scored by delivery due time)
-- ARGV[1]  job ID
-- ARGV[2]  expected Version
-- ARGV[3]  new state
-- ARGV[4]  now, Unix nanoseconds
-- ARGV[5]  feed channel
-- ARGV[6]  expiry, Unix nanoseconds, or ""
-- ARGV[7]  retention TTL in milliseconds, or "" (with ARGV[6])
-- ARGV[8..11] the new fields m, p, att and sa
-- ARGV[12] delivery ID, ARGV[13] delivery JSON without ID and lease,
--          ARGV[14] delivery state, ARGV[15] delivery next attempt time
--          (Unix nanoseconds, or ""): only when the caller's job has a
--          delivery
--
-- Returns {"ok", newVersion}, {"nf"} for a missing or expired job, or
-- {"conflict"} for a changed Version or a forbidden transition.

-- now is read from its argument only where a time is compared: tonumber
-- is a strtod, and most calls compare none.

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
if st == false or (exp ~= false and exp ~= '' and tonumber(exp) <= tonumber(ARGV[4])) then
  return {'nf'}
end
if v ~= ARGV[2] or not can(st, ARGV[3]) then
  return {'conflict'}
end

local to = ARGV[3]
local nv = string.format('%d', tonumber(v) + 1)
-- The common cases (a terminal outcome, a progress note) are written
-- without building a table: every step costs Redis CPU on every job.
local outbox = false
if terminal(to) then
  redis.call('HSET', KEYS[1], 'st', to, 'exp', ARGV[6], 'v', nv, 'm', ARGV[8], 'p', ARGV[9], 'att', ARGV[10], 'sa', ARGV[11], 'lo', '', 'lu', '')
else
  redis.call('HSET', KEYS[1], 'st', to, 'exp', ARGV[6], 'v', nv, 'm', ARGV[8], 'p', ARGV[9], 'att', ARGV[10], 'sa', ARGV[11])
end
if (di == false or di == '') and #ARGV >= 15 then
  redis.call('HSET', KEYS[1], 'di', ARGV[12], 'd', ARGV[13], 'ds', ARGV[14], 'dn', ARGV[15], 'dlo', '', 'dlu', '')
  outbox = ARGV[14] == 'pending'
end
if outbox then
  local at = ARGV[15]
  if at == '' then
    at = ARGV[4]
  end
  redis.call('ZADD', KEYS[4], at, ARGV[1])
end
if st == 'accepted' and to ~= 'accepted' then
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if terminal(to) then
  redis.call('ZREM', KEYS[3], ARGV[1])
end
if ARGV[6] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  if ik ~= false and ik ~= '' and redis.call('GET', ik) == ARGV[1] then
    redis.call('PEXPIRE', ik, ARGV[7])
  end
elseif exp ~= false and exp ~= '' then
  redis.call('PERSIST', KEYS[1])
  if ik ~= false and ik ~= '' and redis.call('GET', ik) == ARGV[1] then
    redis.call('PERSIST', ik)
  end
end
if watched then
  redis.call('PUBLISH', ARGV[5], nv .. ' ' .. ARGV[1])
end
return {'ok', tonumber(nv)}
