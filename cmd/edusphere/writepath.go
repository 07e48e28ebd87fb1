package main

import (
	"time"

	"github.com/edusphere/edusphere/config"
)

// multiProcessOrderWait is how long the hub holds a room's message event
// that overtook an earlier one published by another process
// (docs/websocket.md, "Delivery").
const multiProcessOrderWait = 500 * time.Millisecond

// orderWait is the hub's OrderWait: with Redis, several processes publish
// one room's events and the broker may hand them over out of sequence
// order; alone, the process's writer publishes them in order.
func orderWait(c *config.Config) time.Duration {
	if c.RedisURL != "" {
		return multiProcessOrderWait
	}
	return 0
}

// publishWorkers is the hub's PublishWorkers: with Redis a publish is a
// round trip, which the writer should not wait for, change after change.
func publishWorkers(c *config.Config) int {
	if c.RedisURL != "" {
		return 8
	}
	return 0
}
