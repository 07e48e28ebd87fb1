package edusphere

import (
	"context"

	"github.com/google/uuid"
)

// UnreadCap bounds an unread count: a count stops at UnreadCap, so
// UnreadCap means "at least UnreadCap" (a client shows "99+"), and counting
// a room reads at most UnreadCap index entries (docs/data.md, "Read markers").
const UnreadCap = 100

// MaxReadStates bounds how many rooms one FindReadStates call counts.
const MaxReadStates = 1000

// ReadState is a user's read marker in one room and what it leaves unread.
type ReadState struct {
	RoomID uuid.UUID `json:"roomId"`
	// Seq is the sequence number the user has read the room up to.
	Seq int64 `json:"seq"`
	// Unread counts the messages by others created after Seq and not
	// deleted, up to UnreadCap.
	Unread int `json:"unread"`
	// RoomSeq is the room's sequence number the state was read at.
	RoomSeq int64 `json:"roomSeq"`
}

// ReadMarkerService keeps per user and room the last sequence number read.
// A participant's marker starts at the room's sequence number when they
// join, moves forward only, moves to a message's creation when they post
// it, and goes when they leave or the room is deleted.
type ReadMarkerService interface {
	// MarkRead moves the user's marker in the room up to seq, never
	// backwards and never past the room's current sequence number, and
	// returns the state after. Returns ENOTFOUND ("Room not found"),
	// EFORBIDDEN ("Permission denied") when the user does not take part in
	// the room, EINVALID for a negative seq.
	MarkRead(ctx context.Context, userID, roomID uuid.UUID, seq int64) (*ReadState, error)

	// FindReadStates returns, with one query, the state of each of roomIDs
	// the user takes part in (rooms they do not are absent), or of all the
	// user's rooms when roomIDs is empty. It counts at most MaxReadStates
	// rooms: more roomIDs is EINVALID, and of all the user's rooms it keeps
	// the MaxReadStates they joined last.
	FindReadStates(ctx context.Context, userID uuid.UUID, roomIDs []uuid.UUID) (map[uuid.UUID]*ReadState, error)

	// RoomSeqs returns, with one query, the current sequence number of
	// each of roomIDs that exists (unknown rooms are absent). More than
	// MaxReadStates roomIDs is EINVALID.
	RoomSeqs(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID]int64, error)
}
