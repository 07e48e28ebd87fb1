package hub

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// gatedSeqs holds RoomSeqs until gate is closed, so a test can hand the
// hub events while a room's number is still being read.
type gatedSeqs struct {
	edusphere.ReadMarkerService
	gate chan struct{}
}

func (g gatedSeqs) RoomSeqs(ctx context.Context, rooms []uuid.UUID) (map[uuid.UUID]int64, error) {
	<-g.gate
	return g.ReadMarkerService.RoomSeqs(ctx, rooms)
}

// TestOrder hands the hub a room's message events out of sequence order
// and checks what its socket is given, and when.
func TestOrder(t *testing.T) {
	h := testdb.SQLite(t)
	ctx := context.Background()
	b := inmem.NewBroker()
	t.Cleanup(func() { b.Close() })
	gate := make(chan struct{})
	store := h.Services
	store.ReadMarkers = gatedSeqs{h.Services.ReadMarkers, gate}
	hb := New(Config{Broker: b, Store: store, Auth: denyAll{}, OrderWait: 100 * time.Millisecond})
	ada := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "ada"})
	room := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: ada.ID, Name: "Order"})
	for range 3 { // the room's number is 3 when its first socket joins
		testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: room.ID, UserID: ada.ID, Body: "before"})
	}
	c := newConn(hb, ada, edusphere.Session{UserID: ada.ID, Expires: time.Now().Add(time.Hour)}, room.ID)
	if !hb.join(ctx, c) {
		t.Fatal("join failed")
	}
	send := func(seqs ...int64) {
		for _, s := range seqs {
			hb.handleEvent(edusphere.RoomChannel(room.ID), edusphere.Event{
				Type: edusphere.EventMessageCreated, RoomID: room.ID, Seq: s, Frame: fmt.Appendf(nil, "%d,", s),
			})
		}
	}
	queued := func() string {
		c.mu.Lock()
		defer c.mu.Unlock()
		var b []byte
		for _, f := range c.queue {
			b = append(b, f...)
		}
		c.queue = nil
		return string(b)
	}
	seeded := func() {
		t.Helper()
		r := hb.order.lookup(room.ID)
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			r.mu.Lock()
			done := !r.seeding
			r.mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the room's number was not read")
			}
		}
	}

	// While the number is read every event waits; then the ones committed
	// before the read go out at once, and the first one after it waits
	// for its predecessor even though nothing was delivered yet.
	t.Run("Seeding", func(t *testing.T) {
		send(5, 3)
		if got := queued(); got != "" {
			t.Fatalf("queued %q while the number was read, want nothing", got)
		}
		close(gate)
		seeded()
		if got := queued(); got != "3," {
			t.Fatalf("queued %q once the number 3 was read, want the event it covers", got)
		}
		send(4)
		if got := queued(); got != "4,5," {
			t.Fatalf("queued %q once 4 came, want 4 and the held 5", got)
		}
	})

	for _, tt := range []struct {
		name string
		seqs []int64
		now  string // queued at once
		late string // queued after OrderWait
	}{
		{"InOrder", []int64{6, 7}, "6,7,", ""},
		{"Overtaken", []int64{9, 8, 10}, "8,9,10,", ""},
		{"Missing", []int64{12, 13}, "", "12,13,"},
		{"FilledAfterWait", []int64{14}, "14,", ""},
		{"Late", []int64{11}, "11,", ""},
		{"NoSeq", []int64{0}, "0,", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			send(tt.seqs...)
			if got := queued(); got != tt.now {
				t.Fatalf("queued %q at once, want %q", got, tt.now)
			}
			if tt.late == "" {
				return
			}
			time.Sleep(300 * time.Millisecond)
			if got := queued(); got != tt.late {
				t.Fatalf("queued %q after the wait, want %q", got, tt.late)
			}
		})
	}

	t.Run("Shutdown", func(t *testing.T) {
		send(16, 17)
		hb.order.flush()
		if got := queued(); got != "16,17," {
			t.Fatalf("queued %q on flush, want the held events", got)
		}
	})

	// After the broker lost events (its sockets are closed, a new one
	// joins) the room's number is read again: the store's 3 is where the
	// sequence goes on.
	t.Run("Gap", func(t *testing.T) {
		hb.handleEvent(edusphere.RoomChannel(room.ID), edusphere.Event{Type: edusphere.EventGap})
		c = newConn(hb, ada, edusphere.Session{UserID: ada.ID, Expires: time.Now().Add(time.Hour)}, room.ID)
		if !hb.join(ctx, c) {
			t.Fatal("join failed")
		}
		seeded()
		send(5, 4)
		if got := queued(); got != "4,5," {
			t.Fatalf("queued %q after the gap, want the sequence from the store's number", got)
		}
	})
}
