package hub_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/testdb"
)

// BenchmarkConnect opens 200 sockets 16 at a time against a hub just
// started, and reports the handshake's p50 and p99 on each store
// (docs/operations.md, "Connect latency"): PostgreSQL as tests open it
// (a pool filled on demand, cold connections) and as the server does
// (a full pool, each connection warmed after migrating).
func BenchmarkConnect(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres", "postgres-server"} {
		b.Run(kind, func(b *testing.B) {
			var all []time.Duration
			for range b.N {
				var h *testdb.Handle
				switch kind {
				case "sqlite":
					h = testdb.SQLite(b)
				case "postgres":
					h = testdb.Postgres(b)
				default:
					h = serverPostgres(b)
				}
				ctx := context.Background()
				host := testdb.MustCreateUser(b, ctx, h.Services, &edusphere.User{Username: "host"})
				room := testdb.MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Connect", TopicName: "Go"})
				e := newBenchEnv(b, h, hub.Config{})
				times := make([]time.Duration, 200)
				socks := make([]*websocket.Conn, len(times))
				var wg sync.WaitGroup
				next := make(chan int, len(times))
				for i := range times {
					next <- i
				}
				close(next)
				for range 16 {
					wg.Go(func() {
						for i := range next {
							t0 := time.Now()
							ws := e.dial(b, host, host, room)
							times[i] = time.Since(t0)
							socks[i] = ws
						}
					})
				}
				wg.Wait()
				for _, ws := range socks {
					if ws != nil {
						ws.CloseNow()
					}
				}
				all = append(all, times...)
			}
			slices.Sort(all)
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// serverPostgres opens a fresh PostgreSQL database as the server does:
// every connection opened, migrated, every connection warmed.
func serverPostgres(b *testing.B) *testdb.Handle {
	ctx := context.Background()
	db := postgres.NewDB(testdb.PostgresDSN(b))
	db.FullPool = true
	if err := db.Open(ctx); err != nil {
		b.Fatalf("open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	if err := db.Warm(ctx); err != nil {
		b.Fatalf("warm: %v", err)
	}
	return &testdb.Handle{Kind: "postgres", Services: db.Services()}
}
