package hub_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// recordingBroker passes everything on and copies presence events to ch.
type recordingBroker struct {
	edusphere.Broker
	ch chan edusphere.Event
}

func (b *recordingBroker) Publish(ctx context.Context, channel string, ev edusphere.Event) error {
	if ev.Type == edusphere.EventPresence {
		b.ch <- ev
	}
	return b.Broker.Publish(ctx, channel, ev)
}

func TestHubPresence(t *testing.T) {
	db := testdb.SQLite(t)
	f := newFixture(t, db.Services)
	broker := &recordingBroker{Broker: inmem.NewBroker(), ch: make(chan edusphere.Event, 16)}
	grace := 300 * time.Millisecond
	svc := presence.New(presence.Config{Broker: broker, Users: db.Services.Users, Rooms: db.Services.Rooms, Grace: grace})
	t.Cleanup(func() { svc.Close(context.Background()) })
	e := newEnv(t, db, hub.Config{Presence: svc}, broker)

	expect := func(online bool, within time.Duration) {
		t.Helper()
		select {
		case ev := <-broker.ch:
			var fr struct {
				Online bool `json:"online"`
				User   struct {
					Username string `json:"username"`
				} `json:"user"`
			}
			if err := json.Unmarshal(ev.V2, &fr); err != nil {
				t.Fatal(err)
			}
			if ev.RoomID != f.room.ID || ev.UserID != f.bob.ID || fr.Online != online || fr.User.Username != "bob" {
				t.Fatalf("event %+v %s, want bob online=%v in the room", ev, ev.V2, online)
			}
		case <-time.After(within):
			t.Fatalf("no presence event within %v, want online=%v", within, online)
		}
	}
	none := func(d time.Duration) {
		t.Helper()
		select {
		case ev := <-broker.ch:
			t.Fatalf("presence event %s, want none", ev.V2)
		case <-time.After(d):
		}
	}

	c1 := e.dial(f.bob, f.room)
	expect(true, 2*time.Second)
	on, err := svc.Online(context.Background(), []uuid.UUID{f.room.ID})
	if err != nil || on[f.room.ID].Count != 1 {
		t.Fatalf("Online=%+v, %v; want bob", on, err)
	}
	c2 := e.dial(f.bob, f.room)
	none(100 * time.Millisecond)

	// The chat socket itself gets no presence frame: the contract's
	// frames are unchanged.
	c1.silent(t, 100*time.Millisecond)

	c1.ws.Close(1000, "")
	none(grace + 200*time.Millisecond)
	closed := time.Now()
	c2.ws.Close(1000, "")
	expect(false, 2*time.Second)
	if d := time.Since(closed); d < grace-50*time.Millisecond {
		t.Fatalf("offline after %v, want after the grace of %v", d, grace)
	}

	// A reload: the socket closes and a new one opens within the grace.
	c3 := e.dial(f.bob, f.room)
	expect(true, 2*time.Second)
	c3.ws.Close(1000, "")
	time.Sleep(50 * time.Millisecond)
	e.dial(f.bob, f.room)
	none(grace + 200*time.Millisecond)
}
