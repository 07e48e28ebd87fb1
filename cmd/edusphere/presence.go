package main

import (
	"context"
	"fmt"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/config"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/redis"
)

// openPresence starts the presence service: its store is Redis when the
// broker is, so that every process sees every socket (docs/presence.md).
func (m *Main) openPresence(broker edusphere.Broker, raw edusphere.Services) (*presence.Service, error) {
	c := m.Config
	var store presence.Store
	if c.RedisURL != "" {
		client, err := redis.NewClient(c.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("presence store %s: %w", config.RedactURL(c.RedisURL), err)
		}
		m.app.presenceClient = client
		store = presence.NewRedisStore(client, "edusphere:")
	}
	return presence.New(presence.Config{
		Store:  store,
		Broker: broker,
		Users:  raw.Users,
		Rooms:  raw.Rooms,
		TTL:    c.PresenceTTL,
		Grace:  c.PresenceGrace,
		Logger: m.Logger,
	}), nil
}

// closePresence announces this process's users offline and stops the
// service, then closes its Redis client.
func (a *app) closePresence() error {
	var err error
	if a.presence != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if e := a.presence.Close(ctx); e != nil {
			err = fmt.Errorf("close presence: %w", e)
		}
		cancel()
	}
	if a.presenceClient != nil {
		a.presenceClient.Close()
	}
	return err
}
