-- record_delivery: store the outcome of a webhook attempt made by the worker
-- holding the delivery's lease. The lease ends; a pending delivery is due
-- again at its next attempt time; the Version is incremented and the change
-- published when the record is watched.
--
-- KEYS[1]  job hash
-- KEYS[2]  outbox (sorted set: job ID scored by due time, Unix ns)
-- ARGV[1]  job ID
-- ARGV[2]  worker name
-- ARGV[3]  now, Unix nanoseconds
-- ARGV[4]  feed channel
-- ARGV[5]  delivery JSON without ID and lease (the stored ID is kept)
-- ARGV[6]  delivery state
-- ARGV[7]  next attempt time, Unix nanoseconds, or ""
--
-- Returns {"ok", newVersion}, {"nf"} for a missing or expired job, or
-- {"lost"} when the worker does not hold the delivery's lease.

local f = redis.call('HMGET', KEYS[1], 'st', 'exp', 'dlo', 'di', 'wt')
if f[1] == false or (f[2] ~= false and f[2] ~= '' and tonumber(f[2]) <= tonumber(ARGV[3])) then
  return {'nf'}
end
if ARGV[2] == '' or f[3] ~= ARGV[2] then
  return {'lost'}
end
redis.call('HSET', KEYS[1], 'd', ARGV[5], 'ds', ARGV[6], 'dn', ARGV[7], 'dlo', '', 'dlu', '')
if ARGV[6] == 'pending' then
  local at = ARGV[7]
  if at == '' then
    at = ARGV[3]
  end
  redis.call('ZADD', KEYS[2], at, ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
local nv = redis.call('HINCRBY', KEYS[1], 'v', 1)
if f[5] then
  redis.call('PUBLISH', ARGV[4], nv .. ' ' .. ARGV[1])
end
return {'ok', nv}
