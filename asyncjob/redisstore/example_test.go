package redisstore_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/httpsem/httpsem/asyncjob/redisstore"
)

// NewClient turns a -redis flag into a client: redis://, rediss:// and
// unix:// URLs are accepted.
func ExampleNewClient() {
	for _, u := range []string{"redis://localhost:6379/2", "unix:///run/redis/redis.sock?db=1", "http://localhost"} {
		c, err := redisstore.NewClient(u)
		if err != nil {
			fmt.Println(err)
			continue
		}
		o := c.(*redis.Client).Options()
		fmt.Println(o.Network, o.Addr, o.DB)
		_ = c.Close()
	}
	// Output:
	// tcp localhost:6379 2
	// unix /run/redis/redis.sock 1
	// redisstore: invalid Redis URL: redis: invalid URL scheme: http
}

// New puts a Manager on Redis; every instance of the service does the same
// with the same prefix. (Not run: it needs a Redis server.)
func ExampleNew() {
	client, err := redisstore.NewClient("redis://localhost:6379/0")
	if err != nil {
		panic(err)
	}
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{Prefix: "reports"})
	if err != nil {
		panic(err)
	}
	defer store.Close() // after the Manager's Shutdown
	_ = store           // asyncjob.New(asyncjob.Options{Store: store, Kinds: kinds})
}
