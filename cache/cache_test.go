package cache_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/cache"
	"github.com/edusphere/edusphere/testdb"
)

func newCache(h *testdb.Handle) *cache.Cache {
	return cache.New(cache.Config{Version: h.CatalogVersion, MessagesVersion: h.MessagesVersion})
}

func ptr[T any](v T) *T { return &v }

// TestVersions checks which writes move the catalog version and which move
// a room's messages version: every change to users, topics, rooms and
// participants moves the first; message changes move only the second.
func TestVersions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		s := h.Services
		host := testdb.MustCreateUser(t, ctx, s, nil)
		room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, TopicName: "Go"})
		guest := testdb.MustCreateUser(t, ctx, s, nil)
		var msg edusphere.Message
		for _, tt := range []struct {
			name             string
			write            func() error
			catalog, message bool // which versions must move
		}{
			{"CreateUser", func() error {
				return s.Users.CreateUser(ctx, &edusphere.User{Username: "newbie", Email: "n@example.com", Name: "N", IsActive: true})
			}, true, false},
			{"UpdateUser", func() error {
				_, err := s.Users.UpdateUser(ctx, guest.ID, edusphere.UserUpdate{Bio: ptr("hi")})
				return err
			}, true, false},
			{"UpdateLastLogin", func() error {
				_, err := s.Users.UpdateUser(ctx, guest.ID, edusphere.UserUpdate{LastLogin: ptr(h.Clock.Now())})
				return err
			}, true, false},
			{"CreateRoom", func() error {
				_, err := s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: guest.ID, Name: "Other", TopicName: "Rust"})
				return err
			}, true, false},
			{"JoinRoom", func() error { _, err := s.Rooms.JoinRoom(ctx, room.ID, guest.ID); return err }, true, false},
			{"UpdateRoom", func() error {
				_, err := s.Rooms.UpdateRoom(ctx, room.ID, edusphere.RoomUpdate{Description: ptr("new")})
				return err
			}, true, false},
			{"GetOrCreateTopic", func() error { _, err := s.Topics.GetOrCreateTopic(ctx, "Zig"); return err }, true, false},
			{"CreateMessage", func() error {
				msg = edusphere.Message{RoomID: room.ID, UserID: guest.ID, Body: "hello"}
				return s.Messages.CreateMessage(ctx, &msg)
			}, false, true},
			{"UpdateMessage", func() error {
				_, err := s.Messages.UpdateMessage(ctx, msg.ID, edusphere.MessageUpdate{Body: ptr("hello!")})
				return err
			}, false, true},
			{"DeleteMessage", func() error { return s.Messages.DeleteMessage(ctx, msg.ID) }, false, true},
			{"DeleteUser", func() error { return s.Users.DeleteUser(ctx, guest.ID) }, true, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				messages := func() int64 {
					v, err := h.MessagesVersion(ctx, room.ID)
					mustOK(t, "MessagesVersion", err)
					return v
				}
				c0, err := h.CatalogVersion(ctx)
				mustOK(t, "CatalogVersion", err)
				m0 := messages()
				mustOK(t, tt.name, tt.write())
				c1, err := h.CatalogVersion(ctx)
				mustOK(t, "CatalogVersion", err)
				m1 := messages()
				if moved := c1 > c0; moved != tt.catalog {
					t.Fatalf("catalog version %d -> %d, want moved=%v", c0, c1, tt.catalog)
				}
				if moved := m1 > m0; moved != tt.message {
					t.Fatalf("messages version %d -> %d, want moved=%v", m0, m1, tt.message)
				}
			})
		}
		t.Run("DeleteRoom", func(t *testing.T) {
			c0, _ := h.CatalogVersion(ctx)
			mustOK(t, "DeleteRoom", s.Rooms.DeleteRoom(ctx, room.ID))
			if c1, _ := h.CatalogVersion(ctx); c1 <= c0 {
				t.Fatalf("catalog version %d -> %d, want moved", c0, c1)
			}
			_, err := h.MessagesVersion(ctx, room.ID)
			if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("MessagesVersion(deleted room)=%v, want ENOTFOUND", err)
			}
		})
	})
}

// TestReadsSeeWrites reads every cached answer through the cache, changes
// the data behind it (in another handle on the same database, as another
// server process would), and reads again: the second read must show the
// change.
func TestReadsSeeWrites(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			a, b := twoHandles(t, kind)
			ctx := context.Background()
			c := newCache(a)
			s := c.Wrap(a.Services)
			w := b.Services // the other process
			host := testdb.MustCreateUser(t, ctx, w, &edusphere.User{Username: "host"})
			room := testdb.MustCreateRoom(t, ctx, w, edusphere.RoomCreate{HostID: host.ID, Name: "Main", TopicName: "Go"})
			guest := testdb.MustCreateUser(t, ctx, w, &edusphere.User{Username: "guest"})

			for _, tt := range []struct {
				name  string
				read  func() (any, error)
				write func() error
				want  func(got any) bool
			}{
				{"FindUserByID", func() (any, error) { return s.Users.FindUserByID(ctx, guest.ID) },
					func() error {
						_, err := w.Users.UpdateUser(ctx, guest.ID, edusphere.UserUpdate{Name: ptr("Renamed")})
						return err
					},
					func(got any) bool { return got.(*edusphere.User).Name == "Renamed" }},
				{"FindUsersByID", func() (any, error) {
					users, _, err := s.Users.FindUsers(ctx, edusphere.UserFilter{IDs: []uuid.UUID{host.ID, guest.ID}})
					return users, err
				}, func() error {
					_, err := w.Users.UpdateUser(ctx, host.ID, edusphere.UserUpdate{Avatar: ptr("avatars/h.png")})
					return err
				},
					func(got any) bool { return got.([]*edusphere.User)[0].Avatar == "avatars/h.png" }},
				{"FindTopics", func() (any, error) { ts, _, err := s.Topics.FindTopics(ctx, edusphere.TopicFilter{}); return ts, err },
					func() error { _, err := w.Topics.GetOrCreateTopic(ctx, "Zig"); return err },
					func(got any) bool { return len(got.([]*edusphere.Topic)) == 2 }},
				{"FindRooms", func() (any, error) { rs, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{}); return rs, err },
					func() error { _, err := w.Rooms.JoinRoom(ctx, room.ID, guest.ID); return err },
					func(got any) bool { return got.([]*edusphere.Room)[0].ParticipantCount == 2 }},
				{"FindRoomByID", func() (any, error) { return s.Rooms.FindRoomByID(ctx, room.ID) },
					func() error {
						_, err := w.Rooms.UpdateRoom(ctx, room.ID, edusphere.RoomUpdate{Description: ptr("about Go")})
						return err
					},
					func(got any) bool { return got.(*edusphere.Room).Description == "about Go" }},
				{"FindRoomBySlugAppears", func() (any, error) {
					r, err := s.Rooms.FindRoomBySlug(ctx, "host", "later")
					if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
						return (*edusphere.Room)(nil), nil
					}
					return r, err
				}, func() error {
					_, err := w.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: host.ID, Name: "Later", TopicName: "Go"})
					return err
				}, func(got any) bool { return got.(*edusphere.Room) != nil }},
				{"FindParticipants", func() (any, error) { return s.Rooms.FindParticipants(ctx, []uuid.UUID{room.ID}) },
					func() error {
						_, err := w.Rooms.JoinRoom(ctx, room.ID, testdb.MustCreateUser(t, ctx, w, nil).ID)
						return err
					},
					func(got any) bool { return len(got.(map[uuid.UUID][]*edusphere.User)[room.ID]) == 3 }},
				{"FindMessages", func() (any, error) {
					ms, _, err := s.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID})
					return ms, err
				}, func() error {
					return w.Messages.CreateMessage(ctx, &edusphere.Message{RoomID: room.ID, UserID: host.ID, Body: "new"})
				}, func(got any) bool { ms := got.([]*edusphere.Message); return len(ms) == 1 && ms[0].Body == "new" }},
			} {
				t.Run(tt.name, func(t *testing.T) {
					before, err := tt.read()
					mustOK(t, "first read", err)
					if tt.want(before) {
						t.Fatalf("first read %v already shows the change", before)
					}
					if _, err := tt.read(); err != nil { // now from the cache
						t.Fatalf("second read: %v", err)
					}
					mustOK(t, "write", tt.write())
					after, err := tt.read()
					mustOK(t, "read after write", err)
					if !tt.want(after) {
						t.Fatalf("read after the write=%v, want the change", after)
					}
				})
			}
		})
	}
}

// TestHits checks that a repeated read is answered from memory with one
// version query, and that answers are copies the caller may change.
func TestHits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		c := newCache(h)
		s := c.Wrap(h.Services)
		room := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{Name: "Main"})
		testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: room.ID, UserID: room.HostID, Body: "hi"})
		for _, tt := range []struct {
			name string
			read func() error
		}{
			{"FindRooms", func() error { _, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{}); return err }},
			{"FindUsers", func() error {
				_, _, err := s.Users.FindUsers(ctx, edusphere.UserFilter{IDs: []uuid.UUID{room.HostID}})
				return err
			}},
			{"FindMessages", func() error {
				_, _, err := s.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID})
				return err
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				mustOK(t, "first read", tt.read())
				hits, _ := c.Stats()
				before := h.StatementCount()
				mustOK(t, "second read", tt.read())
				if n := h.StatementCount() - before; n != 1 {
					t.Fatalf("second read ran %d statements, want 1 (the version)", n)
				}
				if h2, _ := c.Stats(); h2 <= hits {
					t.Fatalf("hits=%d after a repeated read, want more than %d", h2, hits)
				}
			})
		}

		t.Run("AnswersAreCopies", func(t *testing.T) {
			rooms, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{})
			mustOK(t, "FindRooms", err)
			rooms[0].Name = "Changed by the caller"
			again, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{})
			mustOK(t, "FindRooms", err)
			if again[0].Name != "Main" {
				t.Fatalf("Name=%q, want the cached %q", again[0].Name, "Main")
			}
		})

		t.Run("ScopeReadsTheVersionOnce", func(t *testing.T) {
			ctx := cache.WithScope(ctx)
			before := h.StatementCount()
			for range 3 {
				_, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{})
				mustOK(t, "FindRooms", err)
				_, err = s.Users.FindUserByID(ctx, room.HostID)
				mustOK(t, "FindUserByID", err)
			}
			if n := h.StatementCount() - before; n != 1 {
				t.Fatalf("six cached reads in one scope ran %d statements, want 1", n)
			}
		})

		t.Run("MissingAnswersAreNotFound", func(t *testing.T) {
			for range 2 {
				_, err := s.Users.FindUserByID(ctx, uuid.New())
				if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
					t.Fatalf("FindUserByID(unknown)=%v, want ENOTFOUND", err)
				}
				_, err = s.Rooms.FindRoomBySlug(ctx, "nobody", "nothing")
				if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
					t.Fatalf("FindRoomBySlug(unknown)=%v, want ENOTFOUND", err)
				}
			}
		})
	})
}

// twoHandles opens one fresh database twice, as two server processes do.
func twoHandles(t *testing.T, kind string) (*testdb.Handle, *testdb.Handle) {
	t.Helper()
	if kind == "sqlite" {
		path := filepath.Join(t.TempDir(), "shared.db")
		return testdb.OpenSQLite(t, path), testdb.OpenSQLite(t, path)
	}
	dsn := testdb.PostgresDSN(t)
	return testdb.OpenPostgres(t, dsn), testdb.OpenPostgres(t, dsn)
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s=%v, want nil", what, err)
	}
}

// TestMaxItems checks that the cache holds at most MaxItems objects and
// still answers right once it had to start over.
func TestMaxItems(t *testing.T) {
	h := testdb.SQLite(t)
	ctx := context.Background()
	c := cache.New(cache.Config{Version: h.CatalogVersion, MessagesVersion: h.MessagesVersion, MaxItems: 5})
	s := c.Wrap(h.Services)
	var ids []uuid.UUID
	for range 4 {
		ids = append(ids, testdb.MustCreateUser(t, ctx, h.Services, nil).ID)
	}
	read := func() {
		t.Helper()
		users, _, err := s.Users.FindUsers(ctx, edusphere.UserFilter{IDs: ids})
		mustOK(t, "FindUsers", err)
		if len(users) != 4 {
			t.Fatalf("FindUsers=%d users, want 4", len(users))
		}
		rooms, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{})
		mustOK(t, "FindRooms", err)
		if len(rooms) != 0 {
			t.Fatalf("FindRooms=%d rooms, want 0", len(rooms))
		}
	}
	read() // 4 users + an empty list: 5 items, full
	_, misses := c.Stats()
	read() // all answered from memory
	if _, m := c.Stats(); m != misses {
		t.Fatalf("misses %d -> %d, want all hits while the cache holds 5 items", misses, m)
	}
	// A list of 3 topics on top overflows: the cache starts over, and the
	// answers stay right.
	for _, name := range []string{"Go", "Rust", "Zig"} {
		_, err := h.Services.Topics.GetOrCreateTopic(ctx, name)
		mustOK(t, "GetOrCreateTopic", err)
	}
	read() // the topics moved the version: refill
	topics, _, err := s.Topics.FindTopics(ctx, edusphere.TopicFilter{})
	mustOK(t, "FindTopics", err)
	if len(topics) != 3 {
		t.Fatalf("FindTopics=%d topics, want 3", len(topics))
	}
	_, before := c.Stats()
	read()
	if _, m := c.Stats(); m == before {
		t.Fatalf("misses stayed %d after the overflow, want the cache started over", m)
	}
	read()
}
