package edusphere

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// ImportSource yields the rows of another EduSphere database (the original
// Django server's, read by package django), one table at a time, parents
// first. Each method calls fn for every row and stops at fn's first error,
// which it returns.
type ImportSource interface {
	ImportUsers(ctx context.Context, fn func(*User) error) error
	ImportTopics(ctx context.Context, fn func(*Topic) error) error
	ImportRooms(ctx context.Context, fn func(*Room) error) error
	ImportParticipants(ctx context.Context, fn func(roomID, userID uuid.UUID) error) error
	ImportMessages(ctx context.Context, fn func(*Message) error) error
}

// Importer copies every row of an ImportSource into a store in one
// transaction (docs/operations.md, "Importing from the original"). Rows
// already present, by id (participants: by room and user; topics: by id or
// by name), are left as they are, so a second run changes nothing and
// counts no new rows. A row breaking a rule of this server (Validate), or
// clashing with a different row on a unique key (an email that differs
// only in case, a taken username), fails the whole import with EINVALID or
// ECONFLICT naming the table and row; nothing is written then.
type Importer interface {
	Import(ctx context.Context, src ImportSource) (ImportCounts, error)
}

// ImportCount is what the import did with one table: rows read from the
// source and rows it added.
type ImportCount struct {
	Read int
	New  int
}

// ImportCounts are the counts of every imported table.
type ImportCounts struct {
	Users, Topics, Rooms, Participants, Messages ImportCount
}

// ImportRowError reports a source row that cannot be imported: table and
// id name the row, err says why. Its code is err's.
func ImportRowError(table string, id any, err error) error {
	code := ErrorCode(err)
	if code == EINTERNAL {
		return fmt.Errorf("%s %v: %w", table, id, err)
	}
	return Errorf(code, "%s %v: %s", table, id, ErrorMessage(err))
}

// ValidateImportedUser checks a user read from another database: the model
// rules of User.Validate, and a password field this server can store.
func ValidateImportedUser(u *User) error {
	if u.ID == uuid.Nil {
		return Errorf(EINVALID, "no id")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if u.DateJoined.IsZero() {
		return ModelFieldError(EINVALID, "date_joined", MsgNull)
	}
	return nil
}

// ValidateImportedRoom checks a room read from another database.
func ValidateImportedRoom(r *Room) error {
	if r.ID == uuid.Nil {
		return Errorf(EINVALID, "no id")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Created.IsZero() || r.Updated.IsZero() {
		return ModelFieldError(EINVALID, "created", MsgNull)
	}
	return nil
}

// ValidateImportedMessage checks a message read from another database.
func ValidateImportedMessage(m *Message) error {
	if m.ID == uuid.Nil {
		return Errorf(EINVALID, "no id")
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Created.IsZero() || m.Updated.IsZero() {
		return ModelFieldError(EINVALID, "created", MsgNull)
	}
	return nil
}
