-- create: store a new job, claim its idempotency key and queue it, as one
-- atomic step. Every key lives in the store's hash slot.
--
-- KEYS[1]  job hash
-- KEYS[2]  queue (sorted set: job ID scored by submission sequence)
-- KEYS[3]  submission sequence counter
-- KEYS[4]  idempotency key: only when the job has one
-- ARGV[1]  job ID
-- ARGV[2]  now, Unix nanoseconds (the clock of the calling instance)
-- ARGV[3]  the wake-up: the feed channel (a name that starts with "{"),
--          on which the job's submission number is published; "": publish
--          nothing and return the number (the caller wakes a waiting worker
--          of its own); or "<lease end> <worker>": claim the job for that
--          waiting worker of the caller, with that lease end (Unix ns),
--          unless jobs are queued before it: then queue it, publish its
--          number on the feed channel and return it. A fresh job only.
-- ARGV[4]  field i, ARGV[5] field p of the record
-- and, passed only up to the last one that differs from its default:
-- ARGV[6]  max queued jobs; missing or 0: unbounded
-- ARGV[7]  prefix of job hash keys (job key = ARGV[7] .. ID), read only
--          with KEYS[4]
-- ARGV[8]  field m; missing: "{}", a fresh job's
-- ARGV[9]  expiry, Unix nanoseconds; ARGV[10] retention TTL in
--          milliseconds: missing or "" for none
-- ARGV[11] field att, ARGV[12] field sa: missing for a fresh job (0 and "")
--
-- Returns {"ok"}, or {"ok", seq} without a channel in ARGV[3]; {"claimed"} when it
-- claimed the job (state processing, Version 2, attempt 1, started now);
-- {"dup", f1, v1, ...}: the fields of the live job that holds
-- the key; {"exists"} when the ID is taken; {"full"} when the queue is full.
--
-- A fresh job's record has no att, sa, lo and lu fields (read as ""):
-- Dequeue writes them; a job without a key has no ik. Every KEYS and ARGV
-- element and every field costs Redis on every call (a Lua string, a table
-- slot, a hash entry), so the script names the fields itself, takes only
-- the arguments that differ from their defaults and writes only the fields
-- with a value.

-- now is read from its argument only where a time is compared: tonumber
-- is a strtod, and most calls compare none.
local keyed = KEYS[4] ~= nil

local function live(key)
  local exp = redis.call('HGET', key, 'exp')
  if exp == false then
    return false
  end
  return exp == '' or tonumber(exp) > tonumber(ARGV[2])
end

if keyed then
  local held = redis.call('GET', KEYS[4])
  if held then
    local hk = ARGV[7] .. held
    if live(hk) then
      local rec = redis.call('HGETALL', hk)
      table.insert(rec, 1, 'dup')
      return rec
    end
    -- The holder expired (by the callers' clock, ahead of Redis's TTL): the
    -- key is free again.
    redis.call('DEL', KEYS[4])
  end
end

-- Every record has an 'exp' field, so one HGET tells a missing record from
-- a live one and from one expired by the callers' clock.
local oldExp = redis.call('HGET', KEYS[1], 'exp')
if oldExp ~= false and (oldExp == '' or tonumber(oldExp) > tonumber(ARGV[2])) then
  return {'exists'}
end
local maxq = ARGV[6]
if maxq and maxq ~= '0' and redis.call('ZCARD', KEYS[2]) >= tonumber(maxq) then
  return {'full'}
end

if oldExp ~= false then
  redis.call('DEL', KEYS[1])
end
-- A claim for the caller's waiting worker writes the record as the
-- dequeue script's claim would have, in the same HSET, and skips the
-- queue; only when no job is queued before it, so jobs are still claimed
-- in submission order. (123 is "{".)
local wake = ARGV[3]
local reserved = wake == '' or string.byte(wake, 1) ~= 123
local worker, leaseEnd
if wake ~= '' and reserved then
  if redis.call('ZCARD', KEYS[2]) == 0 then
    local sp = string.find(wake, ' ', 1, true)
    leaseEnd, worker = string.sub(wake, 1, sp - 1), string.sub(wake, sp + 1)
    wake = ''
  else
    -- Jobs are queued that the caller did not count (their messages are
    -- on their way, or were lost): every instance hears of this one.
    wake = string.sub(KEYS[2], 1, -6) .. 'feed'
  end
end
local exp, ttl = ARGV[9] or '', ARGV[10] or ''
if keyed then
  redis.call('SET', KEYS[4], ARGV[1])
end
if worker then
  redis.call('HSET', KEYS[1], 'st', 'processing', 'v', '2', 'exp', exp, 'i', ARGV[4], 'm', ARGV[8] or '{}', 'p', ARGV[5],
    'att', '1', 'sa', ARGV[2], 'lo', worker, 'lu', leaseEnd)
elseif keyed then
  redis.call('HSET', KEYS[1], 'st', 'accepted', 'v', '1', 'exp', exp, 'ik', KEYS[4], 'i', ARGV[4], 'm', ARGV[8] or '{}', 'p', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'st', 'accepted', 'v', '1', 'exp', exp, 'i', ARGV[4], 'm', ARGV[8] or '{}', 'p', ARGV[5])
end
if worker and keyed then
  redis.call('HSET', KEYS[1], 'ik', KEYS[4])
end
if ARGV[11] then
  redis.call('HSET', KEYS[1], 'att', ARGV[11], 'sa', ARGV[12] or '')
end
if ttl ~= '' then
  redis.call('PEXPIRE', KEYS[1], ttl)
  if keyed then
    redis.call('PEXPIRE', KEYS[4], ttl)
  end
end
if worker then
  -- The running set: the queue's name with "running" for "queue" (the
  -- same hash slot).
  redis.call('ZADD', string.sub(KEYS[2], 1, -6) .. 'running', leaseEnd, ARGV[1])
  return {'claimed'}
end
-- The number as a string: Redis would turn a Lua number argument into one
-- with a "%.17g" printf (here the integer format is exact and cheaper).
local seq = string.format('%d', redis.call('INCR', KEYS[3]))
redis.call('ZADD', KEYS[2], seq, ARGV[1])
-- The submission number lets each instance count the jobs it may find.
if wake ~= '' then
  redis.call('PUBLISH', wake, 'w ' .. seq)
end
if reserved then
  return {'ok', seq}
end
return {'ok'}
