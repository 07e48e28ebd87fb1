package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
)

func TestRoomDeleted(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		h := testdb.SQLite(t)
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		ada, bob, other := e.dial(f.ada, f.room), e.dial(f.bob, f.room), e.dial(f.ada, f.other)
		if err := e.services.Rooms.DeleteRoom(context.Background(), f.room.ID); err != nil {
			t.Fatalf("DeleteRoom=%v", err)
		}
		for _, c := range []*client{ada, bob} {
			if code := c.expectClose(t); code != hub.StatusRoomDeleted {
				t.Fatalf("close code=%d, want %d", code, hub.StatusRoomDeleted)
			}
		}
		other.send(t, `{"message":"unaffected"}`)
		if m := other.readJSON(t); m["body"] != "unaffected" {
			t.Fatalf("frame=%v, want the other room still working", m)
		}
	})
	t.Run("LookedUpBeforeEachFrame", func(t *testing.T) {
		// Deleted behind the hub's back (no event): the next frame notices.
		h := testdb.SQLite(t)
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		bob := e.dial(f.bob, f.room)
		if err := h.Services.Rooms.DeleteRoom(context.Background(), f.room.ID); err != nil {
			t.Fatalf("DeleteRoom=%v", err)
		}
		bob.send(t, `{"message":"anyone?"}`)
		if code := bob.expectClose(t); code != hub.StatusRoomDeleted {
			t.Fatalf("close code=%d, want %d", code, hub.StatusRoomDeleted)
		}
	})
	t.Run("TopicDeleted", func(t *testing.T) {
		h := testdb.SQLite(t)
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		bob := e.dial(f.bob, f.room)
		if err := e.services.Topics.DeleteTopic(context.Background(), f.room.TopicID); err != nil {
			t.Fatalf("DeleteTopic=%v", err)
		}
		if code := bob.expectClose(t); code != hub.StatusRoomDeleted {
			t.Fatalf("close code=%d, want %d", code, hub.StatusRoomDeleted)
		}
	})
}

// TestUserDisabled checks that a user.disabled event closes every socket of
// the user with 4403, leaves the others open and reaches the auth service.
func TestUserDisabled(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	bob, bob2, ada := e.dial(f.bob, f.room), e.dial(f.bob, f.room), e.dial(f.ada, f.room)
	hub.NewNotifier(e.broker, nil).UserDisabled(context.Background(), f.bob.ID)
	for _, c := range []*client{bob, bob2} {
		if code := c.expectClose(t); code != hub.StatusUserDisabled {
			t.Fatalf("close code=%d, want %d", code, hub.StatusUserDisabled)
		}
	}
	ada.send(t, `{"message":"still open"}`)
	if m := ada.readJSON(t); m["body"] != "still open" {
		t.Fatalf("frame=%v, want ada's socket open", m)
	}
	if system := e.auth.systemEvents(); len(system) != 1 || system[0].Type != edusphere.EventUserDisabled || system[0].UserID != f.bob.ID {
		t.Fatalf("system events=%+v, want one user.disabled for bob", system)
	}
}

// TestSlowConsumer floods a room in which one client stops reading. The
// publisher is never slowed down; the slow socket's queue overflows, and
// the 4008 close frame is written right after the frame already under way,
// so a client that reads again within CloseTimeout sees it.
func TestSlowConsumer(t *testing.T) {
	h := testdb.SQLite(t)
	rec := newMetricsRecorder()
	e := newEnv(t, h, hub.Config{SendQueue: 32, WriteTimeout: 20 * time.Second, CloseTimeout: 10 * time.Second, Metrics: rec}, nil)
	f := newFixture(t, h.Services)
	slow := e.dialNoRead(f.ada, f.room)
	fast := e.dial(f.bob, f.room)
	ctx := context.Background()

	// Each frame goes to the publisher without waiting; the fast reader
	// keeps up, the slow one's socket buffers and queue fill.
	frame := []byte(`{"type": "chat_message", "action": "new", "body": "` + strings.Repeat("x", 32<<10) + `"}`)
	const n = 1500
	start := time.Now()
	var maxPublish time.Duration
	for i := range n {
		t0 := time.Now()
		if err := e.broker.Publish(ctx, edusphere.RoomChannel(f.room.ID), edusphere.Event{Type: edusphere.EventMessageCreated, RoomID: f.room.ID, Frame: frame}); err != nil {
			t.Fatalf("Publish=%v", err)
		}
		maxPublish = max(maxPublish, time.Since(t0))
		if got := fast.read(t); len(got) != len(frame) {
			t.Fatalf("fast frame %d len=%d, want %d", i, len(got), len(frame))
		}
	}
	t.Logf("%d frames of 32 KiB in %v; slowest publish %v", n, time.Since(start), maxPublish)
	if maxPublish > time.Second {
		t.Fatalf("slowest Publish=%v, want the publisher never blocked", maxPublish)
	}
	slow.start()
	got := 0
	for {
		_, err := slow.tryRead(10 * time.Second)
		if err != nil {
			if code := websocket.CloseStatus(err); code != hub.StatusSlowConsumer {
				t.Fatalf("slow close=%v (code %d), want %d", err, code, hub.StatusSlowConsumer)
			}
			break
		}
		got++
	}
	if got >= n {
		t.Fatalf("slow reader got %d frames, want fewer than %d before 4008", got, n)
	}
	rec.waitFor(t, "slow-consumer disconnect", func() bool { return rec.closed[hub.ReasonSlowConsumer] == 1 })
	// The fast reader was never affected.
	fast.send(t, `{"message":"after"}`)
	if m := fast.readJSON(t); m["body"] != "after" {
		t.Fatalf("frame=%v, want the fast socket open", m)
	}
}

// TestStalledReader has real clients stop reading for good and checks
// that the server drops them within the documented bound, having written
// the 4008 close frame when the connection had room for it.
func TestStalledReader(t *testing.T) {
	t.Run("Idle", func(t *testing.T) {
		// No traffic: the unanswered ping finds the client. The close frame
		// fits in the socket buffers, so the client finds it when it reads
		// again, after the server dropped it.
		h := testdb.SQLite(t)
		cfg := hub.Config{PingInterval: 200 * time.Millisecond, CloseTimeout: 300 * time.Millisecond}
		e := newEnv(t, h, cfg, nil)
		f := newFixture(t, h.Services)
		stalled := e.dialNoRead(f.ada, f.room)
		start := time.Now()
		waitLen(t, e.hub, 0)
		bound := 2*cfg.PingInterval + cfg.CloseTimeout
		t.Logf("dropped after %v (bound %v plus scheduling)", time.Since(start), bound)
		stalled.start()
		if _, err := stalled.tryRead(5 * time.Second); websocket.CloseStatus(err) != hub.StatusSlowConsumer {
			t.Fatalf("stalled client read %v, want the 4008 close frame", err)
		}
	})
	t.Run("Flooded", func(t *testing.T) {
		// Traffic fills the client's buffers, then its queue: dropped
		// CloseTimeout after the overflow although it never reads again.
		h := testdb.SQLite(t)
		cfg := hub.Config{SendQueue: 16, WriteTimeout: time.Minute, CloseTimeout: 500 * time.Millisecond}
		e := newEnv(t, h, cfg, nil)
		f := newFixture(t, h.Services)
		e.dialNoRead(f.ada, f.room)
		frame := []byte(`{"type": "chat_message", "action": "new", "body": "` + strings.Repeat("x", 32<<10) + `"}`)
		ctx := context.Background()
		deadline := time.Now().Add(30 * time.Second)
		for e.hub.Len() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("stalled client still held after 30 s of traffic")
			}
			if err := e.broker.Publish(ctx, edusphere.RoomChannel(f.room.ID), edusphere.Event{Type: edusphere.EventMessageCreated, RoomID: f.room.ID, Frame: frame}); err != nil {
				t.Fatalf("Publish=%v", err)
			}
			time.Sleep(time.Millisecond)
		}
	})
}

// waitLen waits up to 10 s for the hub to hold n sockets.
func waitLen(t *testing.T, h *hub.Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.Len() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Len=%d after 10 s, want %d", h.Len(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRateLimit(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{RateLimit: auth.Limit{Count: 3, Per: time.Hour}}, nil)
	f := newFixture(t, h.Services)
	ada := e.dial(f.ada, f.room)
	ada2 := e.dial(f.ada, f.room) // the limit is per user, across sockets
	bob := e.dial(f.bob, f.room)
	for i := range 2 {
		ada.send(t, fmt.Sprintf(`{"message":"m%d"}`, i))
		if m := ada.readJSON(t); m["body"] != fmt.Sprintf("m%d", i) {
			t.Fatalf("frame=%v, want m%d", m, i)
		}
		ada2.read(t)
	}
	ada2.send(t, `{"message":"m2"}`)
	if m := ada2.readJSON(t); m["body"] != "m2" {
		t.Fatalf("frame=%v, want m2", m)
	}
	ada.read(t)
	for _, c := range []*client{ada, ada2} {
		c.send(t, `{"message":"too many"}`)
		if got := c.read(t); got != `{"error": "Rate limit exceeded. Slow down."}` {
			t.Fatalf("frame=%s, want the rate-limit error", got)
		}
	}
	if ms := messages(t, h.Services, f.room.ID); len(ms) != 3 {
		t.Fatalf("messages=%d, want 3", len(ms))
	}
	// Other users are not limited by ada's frames.
	bob.send(t, `{"message":"bob"}`)
	for range 4 {
		if m := bob.readJSON(t); m["body"] == "bob" {
			return
		}
	}
	t.Fatalf("bob's message did not arrive")
}

func TestMaxFrameBytes(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{MaxFrameBytes: 1024}, nil)
	f := newFixture(t, h.Services)
	ada := e.dial(f.ada, f.room)
	ada.send(t, `{"message":"`+strings.Repeat("a", 2000)+`"}`)
	if code := ada.expectClose(t); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code=%d, want 1009", code)
	}
}

func TestPing(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{PingInterval: 100 * time.Millisecond}, nil)
	f := newFixture(t, h.Services)
	alive := e.dial(f.ada, f.room)  // reads, so it answers pings
	_ = e.dialNoRead(f.bob, f.room) // never reads: never answers
	deadline := time.Now().Add(5 * time.Second)
	for e.hub.Len() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("Len=%d, want the silent peer dropped", e.hub.Len())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	alive.send(t, `{"message":"here"}`)
	if m := alive.readJSON(t); m["body"] != "here" {
		t.Fatalf("frame=%v, want the answering peer kept", m)
	}
}

func TestShutdown(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ada := e.dialNoRead(f.ada, f.room)
	ctx := context.Background()
	const n = 200
	for i := range n {
		frame, _ := json.Marshal(map[string]int{"n": i})
		if err := e.broker.Publish(ctx, edusphere.RoomChannel(f.room.ID), edusphere.Event{Type: edusphere.EventMessageCreated, RoomID: f.room.ID, Frame: frame}); err != nil {
			t.Fatalf("Publish=%v", err)
		}
	}
	done := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done <- e.hub.Shutdown(sctx)
	}()
	ada.start()
	for i := range n {
		if got, want := ada.read(t), fmt.Sprintf(`{"n":%d}`, i); got != want {
			t.Fatalf("frame %d=%s, want %s (queued frames drained first)", i, got, want)
		}
	}
	if code := ada.expectClose(t); code != websocket.StatusGoingAway {
		t.Fatalf("close code=%d, want 1001", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown=%v, want nil", err)
	}
	_, res, err := e.dialRaw(dialOpts{path: "/ws/chat/ada/" + f.room.Slug, cookie: f.ada.ID.String()})
	if err == nil || res == nil || res.StatusCode != 503 {
		t.Fatalf("dial after Shutdown=%v %v, want HTTP 503", res, err)
	}
}

func TestShutdown_InFlightFrame(t *testing.T) {
	// A frame the server already took is persisted and broadcast before 1001.
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ada := e.dial(f.ada, f.room)
	ada.send(t, `{"message":"last words"}`)
	// Wait until the server holds it: the row exists.
	deadline := time.Now().Add(5 * time.Second)
	for len(messages(t, h.Services, f.room.ID)) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown=%v", err)
	}
	if m := ada.readJSON(t); m["body"] != "last words" {
		t.Fatalf("frame=%v, want the broadcast before closing", m)
	}
	if code := ada.expectClose(t); code != websocket.StatusGoingAway {
		t.Fatalf("close code=%d, want 1001", code)
	}
}

// TestGap checks that the broker's gap event on a room closes that room's
// sockets with 4000 (reload, then reconnect) and no others, and that a gap
// on the system channel reaches the auth service.
func TestGap(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ctx := context.Background()
	bob, ada, other := e.dial(f.bob, f.room), e.dial(f.ada, f.room), e.dial(f.ada, f.other)
	if err := e.broker.Publish(ctx, edusphere.RoomChannel(f.room.ID), edusphere.Event{Type: edusphere.EventGap}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{bob, ada} {
		if code := c.expectClose(t); code != hub.StatusTryAgain {
			t.Fatalf("close code=%d, want %d", code, hub.StatusTryAgain)
		}
	}
	other.send(t, `{"message":"unaffected"}`)
	if m := other.readJSON(t); m["body"] != "unaffected" {
		t.Fatalf("frame=%v, want the other room's socket open", m)
	}
	if err := e.broker.Publish(ctx, edusphere.SystemChannel, edusphere.Event{Type: edusphere.EventGap}); err != nil {
		t.Fatal(err)
	}
	if ev := e.auth.systemEvents(); len(ev) != 1 || ev[0].Type != edusphere.EventGap {
		t.Fatalf("system events=%+v, want the gap passed on", ev)
	}
}
