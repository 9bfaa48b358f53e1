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
-- ARGV[6]  the call's token, unique to this Create call (field cn): a run
--          that finds the record it names holding this token is a repeat
--          of a run that stored it, as a client's retry after a lost reply
--          is, and answers as that run did (see mine below)
-- and, passed only up to the last one that differs from its default:
-- ARGV[7]  max queued jobs; missing or 0: unbounded
-- ARGV[8]  prefix of job hash keys (job key = ARGV[8] .. ID), read only
--          with KEYS[4]
-- ARGV[9]  field m; missing: "{}", a fresh job's
-- ARGV[10] expiry, Unix nanoseconds; ARGV[11] retention TTL in
--          milliseconds: missing or "" for none
-- ARGV[12] field att, ARGV[13] field sa: missing for a fresh job (0 and "")
--
-- Returns {"ok"}, or {"ok", seq} without a channel in ARGV[3]; {"claimed"} when it
-- claimed the job (state processing, Version 2, attempt 1, started now);
-- {"again"} when an earlier run of this call stored the job and its claim
-- for the caller's worker, if it made one, no longer stands as made;
-- {"dup", f1, v1, ...}: the fields of the live job that holds
-- the key; {"exists"} when the ID is taken; {"full"} when the queue is full.
--
-- A fresh job's record has no att, sa, lo and lu fields (read as ""):
-- Dequeue writes them; a job without a key has no ik. Every record keeps
-- cn, the token of the call that stored it, which no other script reads.
-- Every KEYS and ARGV element and every field costs Redis on every call (a
-- Lua string, a table slot, a hash entry), so the script names the fields
-- itself, takes only the arguments that differ from their defaults and
-- writes only the fields with a value.

-- now is read from its argument only where a time is compared: tonumber
-- is a strtod, and most calls compare none.
local keyed = KEYS[4] ~= nil

-- The wake-up argument asks to claim the job for the caller's waiting
-- worker unless it is empty or the feed channel. (123 is "{".)
local wake = ARGV[3]
local reserved = wake == '' or string.byte(wake, 1) ~= 123
local claiming = wake ~= '' and reserved

local function live(key)
  local exp = redis.call('HGET', key, 'exp')
  if exp == false then
    return false
  end
  return exp == '' or tonumber(exp) > tonumber(ARGV[2])
end

-- mine: the record an earlier run of this call stored, found under the key
-- or the ID by the call's token (whether or not the job has expired since).
local mine
if keyed then
  local held = redis.call('GET', KEYS[4])
  if held then
    local hk = ARGV[8] .. held
    if held == ARGV[1] and redis.call('HGET', hk, 'cn') == ARGV[6] then
      mine = hk
    elseif live(hk) then
      local rec = redis.call('HGETALL', hk)
      table.insert(rec, 1, 'dup')
      return rec
    else
      -- The holder expired (by the callers' clock, ahead of Redis's TTL):
      -- the key is free again.
      redis.call('DEL', KEYS[4])
    end
  end
end

-- Every record has an 'exp' field, so one HGET tells a missing record from
-- a live one and from one expired by the callers' clock.
local oldExp = false
if not mine then
  oldExp = redis.call('HGET', KEYS[1], 'exp')
  if oldExp ~= false then
    if redis.call('HGET', KEYS[1], 'cn') == ARGV[6] then
      mine = KEYS[1]
    elseif oldExp == '' or tonumber(oldExp) > tonumber(ARGV[2]) then
      return {'exists'}
    end
  end
end
-- A repeated run answers as the first did: {"claimed"} while the claim it
-- made for the caller's worker stands as made (that worker waits for this
-- reply to take the job), else {"again"}: the job is stored, and the
-- worker looks again.
if mine then
  if claiming then
    local f = redis.call('HMGET', mine, 'st', 'v', 'lu', 'lo')
    if f[1] == 'processing' and f[2] == '2' and f[3] and f[4] and f[3] .. ' ' .. f[4] == wake then
      return {'claimed'}
    end
  end
  return {'again'}
end
local maxq = ARGV[7]
if maxq and maxq ~= '0' and redis.call('ZCARD', KEYS[2]) >= tonumber(maxq) then
  return {'full'}
end

if oldExp ~= false then
  redis.call('DEL', KEYS[1])
end
-- A claim for the caller's waiting worker writes the record as the
-- dequeue script's claim would have, in the same HSET, and skips the
-- queue; only when no job is queued before it, so jobs are still claimed
-- in submission order.
local worker, leaseEnd
if claiming then
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
local exp, ttl = ARGV[10] or '', ARGV[11] or ''
if keyed then
  redis.call('SET', KEYS[4], ARGV[1])
end
if worker then
  redis.call('HSET', KEYS[1], 'st', 'processing', 'v', '2', 'exp', exp, 'i', ARGV[4], 'm', ARGV[9] or '{}', 'p', ARGV[5],
    'att', '1', 'sa', ARGV[2], 'lo', worker, 'lu', leaseEnd, 'cn', ARGV[6])
elseif keyed then
  redis.call('HSET', KEYS[1], 'st', 'accepted', 'v', '1', 'exp', exp, 'ik', KEYS[4], 'i', ARGV[4], 'm', ARGV[9] or '{}', 'p', ARGV[5], 'cn', ARGV[6])
else
  redis.call('HSET', KEYS[1], 'st', 'accepted', 'v', '1', 'exp', exp, 'i', ARGV[4], 'm', ARGV[9] or '{}', 'p', ARGV[5], 'cn', ARGV[6])
end
if worker and keyed then
  redis.call('HSET', KEYS[1], 'ik', KEYS[4])
end
if ARGV[12] then
  redis.call('HSET', KEYS[1], 'att', ARGV[12], 'sa', ARGV[13] or '')
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
