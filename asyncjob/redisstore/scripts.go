package redisstore

import (
	"context"
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts that make each change of the store atomic. Each file
// starts with its KEYS/ARGV/return contract. They run with EVALSHA and
// fall back to EVAL when Redis lost its script cache (after a
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

// scripts holds the scripts of one Store. They are built per Store (not
// package variables) so the package keeps no global state.
type scripts struct {
	create, update, dequeue, renew, release *script
	claimDelivery, recordDelivery, watch    *script
	createBatch                             *script
}

func newScripts() scripts {
	return scripts{
		create:  newScript(createSrc),
		update:  newScript(updateSrc),
		dequeue: newScript(dequeueSrc),
		renew:   newScript(renewSrc),
		release: newScript(releaseSrc),

		claimDelivery:  newScript(claimDeliverySrc),
		recordDelivery: newScript(recordDeliverySrc),
		watch:          newScript(watchSrc),
		createBatch:    newScript(createBatchSrc),
	}
}

// script is one Lua script, run with EVALSHA and, when Redis lost its
// script cache (after a restart or SCRIPT FLUSH), with EVAL. It does what
// redis.Script.Run does with fewer allocations: Run boxes the command
// name, the digest, the key count and every key into a fresh []any on
// each call, one allocation each, where the caller of [script.cmd] appends
// values it boxed once (key names, constant strings) to a slice that
// starts with the digest boxed once.
type script struct {
	sha, src any // the hex SHA-1 and the source, as command arguments
}

func newScript(src string) *script {
	h := sha1.Sum([]byte(src))
	return &script{sha: hex.EncodeToString(h[:]), src: src}
}

// cmd returns the start of an EVALSHA command of the script with room for
// n more arguments: the caller appends the number of keys (a string), the
// keys and the arguments, and passes it to [script.run].
func (sc *script) cmd(n int) []any {
	c := make([]any, 2, 2+n)
	c[0], c[1] = "evalsha", sc.sha
	return c
}

// run sends cmd and, when Redis does not know the digest, sends it again as
// EVAL with the source. A cluster client routes it by its first key, the
// fourth argument, as it routes EVALSHA.
func (sc *script) run(ctx context.Context, c redis.UniversalClient, cmd []any) *redis.Cmd {
	r := c.Do(ctx, cmd...)
	if err := r.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		cmd[0], cmd[1] = "eval", sc.src
		r = c.Do(ctx, cmd...)
	}
	return r
}

// runKeys runs the script on keys and args, as redis.Script.Run does: for
// the calls off the hot paths.
func (sc *script) runKeys(ctx context.Context, c redis.UniversalClient, keys []string, args ...any) *redis.Cmd {
	cmd := append(sc.cmd(1+len(keys)+len(args)), strconv.Itoa(len(keys)))
	for _, k := range keys {
		cmd = append(cmd, k)
	}
	return sc.run(ctx, c, append(cmd, args...))
}
