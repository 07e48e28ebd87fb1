package hub_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
	b := redis.NewBroker(redis.Config{URL: withClientName(redisURL, prefix), Prefix: prefix, HealthInterval: 300 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	if err := b.Open(ctx); err != nil {
		t.Fatalf("open redis broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return newEnv(t, &testdb.Handle{Kind: "postgres", DSN: dsn, Services: db.Services()}, hub.Config{}, b)
}

// TestTwoProcesses runs two hubs on one PostgreSQL database and one Redis
// prefix, kills their Redis subscriber connections while messages are
// sent, and checks that no sender is left without an answer, no socket
// misses a stored message without being told to reload, and delivery
// across processes resumes.
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
		// Two senders, one per process, and a reader in each process send
		// steadily while Redis drops both processes' subscriber connections.
		ctx := context.Background()
		if _, err := h.Services.Rooms.JoinRoom(ctx, f.room.ID, f.eve.ID); err != nil {
			t.Fatal(err)
		}
		ada.ws.CloseNow()
		bob.ws.CloseNow()
		type socket struct {
			name string
			c    *client
			sent []string
		}
		sockets := []*socket{
			{name: "ada", c: p1.dial(f.ada, f.room)},
			{name: "bob", c: p2.dial(f.bob, f.room)},
			{name: "eve1", c: p1.dial(f.eve, f.room)},
			{name: "eve2", c: p2.dial(f.eve, f.room)},
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, s := range sockets[:2] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
					body := fmt.Sprintf("%s %d", s.name, i)
					wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					err := s.c.ws.Write(wctx, websocket.MessageText, []byte(`{"message":"`+body+`"}`))
					cancel()
					if err != nil {
						return
					}
					s.sent = append(s.sent, body)
				}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		killPubSub(t, redisURL, prefix)
		time.Sleep(1500 * time.Millisecond)
		close(stop)
		wg.Wait()

		// Read what each socket got until it closes.
		got := map[string]map[string]int{} // socket → body → times received
		codes := map[string]websocket.StatusCode{}
		for _, s := range sockets {
			got[s.name] = map[string]int{}
			for {
				frame, err := s.c.tryRead(10 * time.Second)
				if errors.Is(err, errSilent) {
					codes[s.name] = -1 // still open
					break
				}
				if err != nil {
					codes[s.name] = websocket.CloseStatus(err)
					break
				}
				m := decode(t, frame)
				if m["error"] != nil {
					t.Fatalf("%s got error frame %s", s.name, frame)
				}
				if m["action"] == "new" {
					got[s.name][fmt.Sprint(m["body"])]++
				}
			}
		}
		stored := map[string]bool{}
		for _, m := range messages(t, h.Services, f.room.ID) {
			stored[m.Body] = true
		}
		for _, s := range sockets {
			// No socket misses a stored message silently: one that got
			// fewer than all of them was told to reload (4000).
			missing := 0
			for body := range stored {
				if strings.Contains(body, " ") && got[s.name][body] == 0 {
					missing++
				}
			}
			if missing > 0 && codes[s.name] != hub.StatusTryAgain {
				t.Fatalf("%s missed %d stored messages and ended with %d, want 4000 (reload)", s.name, missing, codes[s.name])
			}
			// Every frame sent got exactly one answer: its echo, or the
			// socket's 4000 close before it; never two.
			for _, body := range s.sent {
				switch n := got[s.name][body]; {
				case n > 1:
					t.Fatalf("%s: %q echoed %d times", s.name, body, n)
				case n == 0 && codes[s.name] != hub.StatusTryAgain:
					t.Fatalf("%s: %q got no answer and the socket ended with %d", s.name, body, codes[s.name])
				case n == 1 && !stored[body]:
					t.Fatalf("%s: %q echoed but not stored", s.name, body)
				}
			}
		}
		t.Logf("sent %d and %d frames; %d stored; sockets ended with %v", len(sockets[0].sent), len(sockets[1].sent), len(stored), codes)

		// Delivery across processes resumes on new sockets, without restarts.
		ada, bob = p1.dial(f.ada, f.room), p2.dial(f.bob, f.room)
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; ; i++ {
			body := fmt.Sprintf("after outage %d", i)
			ada.send(t, `{"message":"`+body+`"}`)
			for {
				s, err := bob.tryRead(300 * time.Millisecond)
				if err != nil {
					break
				}
				if m := decode(t, s); m["body"] == body {
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

// withClientName names every connection of a broker on url, so that a
// test kills only its own.
func withClientName(url, prefix string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "client_name=" + strings.TrimSuffix(prefix, ":")
}

// killPubSub kills the subscriber connections of the brokers whose URL
// withClientName named after prefix, leaving other users of Redis alone.
func killPubSub(t *testing.T, url, prefix string) {
	t.Helper()
	opts, _ := goredis.ParseURL(url)
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	list, err := c.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		t.Fatalf("CLIENT LIST=%v", err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if !slices.Contains(fields, "name="+strings.TrimSuffix(prefix, ":")) {
			continue
		}
		for _, f := range fields {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := c.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatalf("CLIENT KILL ID %s=%v", id, err)
				}
				killed++
			}
		}
	}
	if killed == 0 {
		t.Fatalf("no subscriber connection named after %q", prefix)
	}
}
