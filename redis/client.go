package redis

import (
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// NewClient returns a go-redis client for url (see docs/operations.md):
//
//	redis://[[user]:password@]host:6379[/db][?option=value…]      one server
//	rediss://…                                                    the same over TLS
//	redis-sentinel://[[user]:password@]sentinel:26379[/db]?master_name=NAME[&addr=sentinel2:26379…][&password=…]
//	                                                              the primary Sentinel names; the user part is the
//	                                                              Sentinels' own, username and password parameters the primary's
//	redis-cluster://[[user]:password@]node:7000[?addr=node2:7001…] a Cluster, found from one or more seed nodes
//
// rediss-sentinel:// and rediss-cluster:// use TLS. Query parameters are
// go-redis's options (dial_timeout, read_timeout, pool_size, …). The client
// fails fast while Redis is away (1 s dial timeout, one retry) unless the
// URL sets dial_timeout or max_retries: the broker's reconnect loop retries
// on its own.
//
// Pub/sub in a Cluster uses plain PUBLISH and SUBSCRIBE: the Cluster
// forwards every message to every node, so the broker's one subscriber
// connection, on any node, receives every room's events. Each channel is
// published through the node owning its hash slot (Broker.publish), so one
// room's events keep their order. Sharded pub/sub
// (SPUBLISH, SSUBSCRIBE) would confine a room's traffic to one shard, but a
// subscriber then needs a connection per shard and must move channels when
// slots migrate; for chat volumes the broadcast is the simpler and
// sufficient choice.
func NewClient(url string) (goredis.UniversalClient, error) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return nil, fmt.Errorf("not a URL (want scheme://host…)")
	}
	scheme = strings.ToLower(scheme)
	base, mode, _ := strings.Cut(scheme, "-")
	if base != "redis" && base != "rediss" {
		return nil, fmt.Errorf("unknown scheme %q (want redis, rediss, redis-sentinel or redis-cluster)", scheme)
	}
	plain := base + "://" + rest
	explicit := func(k string) bool { return strings.Contains(rest, k+"=") }
	switch mode {
	case "":
		opts, err := goredis.ParseURL(plain)
		if err != nil {
			return nil, err
		}
		if !explicit("dial_timeout") {
			opts.DialTimeout = time.Second
		}
		if !explicit("max_retries") {
			opts.MaxRetries = 1
		}
		opts.DisableIdentity = true
		return goredis.NewClient(opts), nil
	case "sentinel":
		opts, err := goredis.ParseFailoverURL(plain)
		if err != nil {
			return nil, err
		}
		if opts.MasterName == "" {
			return nil, fmt.Errorf("a Sentinel URL needs master_name")
		}
		if !explicit("dial_timeout") {
			opts.DialTimeout = time.Second
		}
		if !explicit("max_retries") {
			opts.MaxRetries = 1
		}
		opts.DisableIdentity = true
		return goredis.NewFailoverClient(opts), nil
	case "cluster":
		opts, err := goredis.ParseClusterURL(plain)
		if err != nil {
			return nil, err
		}
		if !explicit("dial_timeout") {
			opts.DialTimeout = time.Second
		}
		if !explicit("max_retries") {
			opts.MaxRetries = 1
		}
		opts.DisableIdentity = true
		return goredis.NewClusterClient(opts), nil
	}
	return nil, fmt.Errorf("unknown scheme %q (want redis, rediss, redis-sentinel or redis-cluster)", scheme)
}
