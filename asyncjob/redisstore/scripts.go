package redisstore

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts that make each change of the store atomic. Each file
// starts with its KEYS/ARGV/return contract. go-redis runs them with
// EVALSHA and falls back to EVAL when Redis lost its script cache (after a
// restart), so they never need loading by hand.
var (
	//go:embed scripts/create.lua
	createSrc string
	//go:embed scripts/update.lua
	updateSrc string
	//go:embed scripts/dequeue.lua
	dequeueSrc string
	//go:embed scripts/renew.lua
	renewSrc string
	//go:embed scripts/release.lua
	releaseSrc string
	//go:embed scripts/claim_delivery.lua
	claimDeliverySrc string
	//go:embed scripts/record_delivery.lua
	recordDeliverySrc string
	//go:embed scripts/watch.lua
	watchSrc string
	//go:embed scripts/create_batch.lua
	createBatchSrc string
)

// scripts holds the compiled scripts of one Store. They are built per Store
// (not package variables) so the package keeps no global state.
type scripts struct {
	create, update, dequeue, renew, release *redis.Script
	claimDelivery, recordDelivery, watch    *redis.Script
	createBatch                             *redis.Script
}

func newScripts() scripts {
	return scripts{
		create:  redis.NewScript(createSrc),
		update:  redis.NewScript(updateSrc),
		dequeue: redis.NewScript(dequeueSrc),
		renew:   redis.NewScript(renewSrc),
		release: redis.NewScript(releaseSrc),

		claimDelivery:  redis.NewScript(claimDeliverySrc),
		recordDelivery: redis.NewScript(recordDeliverySrc),
		watch:          redis.NewScript(watchSrc),
		createBatch:    redis.NewScript(createBatchSrc),
	}
}
