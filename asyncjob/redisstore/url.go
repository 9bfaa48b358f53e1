package redisstore

import (
	"errors"
	"net/url"

	"github.com/redis/go-redis/v9"
)

// NewClient returns a client for a Redis URL, as a command-line flag such as
// "-redis" would give it:
//
//	redis://[user:password@]host:port[/db][?dial_timeout=3s&...]
//	rediss://...             (TLS)
//	unix://[user:password@]/path/to/redis.sock[?db=N]
//
// The syntax is that of [redis.ParseURL]. For Redis Cluster or Sentinel, build
// a [redis.UniversalClient] with [redis.NewClusterClient] or
// [redis.NewFailoverClient] (or [redis.ParseClusterURL]) instead. The caller
// closes the client after the Store.
func NewClient(rawURL string) (redis.UniversalClient, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included: keep it out of logs.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, errors.New("redisstore: invalid Redis URL: " + err.Error())
	}
	return redis.NewClient(o), nil
}
