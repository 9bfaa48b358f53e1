-- watch: read a job record for a watcher and mark it watched, in one step:
-- every change after this read is published on the feed (the scripts that
-- change a record publish only for a watched one), and every change before
-- it is in what it returns.
--
-- KEYS[1]  job hash
--
-- Returns the record's field/value pairs, or {} when there is none.

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
redis.call('HSET', KEYS[1], 'wt', '1')
return redis.call('HGETALL', KEYS[1])
