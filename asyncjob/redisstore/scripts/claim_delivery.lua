-- claim_delivery: claim the due webhook delivery with the earliest due time
-- for a worker. The outbox scores each job by when its delivery is next due:
-- its next attempt time while it waits, its lease end while it is claimed, so
-- a delivery whose claimer died becomes due again when the lease ends.
--
-- KEYS[1]  outbox (sorted set: job ID scored by due time, Unix ns)
-- ARGV[1]  worker name
-- ARGV[2]  now, Unix nanoseconds
-- ARGV[3]  lease end, Unix nanoseconds
-- ARGV[4]  prefix of job hash keys (job key = ARGV[4] .. ID)
--
-- Returns {"job", f1, v1, ...} with the claimed record, or {"none"}.

local now = tonumber(ARGV[2])

local function due(t)
  return t == false or t == '' or tonumber(t) <= now
end

-- Bounded, so one call never scans an unbounded set; entries that are stale
-- (job gone, delivery final, score behind the record) are fixed on the way.
for _ = 1, 64 do
  local head = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, 1)
  if #head == 0 then
    break
  end
  local id = head[1]
  local key = ARGV[4] .. id
  local f = redis.call('HMGET', key, 'st', 'exp', 'ds', 'dn', 'dlo', 'dlu')
  local live = f[1] ~= false and (f[2] == false or f[2] == '' or tonumber(f[2]) > now)
  if not live or f[3] ~= 'pending' then
    redis.call('ZREM', KEYS[1], id)
  elseif due(f[4]) and (f[5] == false or f[5] == '' or due(f[6])) then
    redis.call('HSET', key, 'dlo', ARGV[1], 'dlu', ARGV[3])
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    local rec = redis.call('HGETALL', key)
    table.insert(rec, 1, 'job')
    return rec
  else
    local score = f[4]
    if f[5] ~= false and f[5] ~= '' and f[6] ~= false and f[6] ~= '' and tonumber(f[6]) > tonumber(score) then
      score = f[6]
    end
    redis.call('ZADD', KEYS[1], score, id)
  end
end
return {'none'}
