package hub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
)

// metricsRecorder is a hub.Metrics that keeps every count.
type metricsRecorder struct {
	mu        sync.Mutex
	frames    map[string]int
	persisted int
	delivered int
	closed    map[string]int
}

var _ hub.Metrics = (*metricsRecorder)(nil)

func newMetricsRecorder() *metricsRecorder {
	return &metricsRecorder{frames: map[string]int{}, closed: map[string]int{}}
}

func (m *metricsRecorder) FrameReceived(kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.frames[kind]++
}

func (m *metricsRecorder) MessagePersisted() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.persisted++
}

func (m *metricsRecorder) FramesDelivered(n int, oldest time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if oldest < 0 {
		panic("negative wait")
	}
	m.delivered += n
}

func (m *metricsRecorder) SocketClosed(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed[reason]++
}

func (m *metricsRecorder) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Sprintf("frames=%v persisted=%d delivered=%d closed=%v", m.frames, m.persisted, m.delivered, m.closed)
}

// waitFor polls cond for up to 10 s: sockets end on their own goroutines.
func (m *metricsRecorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		ok := cond()
		m.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not counted within 10s: %s", what, m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMetrics checks the counts a chat session produces: frames by kind,
// the persisted message, frames delivered to both sockets and the reason
// each socket ended.
func TestMetrics(t *testing.T) {
	h := testdb.SQLite(t)
	rec := newMetricsRecorder()
	e := newEnv(t, h, hub.Config{Metrics: rec, RateLimit: auth.Limit{Count: 3, Per: time.Hour}}, nil)
	f := newFixture(t, h.Services)
	ada, bob := e.dial(f.ada, f.room), e.dial(f.bob, f.room)

	ada.send(t, `{"type":"text","message":"hello"}`)
	ada.read(t)
	bob.read(t)
	ada.send(t, `not json`)
	ada.read(t)
	ada.send(t, `{"type":"delete","messageId":"nope"}`)
	ada.read(t)
	ada.send(t, `{"type":"text","message":"over the limit"}`)
	ada.read(t)

	rec.waitFor(t, "frames", func() bool {
		return rec.frames["text"] == 1 && rec.frames["invalid"] == 1 && rec.frames["delete"] == 1 &&
			rec.frames["rate_limited"] == 1 && rec.persisted == 1 && rec.delivered == 5
	})

	ada.ws.Close(websocket.StatusNormalClosure, "bye")
	rec.waitFor(t, "peer close", func() bool { return rec.closed[hub.ReasonPeer] == 1 })

	// The room's deletion ends bob's socket with 4404.
	if err := e.services.Rooms.DeleteRoom(context.Background(), f.room.ID); err != nil {
		t.Fatalf("DeleteRoom=%v, want nil", err)
	}
	if code := bob.expectClose(t); code != hub.StatusRoomDeleted {
		t.Fatalf("close=%d, want %d", code, hub.StatusRoomDeleted)
	}
	rec.waitFor(t, "room deleted", func() bool { return rec.closed[hub.ReasonRoomDeleted] == 1 })
}
