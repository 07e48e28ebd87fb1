package storetest

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Store is what the suite needs of one fresh, migrated, empty database of
// the store under test. The suite imports no store: each store's own tests
// build it.
type Store struct {
	// Name names the store in logs ("sqlite", "postgres").
	Name string
	// Services are the store's services.
	Services edusphere.Services
	// Clock is the clock the store reads "now" from; the suite sets and
	// moves it to check the times the store records.
	Clock Clock
	// StatementCount returns how many SQL statements the store has run.
	StatementCount func() int64
	// MessagesVersion returns a room's messages version (the read cache's
	// key for message lists).
	MessagesVersion func(ctx context.Context, roomID uuid.UUID) (int64, error)
	// SetBeforeChatCommit sets the store's hook that runs before each
	// CommitChat transaction commits and fails it with its error. Set it
	// before starting goroutines that use the store.
	SetBeforeChatCommit func(hook func(ops []edusphere.ChatOp) error)
}

// Clock is a settable clock, such as *testdb.Clock. Until Set it follows
// real time; after Set it stands still and only Add moves it.
type Clock interface {
	Now() time.Time
	Set(t time.Time)
	Add(d time.Duration)
}

// Run runs the whole conformance suite. open must return a fresh, migrated,
// empty database whose store reads "now" from the Store's Clock; Run calls
// it once per subtest, so subtests never see each other's rows.
func Run(t *testing.T, open func(t *testing.T) *Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Topics", func(t *testing.T) { testTopics(t, open) })
	t.Run("Rooms", func(t *testing.T) { testRooms(t, open) })
	t.Run("Membership", func(t *testing.T) { testMembership(t, open) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("AdminLog", func(t *testing.T) { testAdminLog(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("Sequences", func(t *testing.T) { testSequences(t, open) })
	t.Run("Tombstones", func(t *testing.T) { testTombstones(t, open) })
	t.Run("History", func(t *testing.T) { testHistory(t, open) })
	t.Run("ReadMarkers", func(t *testing.T) { testReadMarkers(t, open) })
	t.Run("CommitChat", func(t *testing.T) { testCommitChat(t, open) })
	t.Run("Threads", func(t *testing.T) { testThreads(t, open) })
}

// opener returns a fresh, migrated, empty database.
type opener = func(t *testing.T) *Store

// epoch is where tests that control the clock start it: a time with
// sub-microsecond digits, which every store must drop.
var epoch = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

// epochUS is epoch at the precision stores keep.
var epochUS = epoch.Truncate(time.Microsecond)

func ptr[T any](v T) *T { return &v }

// slugSuffixRe returns the pattern of a collided slug for base.
func slugSuffixRe(base string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `-[0-9a-f]{4}$`)
}

// wantErr fails t unless err has code and, when msg is not empty, msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if got := edusphere.ErrorCode(err); got != code {
		t.Fatalf("ErrorCode=%q (err %v), want %q", got, err, code)
	}
	if msg != "" {
		if got := edusphere.ErrorMessage(err); got != msg {
			t.Fatalf("ErrorMessage=%q, want %q", got, msg)
		}
	}
}

// mustOK fails t when err is not nil.
func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s=%v, want nil", what, err)
	}
}

// repr builds the model-error message for one field.
func repr(field string, msgs ...string) string {
	return edusphere.FieldErrors{{Field: field, Messages: msgs}}.Repr()
}

// ids returns the ids of rooms (or anything with an ID) in order.
func roomIDs(rooms []*edusphere.Room) []uuid.UUID {
	out := make([]uuid.UUID, len(rooms))
	for i, r := range rooms {
		out[i] = r.ID
	}
	return out
}

func messageIDs(msgs []*edusphere.Message) []uuid.UUID {
	out := make([]uuid.UUID, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func userIDs(users []*edusphere.User) []uuid.UUID {
	out := make([]uuid.UUID, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// sortedIDs returns ids sorted by their text, the order stores use to
// break ties (PostgreSQL's uuid order is the same).
func sortedIDs(ids ...uuid.UUID) []uuid.UUID {
	out := append([]uuid.UUID(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func equalIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wantIDs fails t unless got lists want in order.
func wantIDs(t *testing.T, what string, got, want []uuid.UUID) {
	t.Helper()
	if !equalIDs(got, want) {
		t.Fatalf("%s=%v, want %v", what, got, want)
	}
}

// wantTotal fails t unless n is want.
func wantTotal(t *testing.T, n, want int) {
	t.Helper()
	if n != want {
		t.Fatalf("total=%d, want %d", n, want)
	}
}

// wantTime fails t unless got equals want.
func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s=%v, want %v", what, got, want)
	}
}

// env bundles what a subtest uses.
type env struct {
	ctx context.Context
	h   *Store
	s   edusphere.Services
}

func newEnv(t *testing.T, open opener) *env {
	t.Helper()
	h := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &env{ctx: ctx, h: h, s: h.Services}
}

// user creates an active user called username.
func (e *env) user(t *testing.T, username string) *edusphere.User {
	t.Helper()
	return e.userWith(t, &edusphere.User{
		Username: username, Name: strings.ToUpper(username[:1]) + username[1:], Email: username + "@example.com",
	})
}

// userWith creates u as an active user.
func (e *env) userWith(t *testing.T, u *edusphere.User) *edusphere.User {
	t.Helper()
	u.IsActive = true
	if err := e.s.Users.CreateUser(e.ctx, u); err != nil {
		t.Fatalf("CreateUser(%q)=%v, want nil", u.Username, err)
	}
	return u
}

// room creates a room of host.
func (e *env) room(t *testing.T, host *edusphere.User, name, topic string) *edusphere.Room {
	t.Helper()
	r, err := e.s.Rooms.CreateRoom(e.ctx, edusphere.RoomCreate{HostID: host.ID, Name: name, TopicName: topic})
	if err != nil {
		t.Fatalf("CreateRoom(%q)=%v, want nil", name, err)
	}
	return r
}

// message posts body in room as user.
func (e *env) message(t *testing.T, room *edusphere.Room, user *edusphere.User, body string) *edusphere.Message {
	t.Helper()
	m := &edusphere.Message{RoomID: room.ID, UserID: user.ID, Body: body}
	if err := e.s.Messages.CreateMessage(e.ctx, m); err != nil {
		t.Fatalf("CreateMessage=%v, want nil", err)
	}
	return m
}

// join adds user to room.
func (e *env) join(t *testing.T, room *edusphere.Room, user *edusphere.User) {
	t.Helper()
	if _, err := e.s.Rooms.JoinRoom(e.ctx, room.ID, user.ID); err != nil {
		t.Fatalf("JoinRoom=%v, want nil", err)
	}
}
