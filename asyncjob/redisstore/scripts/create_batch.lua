-- create_batch: store several new jobs, claim their idempotency keys and
-- queue them in batch order, as one atomic step: every job or none. Each
-- job's record is the one create.lua writes. Every key lives in the
-- store's hash slot.
--
-- KEYS[1]       queue (sorted set: job ID scored by submission sequence)
-- KEYS[2]       submission sequence counter
-- KEYS[1 + 2i]  job hash of job i (i = 1..n)
-- KEYS[2 + 2i]  idempotency key of job i (when its flag is "0" any key of
--               the slot; unused)
-- ARGV[1]  now, Unix nanoseconds (the clock of the calling instance)
-- ARGV[2]  max queued jobs; 0 means unbounded
-- ARGV[3]  prefix of job hash keys (job key = ARGV[3] .. ID)
-- ARGV[4]  feed channel
-- ARGV[5]  n, the number of jobs
-- ARGV[6]  the call's token, unique to this CreateBatch call (field cn of
--          every record, as create.lua's ARGV[6]): a run that finds a job
--          of the batch stored with it repeats a run that stored them all
-- ARGV[7..] for each job in batch order, 9 items: ID, "1" when it has an
--          idempotency key else "0", expiry (Unix ns or ""), retention TTL
--          in ms (or "", with the expiry), then the record's fields i, m,
--          p, att and sa (att and sa both "" for a fresh job: not written)
--
-- Returns {"ok"}; {"again"} when an earlier run of this call stored the
-- batch; {"dup", i, f1, v1, ...}: job i's key (from 1) is held by
-- the live job whose fields follow; {"exists", i} when job i's ID is
-- taken; {"full"} when the queue cannot take all n. Nothing is written
-- unless it returns {"ok"}. Keys repeated within the batch are refused by
-- the caller (asyncjob.CheckBatch) before it runs the script.

local now = tonumber(ARGV[1])
local n = tonumber(ARGV[5])

local jobs = {}
local a = 7
for i = 1, n do
  jobs[i] = {id = ARGV[a], keyed = ARGV[a + 1] == '1', exp = ARGV[a + 2], ttl = ARGV[a + 3], at = a + 4}
  a = a + 9
end

-- Every check before the first write: a refused batch changes nothing.
local function live(exp)
  return exp ~= false and (exp == '' or tonumber(exp) > now)
end
for i = 1, n do
  if jobs[i].keyed then
    local held = redis.call('GET', KEYS[2 + 2 * i])
    if held then
      local hk = ARGV[3] .. held
      if held == jobs[i].id and redis.call('HGET', hk, 'cn') == ARGV[6] then
        return {'again'}
      end
      -- An expired holder (by the callers' clock, ahead of Redis's TTL)
      -- frees the key: the SET below takes it over.
      if live(redis.call('HGET', hk, 'exp')) then
        local rec = redis.call('HGETALL', hk)
        table.insert(rec, 1, i)
        table.insert(rec, 1, 'dup')
        return rec
      end
    end
  end
end
for i = 1, n do
  local exp = redis.call('HGET', KEYS[1 + 2 * i], 'exp')
  if exp ~= false and redis.call('HGET', KEYS[1 + 2 * i], 'cn') == ARGV[6] then
    return {'again'} -- whether or not the job has expired since
  end
  if live(exp) then
    return {'exists', i}
  end
  -- An expired record not yet removed by its TTL is replaced whole.
  jobs[i].stale = exp ~= false
end
local max = tonumber(ARGV[2])
if max > 0 and redis.call('ZCARD', KEYS[1]) + n > max then
  return {'full'}
end

for i = 1, n do
  local j = jobs[i]
  local jk, ik = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  if j.stale then
    redis.call('DEL', jk)
  end
  local f = j.at
  -- A job without a key has no ik field, as create.lua writes it.
  if j.keyed then
    redis.call('SET', ik, j.id)
    redis.call('HSET', jk, 'st', 'accepted', 'v', '1', 'exp', j.exp, 'ik', ik, 'i', ARGV[f], 'm', ARGV[f + 1], 'p', ARGV[f + 2], 'cn', ARGV[6])
  else
    redis.call('HSET', jk, 'st', 'accepted', 'v', '1', 'exp', j.exp, 'i', ARGV[f], 'm', ARGV[f + 1], 'p', ARGV[f + 2], 'cn', ARGV[6])
  end
  if ARGV[f + 3] ~= '' then
    redis.call('HSET', jk, 'att', ARGV[f + 3], 'sa', ARGV[f + 4])
  end
  if j.ttl ~= '' then
    redis.call('PEXPIRE', jk, j.ttl)
    if j.keyed then
      redis.call('PEXPIRE', ik, j.ttl)
    end
  end
end
-- The batch's sequence numbers in one INCRBY, its queue entries in one
-- ZADD per chunk (a chunk bounds the arguments unpack puts on Lua's stack).
local seq = redis.call('INCRBY', KEYS[2], n) - n
local chunk = 500
for from = 1, n, chunk do
  local args = {}
  for i = from, math.min(from + chunk - 1, n) do
    args[#args + 1] = seq + i
    args[#args + 1] = jobs[i].id
  end
  redis.call('ZADD', KEYS[1], unpack(args))
end
-- One wake-up for the whole batch: each woken worker passes it on while
-- jobs are waiting.
redis.call('PUBLISH', ARGV[4], 'w')
return {'ok'}
