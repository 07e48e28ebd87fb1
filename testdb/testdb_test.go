package testdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

func TestClock(t *testing.T) {
	t.Run("FollowsRealTime", func(t *testing.T) {
		c := testdb.NewClock()
		before := time.Now().Add(-time.Millisecond)
		got := c.Now()
		if got.Before(before) || got.After(time.Now().Add(time.Millisecond)) || got.Location() != time.UTC {
			t.Fatalf("Now=%v, want the real time in UTC", got)
		}
		c.Add(time.Hour)
		if d := time.Until(c.Now()); d < 59*time.Minute || d > 61*time.Minute {
			t.Fatalf("Now-real=%v after Add(1h), want about 1h", d)
		}
	})
	t.Run("SetAndAdd", func(t *testing.T) {
		c := testdb.NewClock()
		at := time.Date(2024, 2, 29, 12, 0, 0, 123456789, time.FixedZone("X", 3600))
		c.Set(at)
		want := at.UTC().Truncate(time.Microsecond)
		if got := c.Now(); !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("Now=%v, want %v", got, want)
		}
		time.Sleep(2 * time.Millisecond)
		if got := c.Now(); !got.Equal(want) {
			t.Fatalf("Now=%v after a pause, want it to stand still at %v", got, want)
		}
		c.Add(90 * time.Second)
		if got := c.Func().Now(); !got.Equal(want.Add(90 * time.Second)) {
			t.Fatalf("Func().Now()=%v, want %v", got, want.Add(90*time.Second))
		}
	})
}

func TestHelpers(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		if err := h.Ping(ctx); err != nil {
			t.Fatalf("Ping=%v, want nil", err)
		}
		h.Clock.Set(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		m := testdb.MustCreateMessage(t, ctx, h.Services, nil)
		room, err := h.Services.Rooms.FindRoomByID(ctx, m.RoomID)
		if err != nil {
			t.Fatalf("FindRoomByID=%v, want nil", err)
		}
		if room.HostID != m.UserID || m.Body != "hello" {
			t.Fatalf("message=%+v in room %+v, want the host's hello", m, room)
		}
		if !m.Created.Equal(h.Clock.Now()) {
			t.Fatalf("Created=%v, want the handle's clock %v", m.Created, h.Clock.Now())
		}
		host, err := h.Services.Users.FindUserByID(ctx, room.HostID)
		if err != nil || !host.IsActive {
			t.Fatalf("host=%+v, %v, want an active user", host, err)
		}
		// Two helpers' users never clash.
		a := testdb.MustCreateUser(t, ctx, h.Services, nil)
		b := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Name: "Named"})
		if a.Username == b.Username || a.Email == b.Email || b.Name != "Named" {
			t.Fatalf("users %+v and %+v, want distinct usernames and emails", a, b)
		}
		if n := h.StatementCount(); n == 0 {
			t.Fatalf("StatementCount=0, want the statements counted")
		}
	})
}

func TestRedis(t *testing.T) {
	url, prefix := testdb.Redis(t)
	_, prefix2 := testdb.Redis(t)
	if url == "" || prefix == "" || prefix == prefix2 {
		t.Fatalf("Redis=%q, %q, %q, want a URL and unique prefixes", url, prefix, prefix2)
	}
}
