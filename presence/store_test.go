package presence_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
)

// stores runs fn against each Store: memory always, Redis when reachable.
func stores(t *testing.T, fn func(t *testing.T, s presence.Store)) {
	t.Run("memory", func(t *testing.T) { fn(t, presence.NewMemoryStore()) })
	t.Run("redis", func(t *testing.T) {
		s, _ := redisStore(t)
		fn(t, s)
	})
}

// redisStore returns a RedisStore under a prefix unique to t, and the
// client it uses.
func redisStore(t *testing.T) (*presence.RedisStore, goredis.UniversalClient) {
	return redisStoreB(t)
}

func redisStoreB(t testing.TB) (*presence.RedisStore, goredis.UniversalClient) {
	t.Helper()
	url, prefix := testdb.Redis(t)
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	t.Cleanup(func() {
		ctx := context.Background()
		if keys, err := c.Keys(ctx, prefix+"*").Result(); err == nil && len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		c.Close()
	})
	return presence.NewRedisStore(c, prefix), c
}

var t0 = time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)

func TestStore(t *testing.T) {
	stores(t, func(t *testing.T, s presence.Store) {
		ctx := context.Background()
		room, other := uuid.New(), uuid.New()
		alice, bob := uuid.New(), uuid.New()
		pa := presence.Pair{Room: room, User: alice}
		ttl := 45 * time.Second

		steps := []struct {
			name string
			do   func() (bool, error)
			want bool
		}{
			{"FirstEntryComesOnline", func() (bool, error) { return s.Refresh(ctx, pa, "A", t0, t0.Add(ttl)) }, true},
			{"RefreshStaysOnline", func() (bool, error) { return s.Refresh(ctx, pa, "A", t0.Add(time.Second), t0.Add(ttl+time.Second)) }, false},
			{"SecondProcessStaysOnline", func() (bool, error) { return s.Refresh(ctx, pa, "B", t0.Add(2*time.Second), t0.Add(ttl+2*time.Second)) }, false},
			{"RemoveOneOfTwoStaysOnline", func() (bool, error) { return s.Remove(ctx, pa, "A", t0.Add(3*time.Second)) }, false},
			{"RemoveLastGoesOffline", func() (bool, error) { return s.Remove(ctx, pa, "B", t0.Add(4*time.Second)) }, true},
			{"RemoveAgainChangesNothing", func() (bool, error) { return s.Remove(ctx, pa, "B", t0.Add(5*time.Second)) }, false},
			{"ComesOnlineAgain", func() (bool, error) { return s.Refresh(ctx, pa, "A", t0.Add(6*time.Second), t0.Add(6*time.Second+ttl)) }, true},
			{"AfterExpiryComesOnline", func() (bool, error) { return s.Refresh(ctx, pa, "B", t0.Add(time.Hour), t0.Add(time.Hour+ttl)) }, true},
			{"RemoveLiveGoesOffline", func() (bool, error) { return s.Remove(ctx, pa, "B", t0.Add(time.Hour+time.Second)) }, true},
		}
		for _, st := range steps {
			got, err := st.do()
			if err != nil {
				t.Fatalf("%s: err=%v", st.name, err)
			}
			if got != st.want {
				t.Fatalf("%s=%v, want %v", st.name, got, st.want)
			}
		}

		seen, err := s.LastSeen(ctx, []uuid.UUID{alice, bob})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := seen[alice], t0.Add(time.Hour+time.Second); !got.Equal(want) {
			t.Fatalf("LastSeen[alice]=%v, want %v", got, want)
		}
		if _, ok := seen[bob]; ok {
			t.Fatalf("LastSeen[bob] set, want absent")
		}
		_ = other
	})
}

func TestStoreOnline(t *testing.T) {
	stores(t, func(t *testing.T, s presence.Store) {
		ctx := context.Background()
		room, other, empty := uuid.New(), uuid.New(), uuid.New()
		users := make([]uuid.UUID, 5)
		for i := range users {
			users[i] = uuid.New()
			exp := t0.Add(time.Minute)
			if i == 4 {
				exp = t0.Add(time.Second) // expires before the read below
			}
			if _, err := s.Refresh(ctx, presence.Pair{Room: room, User: users[i]}, "A", t0, exp); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Refresh(ctx, presence.Pair{Room: other, User: users[0]}, "B", t0, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Online(ctx, []uuid.UUID{room, other, empty}, t0.Add(10*time.Second), 3)
		if err != nil {
			t.Fatal(err)
		}
		if l := got[room]; l.Count != 4 || len(l.Users) != 3 {
			t.Fatalf("Online[room]=%d listed of %d, want 3 of 4", len(l.Users), l.Count)
		}
		for _, u := range got[room].Users {
			if u == users[4] || !slices.Contains(users, u) {
				t.Fatalf("Online[room] lists %v, want a live user", u)
			}
		}
		if l := got[other]; l.Count != 1 || len(l.Users) != 1 || l.Users[0] != users[0] {
			t.Fatalf("Online[other]=%+v, want only users[0]", l)
		}
		if l, ok := got[empty]; ok {
			t.Fatalf("Online[empty]=%+v, want absent", l)
		}
	})
}

func TestStoreSweep(t *testing.T) {
	stores(t, func(t *testing.T, s presence.Store) {
		ctx := context.Background()
		room := uuid.New()
		dead, alive, both := uuid.New(), uuid.New(), uuid.New()
		ttl := 30 * time.Second
		refresh := func(u uuid.UUID, proc string, exp time.Time) {
			t.Helper()
			if _, err := s.Refresh(ctx, presence.Pair{Room: room, User: u}, proc, t0, exp); err != nil {
				t.Fatal(err)
			}
		}
		refresh(dead, "killed", t0.Add(ttl))
		refresh(alive, "live", t0.Add(3*ttl))
		refresh(both, "killed", t0.Add(ttl))
		refresh(both, "live", t0.Add(3*ttl))

		if got, err := s.Sweep(ctx, t0.Add(ttl/2), 10); err != nil || len(got) != 0 {
			t.Fatalf("Sweep before expiry=%v, %v; want none", got, err)
		}
		got, err := s.Sweep(ctx, t0.Add(2*ttl), 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := []presence.Pair{{Room: room, User: dead}}; !slices.Equal(got, want) {
			t.Fatalf("Sweep=%v, want %v", got, want)
		}
		// Each expired pair goes to one sweeper only.
		if got, err := s.Sweep(ctx, t0.Add(2*ttl), 10); err != nil || len(got) != 0 {
			t.Fatalf("second Sweep=%v, %v; want none", got, err)
		}
		on, err := s.Online(ctx, []uuid.UUID{room}, t0.Add(2*ttl), 10)
		if err != nil {
			t.Fatal(err)
		}
		if l := on[room]; l.Count != 2 || slices.Contains(l.Users, dead) {
			t.Fatalf("Online after sweep=%+v, want alive and both", l)
		}
		// The killed process's entry of "both" is gone: removing the live
		// one makes the user offline.
		if went, err := s.Remove(ctx, presence.Pair{Room: room, User: both}, "live", t0.Add(2*ttl)); err != nil || !went {
			t.Fatalf("Remove(both, live)=%v, %v; want true", went, err)
		}
	})
}

func TestStoreSweepLimit(t *testing.T) {
	stores(t, func(t *testing.T, s presence.Store) {
		ctx := context.Background()
		room := uuid.New()
		for range 5 {
			if _, err := s.Refresh(ctx, presence.Pair{Room: room, User: uuid.New()}, "A", t0, t0.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		first, err := s.Sweep(ctx, t0.Add(time.Minute), 3)
		if err != nil || len(first) != 3 {
			t.Fatalf("Sweep(limit 3)=%d, %v; want 3", len(first), err)
		}
		rest, err := s.Sweep(ctx, t0.Add(time.Minute), 3)
		if err != nil || len(rest) != 2 {
			t.Fatalf("second Sweep=%d, %v; want 2", len(rest), err)
		}
	})
}
