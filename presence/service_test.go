package presence_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/redis"
	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// frame is a decoded presence or typing frame.
type frame struct {
	Type string    `json:"type"`
	Room uuid.UUID `json:"room"`
	User struct {
		ID       uuid.UUID `json:"id"`
		Username string    `json:"username"`
		Avatar   string    `json:"avatar"`
	} `json:"user"`
	Online   bool   `json:"online"`
	LastSeen string `json:"lastSeen"`
	Until    string `json:"until"`
}

// listen subscribes b to room and returns the frames it receives.
func listen(t *testing.T, b edusphere.Broker, room uuid.UUID) <-chan frame {
	t.Helper()
	ch := make(chan frame, 64)
	b.SetHandler(func(channel string, ev edusphere.Event) {
		if len(ev.V2) == 0 {
			return
		}
		var f frame
		if err := json.Unmarshal(ev.V2, &f); err != nil {
			t.Errorf("frame %s: %v", ev.V2, err)
			return
		}
		if ev.Type != f.Type || ev.RoomID != f.Room || channel != edusphere.RoomChannel(room) {
			t.Errorf("event %s on %s carries %s", ev.Type, channel, ev.V2)
		}
		ch <- f
	})
	if err := b.Subscribe(context.Background(), edusphere.RoomChannel(room)); err != nil {
		t.Fatal(err)
	}
	return ch
}

// next returns the next frame within d, failing when none comes.
func next(t *testing.T, ch <-chan frame, d time.Duration) frame {
	t.Helper()
	select {
	case f := <-ch:
		return f
	case <-time.After(d):
		t.Fatalf("no frame within %v", d)
		return frame{}
	}
}

// quiet fails when a frame comes within d.
func quiet(t *testing.T, ch <-chan frame, d time.Duration) {
	t.Helper()
	select {
	case f := <-ch:
		t.Fatalf("frame %+v, want none", f)
	case <-time.After(d):
	}
}

// fixture is a database with a room, its host and a participant.
type fixture struct {
	s           edusphere.Services
	room        *edusphere.Room
	host, guest *edusphere.User
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	s := testdb.SQLite(t).Services
	host := storetest.MustCreateUser(t, ctx, s, nil)
	guest := storetest.MustCreateUser(t, ctx, s, &edusphere.User{Avatar: "avatars/g.png"})
	room := storetest.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID})
	if _, err := s.Rooms.JoinRoom(ctx, room.ID, guest.ID); err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, room: room, host: host, guest: guest}
}

func (f fixture) service(t *testing.T, cfg presence.Config) *presence.Service {
	t.Helper()
	cfg.Users, cfg.Rooms = f.s.Users, f.s.Rooms
	if cfg.Grace == 0 {
		cfg.Grace = 200 * time.Millisecond
	}
	svc := presence.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		svc.Close(ctx)
	})
	return svc
}

func TestServiceOnlineOffline(t *testing.T) {
	f := newFixture(t)
	b := inmem.NewBroker()
	frames := listen(t, b, f.room.ID)
	svc := f.service(t, presence.Config{Broker: b})
	ctx := context.Background()

	svc.Enter(f.guest.ID, f.room.ID)
	svc.Enter(f.guest.ID, f.room.ID) // a second tab: no second frame
	got := next(t, frames, 2*time.Second)
	if got.Type != "presence" || !got.Online || got.Room != f.room.ID || got.User.ID != f.guest.ID ||
		got.User.Username != f.guest.Username || got.User.Avatar != "avatars/g.png" {
		t.Fatalf("frame=%+v, want guest online", got)
	}
	if _, err := time.Parse(time.RFC3339, got.LastSeen); err != nil {
		t.Fatalf("lastSeen=%q: %v", got.LastSeen, err)
	}
	quiet(t, frames, 100*time.Millisecond)

	on, err := svc.Online(ctx, []uuid.UUID{f.room.ID})
	if err != nil {
		t.Fatal(err)
	}
	if l := on[f.room.ID]; l.Count != 1 || len(l.Users) != 1 || l.Users[0] != f.guest.ID {
		t.Fatalf("Online=%+v, want the guest", l)
	}

	// A reload: both tabs close, one opens again within the grace time.
	svc.Leave(f.guest.ID, f.room.ID)
	svc.Leave(f.guest.ID, f.room.ID)
	time.Sleep(50 * time.Millisecond)
	svc.Enter(f.guest.ID, f.room.ID)
	quiet(t, frames, 400*time.Millisecond)

	start := time.Now()
	svc.Leave(f.guest.ID, f.room.ID)
	got = next(t, frames, 2*time.Second)
	if got.Online || got.User.ID != f.guest.ID {
		t.Fatalf("frame=%+v, want guest offline", got)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("offline after %v, want after the 200ms grace", d)
	}
	on, err = svc.Online(ctx, []uuid.UUID{f.room.ID})
	if err != nil || on[f.room.ID].Count != 0 {
		t.Fatalf("Online=%+v, %v; want nobody", on, err)
	}
	seen, err := svc.LastSeen(ctx, []uuid.UUID{f.guest.ID, f.host.ID})
	if err != nil {
		t.Fatal(err)
	}
	if ts, ok := seen[f.guest.ID]; !ok || time.Since(ts) > 5*time.Second {
		t.Fatalf("LastSeen[guest]=%v, want about now", ts)
	}
	if _, ok := seen[f.host.ID]; ok {
		t.Fatalf("LastSeen[host] set, want absent (never online)")
	}
	// Leaving more often than entering changes nothing.
	svc.Leave(f.guest.ID, f.room.ID)
	quiet(t, frames, 300*time.Millisecond)
}

func TestServiceCloseAnnouncesOffline(t *testing.T) {
	f := newFixture(t)
	b := inmem.NewBroker()
	frames := listen(t, b, f.room.ID)
	svc := presence.New(presence.Config{Broker: b, Users: f.s.Users, Rooms: f.s.Rooms, Grace: time.Hour})
	svc.Enter(f.host.ID, f.room.ID)
	if got := next(t, frames, 2*time.Second); !got.Online {
		t.Fatalf("frame=%+v, want online", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := next(t, frames, time.Second); got.Online || got.User.ID != f.host.ID {
		t.Fatalf("frame=%+v, want host offline without waiting for the grace", got)
	}
}

// redisPair returns two services sharing one Redis store, each with its
// own Redis broker (two processes), and the frames the first broker's
// process receives.
func redisPair(t *testing.T, f fixture, cfg presence.Config) (a, b *presence.Service, frames <-chan frame) {
	t.Helper()
	url, prefix := testdb.Redis(t)
	store, _ := redisStore(t)
	broker := func() *redis.Broker {
		br := redis.NewBroker(redis.Config{URL: url, Prefix: prefix})
		if err := br.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { br.Close() })
		return br
	}
	ba, bb := broker(), broker()
	frames = listen(t, ba, f.room.ID)
	bb.SetHandler(func(string, edusphere.Event) {})
	cfg.Store = store
	cfg.Broker, cfg.Process = ba, "A"
	a = f.service(t, cfg)
	cfg.Broker, cfg.Process = bb, "B"
	b = f.service(t, cfg)
	return a, b, frames
}

func TestServiceTwoProcesses(t *testing.T) {
	f := newFixture(t)
	a, b, frames := redisPair(t, f, presence.Config{})
	ctx := context.Background()

	b.Enter(f.guest.ID, f.room.ID)
	if got := next(t, frames, 2*time.Second); !got.Online || got.User.ID != f.guest.ID {
		t.Fatalf("frame=%+v, want guest online (published by B, received by A)", got)
	}
	a.Enter(f.guest.ID, f.room.ID)
	a.Enter(f.host.ID, f.room.ID)
	if got := next(t, frames, 2*time.Second); !got.Online || got.User.ID != f.host.ID {
		t.Fatalf("frame=%+v, want host online only", got)
	}
	for _, svc := range []*presence.Service{a, b} {
		on, err := svc.Online(ctx, []uuid.UUID{f.room.ID})
		if err != nil || on[f.room.ID].Count != 2 {
			t.Fatalf("Online=%+v, %v; want 2 from either process", on, err)
		}
	}
	// The guest's socket in B closes; the one in A keeps them online.
	b.Leave(f.guest.ID, f.room.ID)
	quiet(t, frames, 500*time.Millisecond)
	a.Leave(f.guest.ID, f.room.ID)
	if got := next(t, frames, 2*time.Second); got.Online || got.User.ID != f.guest.ID {
		t.Fatalf("frame=%+v, want guest offline", got)
	}
}

func TestServiceKilledProcess(t *testing.T) {
	f := newFixture(t)
	ttl := 600 * time.Millisecond
	a, b, frames := redisPair(t, f, presence.Config{TTL: ttl, Heartbeat: 150 * time.Millisecond})

	b.Enter(f.guest.ID, f.room.ID)
	a.Enter(f.host.ID, f.room.ID)
	for range 2 {
		if got := next(t, frames, 2*time.Second); !got.Online {
			t.Fatalf("frame=%+v, want online", got)
		}
	}
	// Several heartbeats pass: entries are refreshed, nobody goes offline.
	quiet(t, frames, 3*ttl/2)

	killed := time.Now()
	b.Kill()
	got := next(t, frames, 4*ttl)
	if got.Online || got.User.ID != f.guest.ID {
		t.Fatalf("frame=%+v, want the killed process's guest offline", got)
	}
	// Bound: TTL after the last heartbeat, plus one sweep interval (and
	// slack for a loaded machine).
	if d := time.Since(killed); d > ttl+2*150*time.Millisecond+time.Second {
		t.Fatalf("offline after %v, want within TTL+heartbeat", d)
	}
	on, err := a.Online(context.Background(), []uuid.UUID{f.room.ID})
	if err != nil || on[f.room.ID].Count != 1 || on[f.room.ID].Users[0] != f.host.ID {
		t.Fatalf("Online=%+v, %v; want only the host", on, err)
	}
	quiet(t, frames, ttl)
}

func TestTyping(t *testing.T) {
	f := newFixture(t)
	b := inmem.NewBroker()
	frames := listen(t, b, f.room.ID)
	now := t0
	svc := f.service(t, presence.Config{Broker: b, Now: func() time.Time { return now }})
	ctx := context.Background()
	stranger := storetest.MustCreateUser(t, ctx, f.s, nil)

	tests := []struct {
		name    string
		user    *edusphere.User
		room    uuid.UUID
		advance time.Duration
		code    string
	}{
		{"OK", f.guest, f.room.ID, 0, ""},
		{"ErrTooSoon", f.guest, f.room.ID, time.Second, edusphere.ETOOMANYREQUEST},
		{"OtherUserOK", f.host, f.room.ID, 0, ""},
		{"OKAfterInterval", f.guest, f.room.ID, time.Second, ""},
		{"ErrNotParticipant", stranger, f.room.ID, 0, edusphere.EFORBIDDEN},
		{"ErrRoomNotFound", f.guest, uuid.New(), 0, edusphere.ENOTFOUND},
		{"ErrAnonymous", nil, f.room.ID, 0, edusphere.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(tt.advance)
			err := svc.Typing(ctx, tt.user, tt.room)
			if code := edusphere.ErrorCode(err); code != tt.code {
				t.Fatalf("Typing code=%q (%v), want %q", code, err, tt.code)
			}
			if tt.code != "" {
				quiet(t, frames, 50*time.Millisecond)
				return
			}
			got := next(t, frames, time.Second)
			if got.Type != "typing" || got.User.ID != tt.user.ID || got.Room != tt.room {
				t.Fatalf("frame=%+v, want typing of %s", got, tt.user.Username)
			}
			if want := now.Add(5 * time.Second).Format(presence.TimeFormat); got.Until != want {
				t.Fatalf("until=%q, want %q", got.Until, want)
			}
		})
	}
}
