package edusphere

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Message is one chat message in a room. The body is kept exactly as sent:
// 1 to 500 code points, white space allowed, never trimmed.
type Message struct {
	ID      uuid.UUID `json:"id"`
	UserID  uuid.UUID `json:"userId"`
	RoomID  uuid.UUID `json:"roomId"`
	Body    string    `json:"body"`
	Edited  bool      `json:"edited"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`

	// CreatedSeq is the number the room's sequence gave the message's
	// creation, and Seq the number of its latest change (its creation or
	// its latest edit); see docs/data.md, "Room sequences". Within a room,
	// CreatedSeq order is history order: (Created, ID) order.
	CreatedSeq int64 `json:"createdSeq"`
	Seq        int64 `json:"seq"`

	// ReplyTo is the message of the same room this one answers, or nil.
	// It is not a foreign key: the reply stays when its parent is deleted
	// (docs/data.md, "Replies").
	ReplyTo *uuid.UUID `json:"replyTo,omitempty"`
}

// ValidateBody returns the repr model error for a bad body (docs/graphql.md,
// Mutations).
func ValidateBody(body string) error {
	if body == "" {
		return ModelFieldError(EINVALID, "body", MsgBlank)
	} else if n := Len(body); n > MaxBodyLength {
		return ModelFieldError(EINVALID, "body", MsgMaxLength(MaxBodyLength, n))
	}
	return nil
}

// Validate checks the model rules a store enforces before any SQL runs.
func (m *Message) Validate() error {
	if err := ValidateBody(m.Body); err != nil {
		return err
	}
	var fe FieldErrors
	if m.UserID == uuid.Nil {
		fe.Add("user", MsgNull)
	}
	if m.RoomID == uuid.Nil {
		fe.Add("room", MsgNull)
	}
	return errorOrNil(fe)
}

// ReplyID returns the id of the message m answers, or uuid.Nil.
func (m *Message) ReplyID() uuid.UUID {
	if m.ReplyTo == nil {
		return uuid.Nil
	}
	return *m.ReplyTo
}

// CanEditMessage reports whether user may edit or delete msg: only its author.
func CanEditMessage(user *User, msg *Message) bool {
	return user != nil && msg != nil && user.ID == msg.UserID
}

// MessageOrder names the orderings FindMessages supports.
type MessageOrder int

const (
	// MessageOrderOldest: created ascending, then id (a room's history).
	MessageOrderOldest MessageOrder = iota
	// MessageOrderNewest: created descending, then id (a user's messages, the admin).
	MessageOrderNewest
)

// MessageService reads and changes messages.
type MessageService interface {
	// FindMessageByID returns ENOTFOUND ("Message not found").
	FindMessageByID(ctx context.Context, id uuid.UUID) (*Message, error)

	// FindMessages returns matching messages and the total before Offset and Limit.
	FindMessages(ctx context.Context, filter MessageFilter) ([]*Message, int, error)

	// CreateMessage fills ID, Created, Updated, CreatedSeq and Seq,
	// validates and inserts, committing before it returns. Created is
	// now, or just after the room's latest message when that is later
	// (see docs/data.md, "Room sequences"). Returns EINVALID, ENOTFOUND
	// for an unknown room or user, ECONFLICT for a preset ID in use.
	CreateMessage(ctx context.Context, m *Message) error

	// UpdateMessage sets the body, Edited=true, Updated=now and the next
	// Seq of the room (even when the text is the same). Returns ENOTFOUND,
	// EINVALID.
	UpdateMessage(ctx context.Context, id uuid.UUID, upd MessageUpdate) (*Message, error)

	// DeleteMessage deletes the message, leaving a tombstone with the next
	// Seq of the room. Returns ENOTFOUND.
	DeleteMessage(ctx context.Context, id uuid.UUID) error

	// CommitChat applies ops in order and returns one result per op, in
	// op order: the changed message and its sequence number, or the op's
	// own error. It commits them together in one transaction, and when
	// that transaction fails as a whole it retries them in smaller groups,
	// so a bad op fails alone. See ChatOp and docs/data.md, "Group commit".
	CommitChat(ctx context.Context, ops []ChatOp) []ChatResult

	// ChangesSince returns every change to the room's messages after
	// sequence number since, compacted to one entry per message, in
	// sequence order, with the room's current sequence number; or
	// TooFarBehind past limit changes (0 means DefaultChangesLimit). See
	// docs/events.md, "Catch-up". Returns ENOTFOUND ("Room not found"),
	// EINVALID for a negative since or a limit above MaxChangesLimit.
	ChangesSince(ctx context.Context, roomID uuid.UUID, since int64, limit int) (*RoomChanges, error)

	// FindHistory returns the newest q.Last messages of the room older
	// than the cursor q.Before, oldest first, and what the next page
	// needs. See docs/events.md, "History paging". Returns ENOTFOUND
	// ("Room not found", or "Message not found" for a cursor that is not
	// in the room), EINVALID for Last out of range.
	FindHistory(ctx context.Context, q HistoryQuery) (*HistoryPage, error)
}

// MessageUpdate lists the fields to change; nil means "leave as is".
type MessageUpdate struct {
	Body *string
}

// MessageFilter selects messages; nil fields and empty slices do not filter.
type MessageFilter struct {
	IDs    []uuid.UUID
	RoomID *uuid.UUID
	UserID *uuid.UUID
	Edited *bool
	// Search is a case-insensitive substring of the body, the author's
	// username or the room's name (the admin's search).
	Search *string
	// VisibleTo keeps messages of the rooms that user may see
	// (RoomFilter.VisibleTo); nil does not filter.
	VisibleTo *uuid.UUID
	Order     MessageOrder

	Offset int
	Limit  int // 0 means no limit
}
