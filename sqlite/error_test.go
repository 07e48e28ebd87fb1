package sqlite

import (
	"context"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// TestMapError drives each constraint to fail in the database itself, as a
// race past the services' checks would, and checks the domain error.
func TestMapError(t *testing.T) {
	ctx := context.Background()
	db := NewDB(":memory:")
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open=%v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate=%v", err)
	}
	user, room := uuid.New(), uuid.New()
	const ts = "2025-01-01T00:00:00.000000Z"
	for _, q := range []string{
		`INSERT INTO core_user (id, email, username, name, date_joined) VALUES ('` + user.String() + `', 'Ann@x.io', 'ann', 'Ann', '` + ts + `')`,
		`INSERT INTO core_topic (id, name) VALUES (1, 'Go')`,
		`INSERT INTO core_room (id, name, slug, host_id, topic_id, created, updated) VALUES ('` + room.String() + `', 'Room A', 'room-a', '` + user.String() + `', 1, '` + ts + `', '` + ts + `')`,
		`INSERT INTO edusphere_admin_session (hash, user_id, created, expires, last_seen) VALUES (x'01', '` + user.String() + `', '` + ts + `', '` + ts + `', '` + ts + `')`,
	} {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("seed %q: %v", q, err)
		}
	}
	for _, tt := range []struct {
		name string
		sql  string
		code string
		msg  string
	}{
		{"Username", `INSERT INTO core_user (id, email, username, name, date_joined) VALUES ('` + uuid.NewString() + `', 'b@x.io', 'ann', 'B', '` + ts + `')`,
			edusphere.ECONFLICT, "{'username': ['User with this Username already exists.']}"},
		{"EmailIgnoresCase", `INSERT INTO core_user (id, email, username, name, date_joined) VALUES ('` + uuid.NewString() + `', 'ANN@X.IO', 'bob', 'B', '` + ts + `')`,
			edusphere.ECONFLICT, "{'email': ['User with this Email already exists.']}"},
		{"RoomNameIgnoresCase", `INSERT INTO core_room (id, name, slug, host_id, topic_id, created, updated) VALUES ('` + uuid.NewString() + `', 'ROOM a', 'other', '` + user.String() + `', 1, '` + ts + `', '` + ts + `')`,
			edusphere.ECONFLICT, "{'__all__': ['You already have a room with this name.']}"},
		{"RoomSlug", `INSERT INTO core_room (id, name, slug, host_id, topic_id, created, updated) VALUES ('` + uuid.NewString() + `', 'Other', 'room-a', '` + user.String() + `', 1, '` + ts + `', '` + ts + `')`,
			edusphere.ECONFLICT, "{'slug': ['" + edusphere.MsgRoomSlugTaken + "']}"},
		{"TopicName", `INSERT INTO core_topic (name) VALUES ('Go')`,
			edusphere.ECONFLICT, "{'name': ['" + edusphere.MsgTopicTaken + "']}"},
		{"AdminSession", `INSERT INTO edusphere_admin_session (hash, user_id, created, expires, last_seen) VALUES (x'01', '` + user.String() + `', '` + ts + `', '` + ts + `', '` + ts + `')`,
			edusphere.ECONFLICT, msgSessionTaken},
		{"ForeignKey", `INSERT INTO core_message (id, user_id, room_id, body, created, updated) VALUES ('` + uuid.NewString() + `', '` + user.String() + `', '` + uuid.NewString() + `', 'x', '` + ts + `', '` + ts + `')`,
			edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"CheckIsInternal", `INSERT INTO core_topic (name) VALUES ('two words')`, edusphere.EINTERNAL, "Internal error."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.w.ExecContext(ctx, tt.sql)
			if err == nil {
				t.Fatalf("Exec=nil, want a constraint error")
			}
			got := mapError("step", err, edusphere.MsgRoomNotFound)
			if code := edusphere.ErrorCode(got); code != tt.code {
				t.Fatalf("ErrorCode=%q (%v), want %q", code, got, tt.code)
			}
			if msg := edusphere.ErrorMessage(got); msg != tt.msg {
				t.Fatalf("ErrorMessage=%q, want %q", msg, tt.msg)
			}
		})
	}
}

// TestSchemaChecks shows the schema refuses rows the services never write.
func TestSchemaChecks(t *testing.T) {
	ctx := context.Background()
	db := NewDB(":memory:")
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open=%v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate=%v", err)
	}
	user := uuid.NewString()
	const ts = "2025-01-01T00:00:00.000000Z"
	if _, err := db.w.ExecContext(ctx, `INSERT INTO core_user (id, email, username, name, date_joined) VALUES (?, 'a@x.io', 'a', 'A', ?)`, user, ts); err != nil {
		t.Fatalf("seed user: %v", err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO core_topic (id, name) VALUES (1, 'Go')`); err != nil {
		t.Fatalf("seed topic: %v", err)
	}
	for _, tt := range []struct {
		name string
		sql  string
		args []any
	}{
		{"ErrUsernameNotSlug", `INSERT INTO core_user (id, email, username, name, date_joined) VALUES (?, 'b@x.io', 'Bad Name', 'B', ?)`, []any{uuid.NewString(), ts}},
		{"ErrTopicNotLetters", `INSERT INTO core_topic (name) VALUES ('web3')`, nil},
		{"ErrRoomNameChars", `INSERT INTO core_room (id, name, slug, host_id, topic_id, created, updated) VALUES (?, 'bad!', 'bad', ?, 1, ?, ?)`, []any{uuid.NewString(), user, ts, ts}},
		{"ErrBodyBlank", `INSERT INTO core_message (id, user_id, room_id, body, created, updated) VALUES (?, ?, ?, '', ?, ?)`, []any{uuid.NewString(), user, uuid.NewString(), ts, ts}},
		{"ErrDescriptionTooLong", `INSERT INTO core_room (id, name, slug, host_id, topic_id, description, created, updated) VALUES (?, 'Ok', 'ok', ?, 1, printf('%.501c', 'x'), ?, ?)`, []any{uuid.NewString(), user, ts, ts}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.w.ExecContext(ctx, tt.sql, tt.args...); err == nil {
				t.Fatalf("Exec=nil, want a constraint error")
			}
		})
	}
}
