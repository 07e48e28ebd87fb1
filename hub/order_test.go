package hub

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// TestOrder hands the hub a room's message events out of sequence order
// and checks what its socket is given, and when.
func TestOrder(t *testing.T) {
	h := testdb.SQLite(t)
	ctx := context.Background()
	b := inmem.NewBroker()
	t.Cleanup(func() { b.Close() })
	hb := New(Config{Broker: b, Store: h.Services, Auth: denyAll{}, OrderWait: 100 * time.Millisecond})
	ada := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "ada"})
	room := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: ada.ID, Name: "Order"})
	c := newConn(hb, ada, edusphere.Session{UserID: ada.ID, Expires: time.Now().Add(time.Hour)}, room.ID)
	if !hb.join(ctx, c) {
		t.Fatal("join failed")
	}
	send := func(seqs ...int64) {
		for _, s := range seqs {
			hb.handleEvent(edusphere.RoomChannel(room.ID), edusphere.Event{
				Type: edusphere.EventMessageCreated, RoomID: room.ID, Seq: s, Frame: []byte{byte('0' + s)},
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

	for _, tt := range []struct {
		name string
		seqs []int64
		now  string // queued at once
		late string // queued after OrderWait
	}{
		{"InOrder", []int64{1, 2}, "12", ""},
		{"Overtaken", []int64{4, 3, 5}, "345", ""},
		{"Missing", []int64{7, 8}, "", "78"},
		{"FilledAfterWait", []int64{9}, "9", ""},
		{"Late", []int64{6}, "6", ""},
		{"NoSeq", []int64{0}, "0", ""},
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
		send(11, 12)
		hb.order.flush()
		if got := queued(); !slices.Equal([]byte(got), []byte{'0' + 11, '0' + 12}) {
			t.Fatalf("queued %q on flush, want the held events", got)
		}
	})
}
