package hub_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/redis"
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

// TestV2PresenceTyping checks the presence and typing frames on the event
// socket: a subscription counts as a socket on the room, typing frames
// reach the room's other subscribers and are rate-limited.
func TestV2PresenceTyping(t *testing.T) {
	db := testdb.SQLite(t)
	f := newFixture(t, db.Services)
	broker := inmem.NewBroker()
	t.Cleanup(func() { broker.Close() })
	grace := 300 * time.Millisecond
	svc := presence.New(presence.Config{Broker: broker, Users: db.Services.Users, Rooms: db.Services.Rooms, Grace: grace})
	t.Cleanup(func() { svc.Close(context.Background()) })
	e := newEnv(t, db, hub.Config{Presence: svc, Typing: svc}, broker)

	// presenceOf reads c's frames until the presence frame of u.
	presenceOf := func(c *client, u *edusphere.User) frame {
		t.Helper()
		for {
			fr := c.until(t, "presence")
			if user, _ := fr["user"].(map[string]any); user["username"] == u.Username {
				return fr
			}
		}
	}

	// ada's own frame may come before her subscription reaches the room's
	// channel (the page counts itself anyway); bob's comes after it.
	ada := e.dialV2(f.ada)
	ada.subscribe(t, f.room.ID, -1)
	bob := e.dialV2(f.bob)
	bob.subscribe(t, f.room.ID, -1)
	if fr := presenceOf(ada, f.bob); fr["online"] != true || fr.str("lastSeen") == "" || fr.str("room") != f.room.ID.String() {
		t.Fatalf("ada got %v, want bob online", fr)
	}
	on, err := svc.Online(context.Background(), []uuid.UUID{f.room.ID})
	if err != nil || on[f.room.ID].Count != 2 {
		t.Fatalf("Online=%+v, %v; want ada and bob", on, err)
	}

	bob.sendJSON(t, map[string]any{"type": "typing", "room": f.room.ID, "ref": "t1"})
	fr := ada.until(t, "typing")
	if user, _ := fr["user"].(map[string]any); user["username"] != "bob" || fr.str("room") != f.room.ID.String() {
		t.Fatalf("ada got %v, want bob typing", fr)
	}
	until, err := time.Parse(time.RFC3339, fr.str("until"))
	if err != nil || until.Before(time.Now().Add(3*time.Second)) || until.After(time.Now().Add(6*time.Second)) {
		t.Fatalf("until=%q, want about 5 s from now", fr.str("until"))
	}
	// Too soon: refused to bob, nothing reaches ada.
	bob.sendJSON(t, map[string]any{"type": "typing", "room": f.room.ID, "ref": "t2"})
	if fr := bob.until(t, "error"); fr.str("ref") != "t2" || fr.str("error") != presence.MsgTypingTooOften {
		t.Fatalf("bob got %v, want the rate-limit error", fr)
	}
	ada.silent(t, 100*time.Millisecond)

	// Unsubscribing ends bob's presence in the room after the grace.
	bob.sendJSON(t, map[string]any{"type": "unsubscribe", "room": f.room.ID})
	if fr := presenceOf(ada, f.bob); fr["online"] != false {
		t.Fatalf("ada got %v, want bob offline", fr)
	}
	// A subscription and a chat socket of the same user count together.
	chat := e.dial(f.bob, f.room)
	if fr := presenceOf(ada, f.bob); fr["online"] != true {
		t.Fatalf("ada got %v, want bob online through the chat socket", fr)
	}
	bob.subscribe(t, f.room.ID, -1)
	chat.ws.Close(1000, "")
	ada.silent(t, grace+200*time.Millisecond)
	bob.ws.Close(1000, "")
	if fr := presenceOf(ada, f.bob); fr["online"] != false {
		t.Fatalf("ada got %v, want bob offline once both sockets closed", fr)
	}
}

// presenceProcess is one server process for presence: its own database
// pool, Redis broker, presence service on the shared Redis store, and hub.
func presenceProcess(t *testing.T, dsn, redisURL, prefix string) (*env, *presence.Service) {
	t.Helper()
	ctx := context.Background()
	db := postgres.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	b := redis.NewBroker(redis.Config{URL: redisURL, Prefix: prefix})
	if err := b.Open(ctx); err != nil {
		t.Fatalf("open redis broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	client, err := redis.NewClient(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	s := db.Services()
	svc := presence.New(presence.Config{
		Store: presence.NewRedisStore(client, prefix), Broker: b, Users: s.Users, Rooms: s.Rooms, Grace: 200 * time.Millisecond,
	})
	t.Cleanup(func() { svc.Close(context.Background()) })
	return newEnv(t, &testdb.Handle{Kind: "postgres", DSN: dsn, Services: s}, hub.Config{Presence: svc, Typing: svc}, b), svc
}

// TestPresenceTwoProcesses runs two hubs on one PostgreSQL database and one
// Redis: a chat socket in one process makes its user online for an event
// socket in the other, typing crosses too, and closing the socket makes
// the user offline there after the grace.
func TestPresenceTwoProcesses(t *testing.T) {
	redisURL, prefix := testdb.Redis(t)
	h := testdb.Postgres(t)
	f := newFixture(t, h.Services)
	p1, svc1 := presenceProcess(t, h.DSN, redisURL, prefix)
	p2, _ := presenceProcess(t, h.DSN, redisURL, prefix)

	presenceOf := func(c *client, u *edusphere.User) frame {
		t.Helper()
		for {
			fr := c.until(t, "presence")
			if user, _ := fr["user"].(map[string]any); user["username"] == u.Username {
				return fr
			}
		}
	}
	ada := p1.dialV2(f.ada)
	ada.subscribe(t, f.room.ID, -1)
	chat := p2.dial(f.bob, f.room)
	if fr := presenceOf(ada, f.bob); fr["online"] != true {
		t.Fatalf("ada (process 1) got %v, want bob online from process 2", fr)
	}
	on, err := svc1.Online(context.Background(), []uuid.UUID{f.room.ID})
	if err != nil || on[f.room.ID].Count != 2 {
		t.Fatalf("Online in process 1=%+v, %v; want ada and bob", on, err)
	}

	bob := p2.dialV2(f.bob)
	bob.subscribe(t, f.room.ID, -1)
	ada.sendJSON(t, map[string]any{"type": "typing", "room": f.room.ID})
	if fr := bob.until(t, "typing"); fr["user"].(map[string]any)["username"] != "ada" {
		t.Fatalf("bob (process 2) got %v, want ada typing", fr)
	}

	chat.ws.Close(1000, "")
	// bob's event socket keeps him online: no presence frame of his comes.
	for deadline := time.Now().Add(400 * time.Millisecond); time.Now().Before(deadline); {
		s, err := ada.tryRead(time.Until(deadline))
		if err != nil {
			break
		}
		if fr := frame(decode(t, s)); fr.str("type") == "presence" && fr["user"].(map[string]any)["username"] == "bob" {
			t.Fatalf("ada got %v, want no change while bob's event socket is open", fr)
		}
	}
	bob.ws.Close(1000, "")
	if fr := presenceOf(ada, f.bob); fr["online"] != false {
		t.Fatalf("ada got %v, want bob offline", fr)
	}
}
