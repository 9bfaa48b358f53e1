-- renew: extend a worker's lease on a processing job without changing its
-- Version. A lease that ended but was not taken over is still the worker's.
--
-- KEYS[1]  job hash
-- KEYS[2]  running jobs (sorted set: job ID scored by lease end)
-- ARGV[1]  job ID
-- ARGV[2]  worker name
-- ARGV[3]  now, Unix nanoseconds
-- ARGV[4]  new lease end, Unix nanoseconds
--
-- Returns "ok", "nf" (missing or expired job) or "lost" (the worker does not
-- hold the lease).

local f = redis.call('HMGET', KEYS[1], 'st', 'exp', 'lo')
if f[1] == false or (f[2] ~= false and f[2] ~= '' and tonumber(f[2]) <= tonumber(ARGV[3])) then
  return 'nf'
end
if f[1] ~= 'processing' or f[3] ~= ARGV[2] then
  return 'lost'
end
redis.call('HSET', KEYS[1], 'lu', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 'ok'
