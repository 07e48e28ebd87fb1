package presence_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusphere/edusphere/presence"
	"github.com/google/uuid"
)

// BenchmarkStore measures the store operations a heartbeat and a GraphQL
// read make: Refresh of one (user, room), and Online of 20 rooms of 50
// online users each.
func BenchmarkStore(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		b.Run(kind, func(b *testing.B) {
			var s presence.Store = presence.NewMemoryStore()
			if kind == "redis" {
				rs, _ := redisStoreB(b)
				s = rs
			}
			ctx := context.Background()
			now := time.Now()
			rooms := make([]uuid.UUID, 20)
			for i := range rooms {
				rooms[i] = uuid.New()
				for range 50 {
					if _, err := s.Refresh(ctx, presence.Pair{Room: rooms[i], User: uuid.New()}, "A", now, now.Add(time.Minute)); err != nil {
						b.Fatal(err)
					}
				}
			}
			p := presence.Pair{Room: rooms[0], User: uuid.New()}
			b.Run("Refresh", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Refresh(ctx, p, "A", now, now.Add(time.Minute)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Online20Rooms", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Online(ctx, rooms, now, 100); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
