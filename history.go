package edusphere

import (
	"github.com/google/uuid"
)

// Limits of the catch-up and history reads (docs/limits.md).
const (
	// DefaultChangesLimit is ChangesSince's bound when its limit is 0:
	// past this many changes a subscriber reloads instead of catching up.
	DefaultChangesLimit = 1000
	// TombstoneWindow is how many of a room's latest sequence numbers its
	// tombstones are kept for; older ones are pruned as new ones come. It
	// is also the highest limit ChangesSince takes, since a catch-up
	// further back could miss pruned deletions.
	TombstoneWindow = 10_000
	// MaxChangesLimit is the highest limit ChangesSince accepts.
	MaxChangesLimit = TombstoneWindow
	// DefaultHistoryPage is FindHistory's page size when Last is 0.
	DefaultHistoryPage = 50
	// MaxHistoryPage is the largest page FindHistory returns.
	MaxHistoryPage = 1000
)

// ChangeKind says what a Change replays.
type ChangeKind int

const (
	// ChangeCreated: a message the subscriber has not seen, in its current
	// state (it may have been edited since).
	ChangeCreated ChangeKind = iota + 1
	// ChangeUpdated: a message created before the subscriber's sequence
	// number and edited after it, in its current state.
	ChangeUpdated
	// ChangeDeleted: a deleted message's tombstone.
	ChangeDeleted
)

// String returns "created", "updated" or "deleted".
func (k ChangeKind) String() string {
	switch k {
	case ChangeCreated:
		return "created"
	case ChangeUpdated:
		return "updated"
	case ChangeDeleted:
		return "deleted"
	}
	return "unknown"
}

// Change is one entry of a catch-up: a message's latest change after the
// subscriber's sequence number.
type Change struct {
	Kind ChangeKind
	// Seq is the number of the change: Message.Seq or Tombstone.Seq.
	Seq       int64
	Message   *Message   // ChangeCreated, ChangeUpdated
	Tombstone *Tombstone // ChangeDeleted
}

// RoomChanges is ChangesSince's answer.
type RoomChanges struct {
	RoomID uuid.UUID
	// Since is the sequence number asked from.
	Since int64
	// Seq is the room's sequence number the answer is complete up to: after
	// applying Changes, the subscriber has seen everything up to Seq and
	// continues from there.
	Seq int64
	// TooFarBehind means the subscriber must reload the room: more than the
	// limit of changes happened after Since, or Since is ahead of the room
	// (a sequence number from another database). Changes is then empty.
	TooFarBehind bool
	// Changes lists, in sequence order, each message created or edited
	// after Since in its current state and each tombstone of a deletion
	// after Since, each once, at its latest sequence number.
	Changes []Change
}

// HistoryQuery asks for one page of a room's history.
type HistoryQuery struct {
	RoomID uuid.UUID
	// Before is the paging cursor: the page holds messages older than this
	// message (which may since have been deleted, while its tombstone
	// lasts). Nil asks for the newest page.
	Before *uuid.UUID
	// Last is the page size, 1 to MaxHistoryPage; 0 means DefaultHistoryPage.
	Last int
}

// HistoryPage is one page of a room's history.
type HistoryPage struct {
	// Messages are the newest Last messages before the cursor, oldest first.
	Messages []*Message
	// HasMore reports whether older messages exist; then Next is the
	// cursor of the next, older page (the ID of Messages[0]).
	HasMore bool
	Next    uuid.UUID
	// Seq is the room's sequence number when the page was read: the page
	// shows the room as of Seq, so a subscription from Seq continues it
	// with no gap and no duplicate.
	Seq int64
}

// ChangesLimit checks ChangesSince's arguments and returns the bound to
// apply: limit, or DefaultChangesLimit for 0.
func ChangesLimit(since int64, limit int) (int, error) {
	switch {
	case since < 0:
		return 0, Errorf(EINVALID, "since must not be negative.")
	case limit < 0 || limit > MaxChangesLimit:
		return 0, Errorf(EINVALID, "limit must be between 0 and %d.", MaxChangesLimit)
	case limit == 0:
		return DefaultChangesLimit, nil
	}
	return limit, nil
}

// MergeChanges merges messages and tombstones, each sorted by Seq and all
// changed after since, into one list in sequence order, as ChangesSince
// returns it.
func MergeChanges(since int64, msgs []*Message, dead []*Tombstone) []Change {
	out := make([]Change, 0, len(msgs)+len(dead))
	for len(msgs) > 0 || len(dead) > 0 {
		if len(dead) == 0 || (len(msgs) > 0 && msgs[0].Seq < dead[0].Seq) {
			m := msgs[0]
			msgs = msgs[1:]
			kind := ChangeUpdated
			if m.CreatedSeq > since {
				kind = ChangeCreated
			}
			out = append(out, Change{Kind: kind, Seq: m.Seq, Message: m})
			continue
		}
		t := dead[0]
		dead = dead[1:]
		out = append(out, Change{Kind: ChangeDeleted, Seq: t.Seq, Tombstone: t})
	}
	return out
}

// HistoryPageSize checks a HistoryQuery's Last and returns the page size.
func HistoryPageSize(last int) (int, error) {
	switch {
	case last == 0:
		return DefaultHistoryPage, nil
	case last < 0 || last > MaxHistoryPage:
		return 0, Errorf(EINVALID, "last must be between 1 and %d.", MaxHistoryPage)
	}
	return last, nil
}

// NewHistoryPage builds a page from up to last+1 messages read newest
// first: the extra one only tells that older messages exist.
func NewHistoryPage(newestFirst []*Message, last int, seq int64) *HistoryPage {
	p := &HistoryPage{Seq: seq}
	if len(newestFirst) > last {
		newestFirst = newestFirst[:last]
		p.HasMore = true
	}
	p.Messages = make([]*Message, len(newestFirst))
	for i, m := range newestFirst {
		p.Messages[len(newestFirst)-1-i] = m
	}
	if p.HasMore {
		p.Next = p.Messages[0].ID
	}
	return p
}
