package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// TestStore runs the conformance suite both stores share on PostgreSQL,
// one fresh database per subtest.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *storetest.Store {
		return testdb.Postgres(t).Store()
	})
}

// TestShared runs the two-process checks on two pools on one database.
func TestShared(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	storetest.RunShared(t, testdb.OpenPostgres(t, dsn).Store(), testdb.OpenPostgres(t, dsn).Store())
}

// openDB opens a DB on dsn and closes it in Cleanup.
func openDB(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db := postgres.NewDB(dsn)
	if err := db.Open(context.Background()); err != nil {
		t.Fatalf("Open=%v, want nil", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// migrationState reports the applied migration versions and the tables of
// the public schema.
func migrationState(t *testing.T, dsn string) (versions []int64, tables map[string]bool) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id`)
	if err != nil {
		t.Fatalf("read versions: %v", err)
	}
	versions, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatalf("read versions: %v", err)
	}
	rows, err = conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)
	if err != nil {
		t.Fatalf("read tables: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read tables: %v", err)
	}
	tables = make(map[string]bool)
	for _, n := range names {
		tables[n] = true
	}
	return versions, tables
}

var wantTables = []string{
	"core_user", "core_topic", "core_room", "core_room_participants", "core_message",
	"edusphere_refresh_token", "edusphere_revocation", "edusphere_admin_session", "edusphere_admin_action",
}

func checkMigrated(t *testing.T, dsn string) {
	t.Helper()
	versions, tables := migrationState(t, dsn)
	files, err := filepath.Glob("migration/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files=%v, %v", files, err)
	}
	// Each file's number, from its name (0007_private_rooms.sql is 7):
	// numbers are shared between branches, so a gap is allowed.
	want := make([]int64, len(files))
	for i, f := range files {
		n, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration file %s: %v", f, err)
		}
		want[i] = n
	}
	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Fatalf("applied versions=%v, want %v (each migration recorded once)", versions, want)
	}
	for _, name := range wantTables {
		if !tables[name] {
			t.Fatalf("table %s missing after Migrate; have %v", name, tables)
		}
	}
}

func TestDB_Migrate(t *testing.T) {
	t.Run("Twice", func(t *testing.T) {
		dsn := testdb.PostgresDSN(t)
		db := openDB(t, dsn)
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate=%v, want nil", err)
		}
		u := testdb.MustCreateUser(t, ctx, db.Services(), nil)
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate=%v, want nil", err)
		}
		checkMigrated(t, dsn)
		if _, err := db.Services().Users.FindUserByID(ctx, u.ID); err != nil {
			t.Fatalf("FindUserByID after second Migrate=%v, want the user kept", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		dsn := testdb.PostgresDSN(t)
		dbs := []*postgres.DB{openDB(t, dsn), openDB(t, dsn), openDB(t, dsn)}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		errs := make([]error, len(dbs))
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() { errs[i] = db.Migrate(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Migrate #%d=%v, want nil", i, err)
			}
		}
		checkMigrated(t, dsn)
		for i, db := range dbs {
			testdb.MustCreateUser(t, ctx, db.Services(), &edusphere.User{Username: fmt.Sprintf("migrated%d", i)})
		}
	})

	t.Run("ErrNotOpen", func(t *testing.T) {
		if err := postgres.NewDB("postgres://127.0.0.1/none").Migrate(context.Background()); err == nil {
			t.Fatalf("Migrate before Open=nil, want an error")
		}
	})
}

func TestDB_Open(t *testing.T) {
	t.Run("ErrBadDSN", func(t *testing.T) {
		if err := postgres.NewDB("postgres://%zz").Open(context.Background()); err == nil {
			t.Fatalf("Open(bad dsn)=nil, want an error")
		}
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Port 1 on loopback refuses connections at once.
		if err := postgres.NewDB("postgres://postgres@127.0.0.1:1/x?connect_timeout=2").Open(ctx); err == nil {
			t.Fatalf("Open(unreachable)=nil, want an error")
		}
	})
}

// TestDB_Warm starts a server's pool the way serve does: full, migrated
// (which starts the pool over), warmed. Every connection is open again,
// each a server process of the database, and warming counted no
// statements.
func TestDB_Warm(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.PostgresDSN(t)
	db := postgres.NewDB(dsn)
	db.FullPool, db.MaxConns = true, 3
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	before := db.StatementCount()
	if err := db.Warm(ctx); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if n := db.PoolStat().TotalConns(); n != 3 {
		t.Fatalf("pool holds %d connections after Warm, want 3", n)
	}
	if n := db.StatementCount() - before; n != 0 {
		t.Fatalf("Warm counted %d statements, want 0", n)
	}
	probe, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer probe.Close(ctx)
	var backends int
	if err := probe.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'edusphere'`).Scan(&backends); err != nil {
		t.Fatalf("count backends: %v", err)
	}
	if backends != 3 {
		t.Fatalf("%d server processes serve the pool, want 3", backends)
	}
}

// wantError fails t unless err is an *edusphere.Error with code and message.
func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *edusphere.Error
	if !errors.As(err, &e) {
		t.Fatalf("err=%v, want %s %q", err, code, msg)
	}
	if e.Code != code || e.Message != msg {
		t.Fatalf("err=%s %q, want %s %q", e.Code, e.Message, code, msg)
	}
}

const (
	reprRoomTaken     = `{'__all__': ['You already have a room with this name.']}`
	reprUsernameTaken = `{'username': ['User with this Username already exists.']}`
	reprEmailTaken    = `{'email': ['User with this Email already exists.']}`
)

func TestErrorMapping(t *testing.T) {
	h := testdb.Postgres(t)
	s := h.Services
	ctx := context.Background()
	host := testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: "host", Email: "Host@Example.com"})
	room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, Name: "Go Basics", TopicName: "Go"})
	ghost := uuid.New()

	tests := []struct {
		name string
		run  func() error
		code string
		msg  string
	}{
		{"UsernameTaken", func() error {
			return s.Users.CreateUser(ctx, &edusphere.User{Username: "HOST", Email: "other@example.com", Name: "x", IsActive: true})
		}, edusphere.ECONFLICT, reprUsernameTaken},
		{"EmailTakenIgnoringCase", func() error {
			return s.Users.CreateUser(ctx, &edusphere.User{Username: "other", Email: "host@EXAMPLE.com", Name: "x", IsActive: true})
		}, edusphere.ECONFLICT, reprEmailTaken},
		{"BothTakenInFieldOrder", func() error {
			return s.Users.CreateUser(ctx, &edusphere.User{Username: "host", Email: "host@example.com", Name: "x", IsActive: true})
		}, edusphere.ECONFLICT, `{'email': ['User with this Email already exists.'], 'username': ['User with this Username already exists.']}`},
		{"RoomNameTakenIgnoringCase", func() error {
			_, err := s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: host.ID, Name: "go basics", TopicName: "Go"})
			return err
		}, edusphere.ECONFLICT, reprRoomTaken},
		{"RoomUnknownHost", func() error {
			_, err := s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: ghost, Name: "Lonely", TopicName: "Go"})
			return err
		}, edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
		{"TopicNotLetters", func() error {
			_, err := s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: host.ID, Name: "Room", TopicName: "Go Lang"})
			return err
		}, edusphere.EINVALID, `{'__all__': ['Topic name must consist of letters only.']}`},
		{"MessageUnknownRoom", func() error {
			return s.Messages.CreateMessage(ctx, &edusphere.Message{UserID: host.ID, RoomID: ghost, Body: "hi"})
		}, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"MessageUnknownUser", func() error {
			return s.Messages.CreateMessage(ctx, &edusphere.Message{UserID: ghost, RoomID: room.ID, Body: "hi"})
		}, edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
		{"MessageUnknownRoomAndUser", func() error {
			return s.Messages.CreateMessage(ctx, &edusphere.Message{UserID: ghost, RoomID: uuid.New(), Body: "hi"})
		}, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"MessageBodyBlank", func() error {
			return s.Messages.CreateMessage(ctx, &edusphere.Message{UserID: host.ID, RoomID: room.ID, Body: ""})
		}, edusphere.EINVALID, `{'body': ['This field cannot be blank.']}`},
		{"JoinUnknownRoom", func() error {
			_, err := s.Rooms.JoinRoom(ctx, ghost, host.ID)
			return err
		}, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"JoinUnknownRoomAndUser", func() error {
			_, err := s.Rooms.JoinRoom(ctx, ghost, uuid.New())
			return err
		}, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"JoinUnknownUser", func() error {
			_, err := s.Rooms.JoinRoom(ctx, room.ID, ghost)
			return err
		}, edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
		{"RefreshTokenUnknownUser", func() error {
			return s.Sessions.CreateRefreshToken(ctx, &edusphere.RefreshToken{UserID: ghost, Family: uuid.New(),
				Hash: []byte("h-ghost"), Expires: time.Now().Add(time.Hour)})
		}, edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
		{"AdminSessionTwice", func() error {
			as := func() *edusphere.AdminSession {
				return &edusphere.AdminSession{Hash: []byte("same"), UserID: host.ID, Expires: time.Now().Add(time.Hour)}
			}
			if err := s.Sessions.CreateAdminSession(ctx, as()); err != nil {
				return err
			}
			return s.Sessions.CreateAdminSession(ctx, as())
		}, edusphere.ECONFLICT, "Session already exists."},
		{"UpdateUnknownRoom", func() error {
			name := "Fine"
			_, err := s.Rooms.UpdateRoom(ctx, ghost, edusphere.RoomUpdate{Name: &name})
			return err
		}, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"DeleteUnknownMessage", func() error {
			return s.Messages.DeleteMessage(ctx, ghost)
		}, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.run(), tt.code, tt.msg)
		})
	}

	t.Run("ValidationBeforeSQL", func(t *testing.T) {
		before := h.StatementCount()
		err := s.Users.CreateUser(ctx, &edusphere.User{Username: "---", Email: "a@example.com", Name: "x"})
		wantError(t, err, edusphere.EINVALID, `{'username': ['This field cannot be blank.']}`)
		body := ""
		_, err = s.Messages.UpdateMessage(ctx, ghost, edusphere.MessageUpdate{Body: &body})
		wantError(t, err, edusphere.EINVALID, `{'body': ['This field cannot be blank.']}`)
		if got := h.StatementCount() - before; got != 0 {
			t.Fatalf("statements run for invalid input=%d, want 0", got)
		}
	})
}

// TestRaces checks the rules hold when the checks in Go are raced: the
// unique indexes and ON CONFLICT give the same outcome as the checks.
func TestRaces(t *testing.T) {
	h := testdb.Postgres(t)
	s := h.Services
	ctx := context.Background()
	const n = 6

	t.Run("RoomName", func(t *testing.T) {
		host := testdb.MustCreateUser(t, ctx, s, nil)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				name := "Race Room"
				if i%2 == 1 {
					name = "RACE ROOM"
				}
				_, errs[i] = s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: host.ID, Name: name, TopicName: "Racing"})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantError(t, err, edusphere.ECONFLICT, reprRoomTaken)
			}
		}
		if ok != 1 {
			t.Fatalf("rooms created=%d, want 1", ok)
		}
	})

	t.Run("Slug", func(t *testing.T) {
		host := testdb.MustCreateUser(t, ctx, s, nil)
		rooms := make([]*edusphere.Room, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// Different names, one base slug "slug-race".
				name := "Slug" + strings.Repeat(" ", i+1) + "Race"
				rooms[i], errs[i] = s.Rooms.CreateRoom(ctx, edusphere.RoomCreate{HostID: host.ID, Name: name, TopicName: "Racing"})
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("CreateRoom #%d=%v, want nil", i, err)
			}
			if seen[rooms[i].Slug] {
				t.Fatalf("slug %q given twice", rooms[i].Slug)
			}
			seen[rooms[i].Slug] = true
		}
		if !seen["slug-race"] {
			t.Fatalf("slugs=%v, want one to be the bare base slug-race", seen)
		}
	})

	t.Run("Topic", func(t *testing.T) {
		ids := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				topic, err := s.Topics.GetOrCreateTopic(ctx, "Concurrency")
				if err != nil {
					t.Errorf("GetOrCreateTopic=%v, want nil", err)
					return
				}
				ids[i] = topic.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("topic ids=%v, want one topic", ids)
			}
		}
	})

	t.Run("Join", func(t *testing.T) {
		room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{})
		user := testdb.MustCreateUser(t, ctx, s, nil)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := s.Rooms.JoinRoom(ctx, room.ID, user.ID); err != nil {
					t.Errorf("JoinRoom=%v, want nil", err)
				}
			})
		}
		wg.Wait()
		got, err := s.Rooms.FindRoomByID(ctx, room.ID)
		if err != nil {
			t.Fatalf("FindRoomByID=%v", err)
		}
		if got.ParticipantCount != 2 {
			t.Fatalf("ParticipantCount=%d, want 2", got.ParticipantCount)
		}
	})

	t.Run("RotateRefreshToken", func(t *testing.T) {
		user := testdb.MustCreateUser(t, ctx, s, nil)
		old := &edusphere.RefreshToken{UserID: user.ID, Family: uuid.New(), Hash: []byte("old-" + testdb.RandomHex(4)),
			Expires: time.Now().Add(time.Hour)}
		if err := s.Sessions.CreateRefreshToken(ctx, old); err != nil {
			t.Fatalf("CreateRefreshToken=%v", err)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				next := &edusphere.RefreshToken{UserID: user.ID, Family: old.Family,
					Hash: []byte(fmt.Sprintf("next-%d-%s", i, testdb.RandomHex(4))), Expires: time.Now().Add(time.Hour)}
				errs[i] = s.Sessions.RotateRefreshToken(ctx, old.ID, next)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if edusphere.ErrorCode(err) != edusphere.ECONFLICT {
				t.Fatalf("RotateRefreshToken=%v, want nil or ECONFLICT", err)
			}
		}
		if ok != 1 {
			t.Fatalf("rotations=%d, want exactly 1", ok)
		}
	})
}

func TestTimes(t *testing.T) {
	h := testdb.Postgres(t)
	ctx := context.Background()
	zone := time.FixedZone("X", 5*3600+1800)
	set := time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone)
	h.Clock.Set(set)
	want := set.UTC().Truncate(time.Microsecond)

	room := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{})
	got, err := h.Services.Rooms.FindRoomByID(ctx, room.ID)
	if err != nil {
		t.Fatalf("FindRoomByID=%v", err)
	}
	if !got.Created.Equal(want) || got.Created.Location() != time.UTC {
		t.Fatalf("Created=%v, want %v in UTC", got.Created, want)
	}
	if got.Created != room.Created {
		t.Fatalf("stored Created=%v, returned %v: want the same value", got.Created, room.Created)
	}
	login := time.Date(2024, 1, 1, 0, 0, 0, 999, zone)
	u, err := h.Services.Users.UpdateUser(ctx, room.HostID, edusphere.UserUpdate{LastLogin: &login})
	if err != nil {
		t.Fatalf("UpdateUser=%v", err)
	}
	back, err := h.Services.Users.FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("FindUserByID=%v", err)
	}
	if back.LastLogin == nil || *back.LastLogin != *u.LastLogin || back.LastLogin.Nanosecond() != 0 {
		t.Fatalf("LastLogin=%v, want %v truncated to microseconds", back.LastLogin, u.LastLogin)
	}
}

// TestStatementCount checks the finders run one statement however many
// rows they return, so list pages cannot grow N+1 queries.
func TestStatementCount(t *testing.T) {
	h := testdb.Postgres(t)
	s := h.Services
	ctx := context.Background()
	var ids []uuid.UUID
	for range 5 {
		r := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{})
		testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: r.ID})
		ids = append(ids, r.ID)
	}
	tests := []struct {
		name string
		run  func() error
	}{
		{"FindRooms", func() error { _, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{}); return err }},
		{"FindTopics", func() error { _, _, err := s.Topics.FindTopics(ctx, edusphere.TopicFilter{}); return err }},
		{"FindMessages", func() error { _, _, err := s.Messages.FindMessages(ctx, edusphere.MessageFilter{}); return err }},
		{"FindUsers", func() error { _, _, err := s.Users.FindUsers(ctx, edusphere.UserFilter{}); return err }},
		{"FindParticipants", func() error { _, err := s.Rooms.FindParticipants(ctx, ids); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.StatementCount()
			if err := tt.run(); err != nil {
				t.Fatalf("%s=%v", tt.name, err)
			}
			if got := h.StatementCount() - before; got != 1 {
				t.Fatalf("statements=%d, want 1", got)
			}
		})
	}
}

// TestSearchFoldsASCIIOnly pins the case folding of searches and email
// matching to ASCII, as the sqlite store has it, whatever the server locale.
func TestSearchFoldsASCIIOnly(t *testing.T) {
	h := testdb.Postgres(t)
	s := h.Services
	ctx := context.Background()
	host := testdb.MustCreateUser(t, ctx, s, &edusphere.User{Email: "a@ÉCOLE.example"})
	testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, Name: "Cafe", Description: "ÉCOLE 50%_off"})

	tests := []struct {
		search string
		want   int
	}{
		{"cAfE", 1},
		{"ÉCOLE", 1},
		{"école", 0},
		{"50%_", 1},
		{"50__", 0},
	}
	for _, tt := range tests {
		t.Run(tt.search, func(t *testing.T) {
			_, n, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{Search: &tt.search})
			if err != nil {
				t.Fatalf("FindRooms=%v", err)
			}
			if n != tt.want {
				t.Fatalf("FindRooms(Search %q) total=%d, want %d", tt.search, n, tt.want)
			}
		})
	}
	t.Run("Email", func(t *testing.T) {
		if _, err := s.Users.FindUserByEmail(ctx, "A@ÉCOLE.EXAMPLE"); err != nil {
			t.Fatalf("FindUserByEmail(ASCII case differs)=%v, want the user", err)
		}
		_, err := s.Users.FindUserByEmail(ctx, "a@école.example")
		wantError(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
	})
}

// TestDB_Settings checks the operator's pool and statement-timeout
// settings: the pool has the configured size, a statement stuck behind a
// lock fails instead of waiting, and migrations are not cut short.
func TestDB_Settings(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	ctx := context.Background()
	db := postgres.NewDB(dsn)
	db.MaxConns = 3
	db.StatementTimeout = 300 * time.Millisecond
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open=%v, want nil", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate=%v, want nil (migrations run without the timeout)", err)
	}
	if got := db.PoolStat().MaxConns(); got != 3 {
		t.Fatalf("MaxConns=%d, want 3", got)
	}

	u := testdb.MustCreateUser(t, ctx, db.Services(), nil)
	// Another session holds the user's row; the service's update must give
	// up after the statement timeout rather than wait for it.
	locker, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM core_user WHERE id = $1 FOR UPDATE`, u.ID); err != nil {
		t.Fatal(err)
	}
	released, stop := make(chan struct{}), make(chan struct{})
	go func() {
		// Far beyond the timeout: without it, the update would wait for this.
		select {
		case <-time.After(20 * time.Second):
		case <-stop:
		}
		tx.Rollback(context.Background())
		close(released)
	}()
	name := "Renamed"
	_, err = db.Services().Users.UpdateUser(ctx, u.ID, edusphere.UserUpdate{Name: &name})
	select {
	case <-released:
		t.Fatalf("UpdateUser returned only after the lock was released (err=%v), want the statement timeout", err)
	default:
	}
	close(stop)
	<-released
	if err == nil || !strings.Contains(err.Error(), "statement timeout") {
		t.Fatalf("UpdateUser=%v, want a statement timeout error", err)
	}
}
