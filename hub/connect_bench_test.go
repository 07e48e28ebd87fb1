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
	"github.com/edusphere/edusphere/testdb"
)

// BenchmarkConnect opens 200 sockets 16 at a time against a hub just
// started, and reports the handshake's p50 and p99 on each store
// (docs/operations.md, "Connect latency").
func BenchmarkConnect(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			var all []time.Duration
			for range b.N {
				var h *testdb.Handle
				if kind == "sqlite" {
					h = testdb.SQLite(b)
				} else {
					h = testdb.Postgres(b)
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
