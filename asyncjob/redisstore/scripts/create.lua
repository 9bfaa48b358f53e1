-- create: store a new job, claim its idempotency key and queue it, as one
-- atomic step. Every key lives in the store's hash slot.
--
-- KEYS[1]  job hash
-- KEYS[2]  idempotency key, or KEYS[3] itself when the job has none
-- KEYS[3]  queue (sorted set: job ID scored by submission sequence)
-- KEYS[4]  submission sequence counter
-- ARGV[1]  job ID
-- ARGV[2]  now, Unix nanoseconds (the clock of the calling instance)
-- ARGV[3]  max queued jobs; 0 means unbounded
-- ARGV[4]  prefix of job hash keys (job key = ARGV[4] .. ID)
-- ARGV[5]  feed channel
-- ARGV[6]  expiry, Unix nanoseconds, or ""
-- ARGV[7]  retention TTL in milliseconds, or "" (with ARGV[6])
-- ARGV[8]  field i, ARGV[9] field m, ARGV[10] field p of the record
-- ARGV[11] field att, ARGV[12] field sa: only when not 0 and ""
--
-- Returns {"ok"}; {"dup", f1, v1, ...}: the fields of the live job that holds
-- the key; {"exists"} when the ID is taken; {"full"} when the queue is full.
--
-- A fresh job's record has no att, sa, lo and lu fields (read as ""):
-- Dequeue writes them. Every argument and every field costs Redis on every call, so the
-- script names the fields itself and writes only those with a value.

-- now is read from its argument only where a time is compared: tonumber
-- is a strtod, and most calls compare none.
local keyed = KEYS[2] ~= KEYS[3]

local function live(key)
  local exp = redis.call('HGET', key, 'exp')
  if exp == false then
    return false
  end
  return exp == '' or tonumber(exp) > tonumber(ARGV[2])
end

if keyed then
  local held = redis.call('GET', KEYS[2])
  if held then
    local hk = ARGV[4] .. held
    if live(hk) then
      local rec = redis.call('HGETALL', hk)
      table.insert(rec, 1, 'dup')
      return rec
    end
    -- The holder expired (by the callers' clock, ahead of Redis's TTL): the
    -- key is free again.
    redis.call('DEL', KEYS[2])
  end
end

-- Every record has an 'exp' field, so one HGET tells a missing record from
-- a live one and from one expired by the callers' clock.
local oldExp = redis.call('HGET', KEYS[1], 'exp')
if oldExp ~= false and (oldExp == '' or tonumber(oldExp) > tonumber(ARGV[2])) then
  return {'exists'}
end
if ARGV[3] ~= '0' and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
  return {'full'}
end

if oldExp ~= false then
  redis.call('DEL', KEYS[1])
end
local ik = ''
if keyed then
  ik = KEYS[2]
  redis.call('SET', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[1], 'st', 'accepted', 'v', '1', 'exp', ARGV[6], 'ik', ik, 'i', ARGV[8], 'm', ARGV[9], 'p', ARGV[10])
if #ARGV > 10 then
  redis.call('HSET', KEYS[1], 'att', ARGV[11], 'sa', ARGV[12])
end
if ARGV[7] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  if keyed then
    redis.call('PEXPIRE', KEYS[2], ARGV[7])
  end
end
-- The number as a string: Redis would turn a Lua number argument into one
-- with a "%.17g" printf (here the integer format is exact and cheaper).
local seq = string.format('%d', redis.call('INCR', KEYS[4]))
redis.call('ZADD', KEYS[3], seq, ARGV[1])
-- The submission number lets each instance count the jobs it may find.
redis.call('PUBLISH', ARGV[5], 'w ' .. seq)
return {'ok'}
