package hub_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/redis"
	"github.com/edusphere/edusphere/testdb"
	goredis "github.com/redis/go-redis/v9"
)

// process is one server process: its own database pool, Redis broker and hub.
func process(t *testing.T, dsn, redisURL, prefix string) *env {
	t.Helper()
	ctx := context.Background()
	db := postgres.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	b := redis.NewBroker(redis.Config{URL: redisURL, Prefix: prefix, HealthInterval: 300 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	if err := b.Open(ctx); err != nil {
		t.Fatalf("open redis broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return newEnv(t, &testdb.Handle{Kind: "postgres", DSN: dsn, Services: db.Services()}, hub.Config{}, b)
}

// TestTwoProcesses runs two hubs on one PostgreSQL database and one Redis
// prefix, kills their Redis subscriber connections mid-run, and checks that
// every message sent is stored and that delivery across them resumes.
func TestTwoProcesses(t *testing.T) {
	redisURL, prefix := testdb.Redis(t)
	h := testdb.Postgres(t)
	f := newFixture(t, h.Services)
	p1 := process(t, h.DSN, redisURL, prefix)
	p2 := process(t, h.DSN, redisURL, prefix)

	ada := p1.dial(f.ada, f.room) // on process 1
	bob := p2.dial(f.bob, f.room) // on process 2

	t.Run("CrossProcess", func(t *testing.T) {
		ada.send(t, `{"message":"from one"}`)
		if m := bob.readJSON(t); m["body"] != "from one" {
			t.Fatalf("bob got %v, want ada's message through Redis", m)
		}
		if m := ada.readJSON(t); m["body"] != "from one" {
			t.Fatalf("ada got %v, want her own message back", m)
		}
		bob.send(t, `{"message":"from two"}`)
		if m := ada.readJSON(t); m["body"] != "from two" {
			t.Fatalf("ada got %v, want bob's message", m)
		}
		bob.read(t)
	})

	t.Run("Outage", func(t *testing.T) {
		// ada sends steadily while Redis drops every subscriber connection.
		var sent atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := ada.ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"message":"steady %d"}`, i))
				cancel()
				if err != nil {
					return
				}
				sent.Add(1)
			}
		}()
		time.Sleep(200 * time.Millisecond)
		opts, _ := goredis.ParseURL(redisURL)
		admin := goredis.NewClient(opts)
		defer admin.Close()
		if err := admin.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
			t.Fatalf("CLIENT KILL=%v", err)
		}
		time.Sleep(500 * time.Millisecond)
		close(stop)
		wg.Wait()

		// Every message sent is in the database: persisted before published,
		// whatever happened to the broadcast.
		deadline := time.Now().Add(5 * time.Second)
		for {
			ms := messages(t, h.Services, f.room.ID)
			if int64(len(ms)) == 2+sent.Load() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("stored=%d, want %d (2 + %d sent)", len(ms), 2+sent.Load(), sent.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Delivery across processes resumed without any restart.
		deadline = time.Now().Add(10 * time.Second)
		for i := 0; ; i++ {
			body := fmt.Sprintf("after outage %d", i)
			ada.send(t, `{"message":"`+body+`"}`)
			for {
				s, err := bob.tryRead(300 * time.Millisecond)
				if err != nil {
					break
				}
				if m := decode(t, s); m["body"] == body {
					t.Logf("%d steady messages sent, all stored; delivery resumed after %d probes", sent.Load(), i+1)
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no cross-process delivery within 10s after the outage")
			}
		}
	})

	t.Run("Ready", func(t *testing.T) {
		for _, p := range []*env{p1, p2} {
			if err := p.broker.Ping(context.Background()); err != nil {
				t.Fatalf("Ping=%v after recovery, want nil", err)
			}
		}
	})
}
