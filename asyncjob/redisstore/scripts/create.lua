-- create: store a new job, claim its idempotency key and queue it, as one
-- atomic step. Every key lives in the store's hash slot.
--
-- KEYS[1]  job hash
-- KEYS[2]  idempotency key (when ARGV[4] is "0" any key of the slot; unused)
-- KEYS[3]  queue (sorted set: job ID scored by submission sequence)
-- KEYS[4]  submission sequence counter
-- ARGV[1]  job ID
-- ARGV[2]  now, Unix nanoseconds (the clock of the calling instance)
-- ARGV[3]  max queued jobs; 0 means unbounded
-- ARGV[4]  "1" when the job has an idempotency key, else "0"
-- ARGV[5]  prefix of job hash keys (job key = ARGV[5] .. ID)
-- ARGV[6]  feed channel
-- ARGV[7]  expiry, Unix nanoseconds, or ""
-- ARGV[8]  retention TTL in milliseconds, or "" (with ARGV[7])
-- ARGV[9..] field/value pairs of the record (i, m, p, att, sa)
--
-- Returns {"ok"}; {"dup", f1, v1, ...}: the fields of the live job that holds
-- the key; {"exists"} when the ID is taken; {"full"} when the queue is full.

local now = tonumber(ARGV[2])

local function live(key)
  local exp = redis.call('HGET', key, 'exp')
  if exp == false then
    return false
  end
  return exp == '' or tonumber(exp) > now
end

if ARGV[4] == '1' then
  local held = redis.call('GET', KEYS[2])
  if held then
    local hk = ARGV[5] .. held
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
if oldExp ~= false and (oldExp == '' or tonumber(oldExp) > now) then
  return {'exists'}
end
local max = tonumber(ARGV[3])
if max > 0 and redis.call('ZCARD', KEYS[3]) >= max then
  return {'full'}
end

if oldExp ~= false then
  redis.call('DEL', KEYS[1])
end
local ik = ''
if ARGV[4] == '1' then
  ik = KEYS[2]
end
local fields = {'st', 'accepted', 'v', 1, 'lo', '', 'lu', '', 'exp', ARGV[7], 'ik', ik}
for i = 9, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[4] == '1' then
  redis.call('SET', KEYS[2], ARGV[1])
end
if ARGV[8] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[8])
  if ARGV[4] == '1' then
    redis.call('PEXPIRE', KEYS[2], ARGV[8])
  end
end
local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[3], seq, ARGV[1])
-- The submission number lets each instance count the jobs it may find.
redis.call('PUBLISH', ARGV[6], 'w ' .. string.format('%d', seq))
return {'ok'}
