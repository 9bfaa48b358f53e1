-- dequeue: claim the next job for a worker. Jobs waiting in the queue go
-- first, in submission order; else a processing job whose lease has ended
-- is taken over. Claiming sets the state to processing, increments the
-- attempt count and the Version, sets the start time when unset, gives the
-- lease to the worker and publishes the change when the record is watched.
--
-- KEYS[1]  queue (sorted set: job ID scored by submission sequence)
-- KEYS[2]  running jobs (sorted set: job ID scored by lease end, Unix ns),
--          named base .. "running": job hash keys are base .. "job:" .. ID
--          and the feed channel is base .. "feed" (same hash slot)
-- ARGV[1]  worker name
-- ARGV[2]  now, Unix nanoseconds
-- ARGV[3]  lease end, Unix nanoseconds
--
-- Returns {queued, wake, seq, v, att, sa, exp, i, m, p, di[, d, dlo,
-- dlu]} with the claimed record, or {nextLeaseEnd} when there is nothing
-- to claim. queued (an integer) is how many jobs are still queued after a
-- claim; wake is, when none is, the earliest lease end of a running job
-- (a score string, or "" when none runs) and, when some are, the highest
-- submission number still queued. seq is the claimed job's submission
-- number, or "" for a job taken over. nextLeaseEnd is the earliest lease
-- end, or "". v (the new Version) and att (the new attempt) are integers;
-- sa, exp, i, m, p and di are the record's fields (nil when missing),
-- followed by d, dlo and dlu when di is not empty. The state is processing
-- and the lease the caller's (lo = ARGV[1], lu = ARGV[3]). The two shapes
-- differ in length, so neither carries a tag.
--
-- Each claim is one HMGET and one HSET of the record, and the reply holds
-- only what the caller does not know: commands inside a script, their
-- replies and the script's own reply cost Redis CPU like any other work,
-- and a claim runs once per job.

-- now is read from its argument only where a time is compared: tonumber
-- is a strtod, and most calls compare none.

-- Numbers are passed to redis.call as strings: Redis turns a Lua number
-- argument into one with a "%.17g" printf on every call.

-- "running" is 7 bytes.
local base = string.sub(KEYS[2], 1, -8)

local function nextLeaseEnd()
  local first = redis.call('ZRANGE', KEYS[2], '0', '0', 'WITHSCORES')
  if #first == 0 then
    return ''
  end
  return first[2]
end

-- f holds the fields 'st', 'exp', 'sa', 'att', 'v', 'wt', 'i', 'm', 'p',
-- 'di' of the record: what a claim decides on and what it returns.
-- The change is published only when a watcher reads the record. seq is the
-- job's submission number, or '' for a job taken over; queued is how many
-- jobs are still queued.
local function claim(id, key, f, seq, queued)
  local sa = f[3]
  if sa == false or sa == '' then
    sa = ARGV[2]
  end
  local v = (tonumber(f[5]) or 0) + 1
  local att = (tonumber(f[4]) or 0) + 1
  redis.call('HSET', key, 'st', 'processing', 'lo', ARGV[1], 'lu', ARGV[3], 'sa', sa,
    'att', string.format('%d', att), 'v', string.format('%d', v))
  redis.call('ZADD', KEYS[2], ARGV[3], id)
  if f[6] then
    redis.call('PUBLISH', base .. 'feed', string.format('%d', v) .. ' ' .. id)
  end
  -- With jobs still queued the caller needs the highest submission number
  -- among them (to count them); with none, the earliest lease end (to
  -- know how long it may wait).
  local wake
  if queued == 0 then
    wake = nextLeaseEnd()
  else
    wake = redis.call('ZRANGE', KEYS[1], '-1', '-1', 'WITHSCORES')[2]
  end
  local rec = {queued, wake, seq, v, att, sa, f[2], f[7], f[8], f[9], f[10]}
  if f[10] and f[10] ~= '' then
    local d = redis.call('HMGET', key, 'd', 'dlo', 'dlu')
    rec[12], rec[13], rec[14] = d[1], d[2], d[3]
  end
  return rec
end

local function live(f)
  return f[1] ~= false and (f[2] == false or f[2] == '' or tonumber(f[2]) > tonumber(ARGV[2]))
end

-- Entries whose job is no longer accepted cannot normally exist (update
-- removes them); skipping them keeps the queue self-healing. The count
-- taken first tells how many are left after the pops, so the claim needs
-- no ZCARD of its own and an empty queue no ZPOPMIN.
local queued = redis.call('ZCARD', KEYS[1])
while queued > 0 do
  local head = redis.call('ZPOPMIN', KEYS[1])
  if #head == 0 then
    break
  end
  queued = queued - 1
  local id = head[1]
  local key = base .. 'job:' .. id
  local f = redis.call('HMGET', key, 'st', 'exp', 'sa', 'att', 'v', 'wt', 'i', 'm', 'p', 'di')
  if live(f) and f[1] == 'accepted' then
    return claim(id, key, f, head[2], queued)
  end
end

-- Bounded, so one call never scans an unbounded set. The running job with
-- the earliest lease end is the one a takeover may claim and, when its
-- lease has not ended, the time the caller may wait until: one ZRANGE
-- serves both.
local now
for _ = 1, 64 do
  local first = redis.call('ZRANGE', KEYS[2], '0', '0', 'WITHSCORES')
  if #first == 0 then
    return {''}
  end
  now = now or tonumber(ARGV[2])
  if tonumber(first[2]) > now then
    return {first[2]}
  end
  local id = first[1]
  local key = base .. 'job:' .. id
  local f = redis.call('HMGET', key, 'st', 'exp', 'sa', 'att', 'v', 'wt', 'i', 'm', 'p', 'di')
  if live(f) and f[1] == 'processing' then
    -- The lease end, read here only: a claim from the queue needs none.
    local lu = redis.call('HGET', key, 'lu')
    if lu == false or lu == '' or tonumber(lu) <= now then
      return claim(id, key, f, '', 0)
    end
    redis.call('ZADD', KEYS[2], lu, id)
  else
    redis.call('ZREM', KEYS[2], id)
  end
end

return {nextLeaseEnd()}
