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

	// CreateMessage fills ID, Created and Updated, validates and inserts,
	// committing before it returns. Returns EINVALID, ENOTFOUND for an
	// unknown room or user.
	CreateMessage(ctx context.Context, m *Message) error

	// UpdateMessage sets the body, Edited=true and Updated=now (even when
	// the text is the same). Returns ENOTFOUND, EINVALID.
	UpdateMessage(ctx context.Context, id uuid.UUID, upd MessageUpdate) (*Message, error)

	// DeleteMessage returns ENOTFOUND.
	DeleteMessage(ctx context.Context, id uuid.UUID) error
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
	Order  MessageOrder

	Offset int
	Limit  int // 0 means no limit
}
