package postgres

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestMapError covers every constraint the schema names, including those
// the Go checks normally catch first and only a race or a direct write can
// break; the store tests reach the common ones on a real server.
func TestMapError(t *testing.T) {
	pg := func(code, constraint string) error {
		return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, ConstraintName: constraint})
	}
	tests := []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"UsernameKey", pg("23505", "core_user_username_key"), edusphere.ECONFLICT,
			`{'username': ['User with this Username already exists.']}`},
		{"EmailKey", pg("23505", "core_user_email_lower_key"), edusphere.ECONFLICT,
			`{'email': ['User with this Email already exists.']}`},
		{"RoomNameKey", pg("23505", "core_room_host_lower_name_key"), edusphere.ECONFLICT,
			`{'__all__': ['You already have a room with this name.']}`},
		{"RoomSlugKey", pg("23505", "core_room_host_slug_key"), edusphere.ECONFLICT,
			`{'slug': ['Room with this Host and Slug already exists.']}`},
		{"TopicNameKey", pg("23505", "core_topic_name_key"), edusphere.ECONFLICT,
			`{'name': ['Topic with this Name already exists.']}`},
		{"AdminSessionKey", pg("23505", "edusphere_admin_session_pkey"), edusphere.ECONFLICT, "Session already exists."},
		{"OtherUnique", pg("23505", "edusphere_refresh_token_hash_key"), edusphere.ECONFLICT, "Already exists."},
		{"RoomHostFK", pg("23503", "core_room_host_id_fkey"), edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
		{"RoomTopicFK", pg("23503", "core_room_topic_id_fkey"), edusphere.ENOTFOUND, "Topic not found"},
		{"MessageRoomFK", pg("23503", "core_message_room_id_fkey"), edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"MessageUserFK", pg("23503", "core_message_user_id_fkey"), edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
		{"ParticipantRoomFK", pg("23503", "core_room_participants_room_id_fkey"), edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		{"TopicCheck", pg("23514", "no_spaces_in_topic"), edusphere.EINVALID,
			`{'__all__': ['Topic name must consist of letters only.']}`},
		{"RoomNameCheck", pg("23514", "core_room_name_chars"), edusphere.EINVALID,
			`{'name': ['Room name can only contain letters and numbers.']}`},
		{"BodyLengthCheck", pg("23514", "core_message_body_length"), edusphere.EINVALID,
			"Invalid value (core_message_body_length)."},
		{"NotNull", fmt.Errorf("x: %w", &pgconn.PgError{Code: "23502", ColumnName: "name"}), edusphere.EINVALID,
			`{'name': ['This field cannot be null.']}`},
		{"TooLong", pg("22001", ""), edusphere.EINVALID, "Value too long."},
		{"DomainPassesThrough", edusphere.NotFound(edusphere.MsgRoomNotFound), edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mapError("step", tt.err)
			var e *edusphere.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Message != tt.msg {
				t.Fatalf("mapError=%v, want %s %q", err, tt.code, tt.msg)
			}
		})
	}

	t.Run("OtherWrappedWithStep", func(t *testing.T) {
		cause := &pgconn.PgError{Code: "40001"}
		err := mapError("insert room", cause)
		if edusphere.ErrorCode(err) != edusphere.EINTERNAL || !errors.Is(err, cause) ||
			!strings.HasPrefix(err.Error(), "insert room: ") {
			t.Fatalf("mapError=%v, want EINTERNAL wrapping the cause after the step", err)
		}
	})
}

// TestConstraintNames keeps the mapping tables in step with the migrations:
// a renamed constraint would silently turn a conflict into an internal error.
func TestConstraintNames(t *testing.T) {
	var schema strings.Builder
	err := fs.WalkDir(migrationFS, "migration", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrationFS.ReadFile(path)
		schema.Write(b)
		return err
	})
	if err != nil {
		t.Fatalf("read migrations: %v", err)
	}
	var names []string
	for name := range uniqueErrors {
		names = append(names, name)
	}
	for name := range checkErrors {
		names = append(names, name)
	}
	for _, name := range names {
		if name == "edusphere_admin_session_pkey" {
			name = "edusphere_admin_session" // the primary key takes its table's name
		}
		if !strings.Contains(schema.String(), name) {
			t.Fatalf("constraint %s is mapped but not in the migrations", name)
		}
	}
}
