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
-- ARGV[8]  delivery ID, or "" when the caller's job has no delivery
-- ARGV[9]  delivery JSON without ID and lease
-- ARGV[10] delivery state
-- ARGV[11] delivery next attempt time, Unix nanoseconds, or ""
-- ARGV[12..] field/value pairs to replace (m, p, att, sa)
--
-- Returns {"ok", newVersion}, {"nf"} for a missing or expired job, or
-- {"conflict"} for a changed Version or a forbidden transition.

local now = tonumber(ARGV[4])

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
if st == false or (exp ~= false and exp ~= '' and tonumber(exp) <= now) then
  return {'nf'}
end
if v ~= ARGV[2] or not can(st, ARGV[3]) then
  return {'conflict'}
end

local to = ARGV[3]
local nv = string.format('%d', tonumber(v) + 1)
-- One HSET writes everything: commands inside a script cost Redis CPU like
-- any other, and an update runs at least once per job.
local fields = {'st', to, 'exp', ARGV[6], 'v', nv}
for i = 12, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
local outbox = false
if (di == false or di == '') and ARGV[8] ~= '' then
  for _, x in ipairs({'di', ARGV[8], 'd', ARGV[9], 'ds', ARGV[10], 'dn', ARGV[11], 'dlo', '', 'dlu', ''}) do
    fields[#fields + 1] = x
  end
  outbox = ARGV[10] == 'pending'
end
if terminal(to) then
  for _, x in ipairs({'lo', '', 'lu', ''}) do
    fields[#fields + 1] = x
  end
end
redis.call('HSET', KEYS[1], unpack(fields))
if outbox then
  local at = ARGV[11]
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
