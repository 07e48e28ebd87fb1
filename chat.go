package edusphere

import (
	"time"

	"github.com/google/uuid"
)

// ChatOpKind names the chat writes MessageService.CommitChat applies.
type ChatOpKind int

const (
	// ChatCreate posts a new message.
	ChatCreate ChatOpKind = iota + 1
	// ChatUpdate replaces a message's body and marks it edited.
	ChatUpdate
	// ChatDelete deletes a message, leaving a tombstone.
	ChatDelete
)

// String returns "create", "update" or "delete".
func (k ChatOpKind) String() string {
	switch k {
	case ChatCreate:
		return "create"
	case ChatUpdate:
		return "update"
	case ChatDelete:
		return "delete"
	}
	return "unknown"
}

// MsgUnknownChatOp is the EINVALID message of a ChatOp of no known kind.
const MsgUnknownChatOp = "Unknown chat operation."

// ChatOp is one chat write for MessageService.CommitChat.
//
// The errors a result can carry, checked in this order (the order the chat
// socket reports them in, see docs/data.md, "Group commit"):
//   - create: EINVALID for the body, then "This field cannot be null." for
//     a nil UserID or RoomID (Message.Validate), ENOTFOUND "Room not found",
//     ENOTFOUND "User not found", ECONFLICT for a preset MessageID in use,
//     then ENOTFOUND "Message not found" for a ReplyTo that is not a
//     message of RoomID (CheckReply);
//   - update: ENOTFOUND "Message not found" (no such message, or not in
//     RoomID), EFORBIDDEN "Permission denied" (UserID is not the author),
//     then EINVALID for the body;
//   - delete: ENOTFOUND "Message not found", then EFORBIDDEN.
type ChatOp struct {
	Kind ChatOpKind
	// RoomID is the room the op is sent in: the new message's room for a
	// create; for an update or a delete the message must be in it, and
	// uuid.Nil accepts any room.
	RoomID uuid.UUID
	// UserID is the sender: the author of a new message; for an update or a
	// delete the sender must be the author, and uuid.Nil skips that check
	// (for callers that checked permission themselves: GraphQL, the admin).
	UserID uuid.UUID
	// MessageID is the message to update or delete. For a create it is the
	// new message's id, or uuid.Nil for a fresh one.
	MessageID uuid.UUID
	// Body is the body of a new or updated message.
	Body string
	// ReplyTo is, for a create, the message it answers, or uuid.Nil.
	ReplyTo uuid.UUID
}

// ChatResult is the outcome of one ChatOp.
type ChatResult struct {
	// Err is the op's own error (see ChatOp), or an internal error; when it
	// is set, nothing of the op was stored.
	Err error
	// Seq is the room sequence number the op's change took.
	Seq int64
	// Message is the message as a create or update left it.
	Message *Message
	// Tombstone is what a delete left of the message.
	Tombstone *Tombstone
}

// RoomID returns the room of the changed message, or uuid.Nil for a failed op.
func (r *ChatResult) RoomID() uuid.UUID {
	switch {
	case r.Err != nil:
		return uuid.Nil
	case r.Message != nil:
		return r.Message.RoomID
	case r.Tombstone != nil:
		return r.Tombstone.RoomID
	}
	return uuid.Nil
}

// Tombstone is what a deleted message leaves in its room: enough to replay
// the deletion in sequence order and to place a paging cursor, and no body.
// Tombstones are kept for the room's latest TombstoneWindow sequence
// numbers (docs/data.md, "Tombstones").
type Tombstone struct {
	ID     uuid.UUID `json:"id"`
	RoomID uuid.UUID `json:"roomId"`
	// UserID is the deleted message's author (who may be gone too).
	UserID uuid.UUID `json:"userId"`
	// CreatedSeq and Created are the message's: its place in history.
	CreatedSeq int64     `json:"createdSeq"`
	Created    time.Time `json:"created"`
	// Seq is the number the deletion took.
	Seq     int64     `json:"seq"`
	Deleted time.Time `json:"deleted"`
}
