package edusphere

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Event and event-socket frame types of presence (docs/presence.md).
const (
	EventPresence = "presence" // V2 is a "presence" frame: a user came online or went offline in a room
	EventTyping   = "typing"   // V2 is a "typing" frame: a user types in a room, until a given time
)

// MaxOnlineListed is the most users Online lists for one room; the count
// is exact whatever the number (docs/limits.md, Presence).
const MaxOnlineListed = 100

// OnlineList is who is online in one room: Count users in all, of whom
// Users lists at most MaxOnlineListed, in no particular order.
type OnlineList struct {
	Users []uuid.UUID
	Count int
}

// PresenceService knows which users have a socket open on which rooms, in
// every process, and when each user was last seen (docs/presence.md).
type PresenceService interface {
	// Enter records that userID opened a socket on roomID in this
	// process. It returns at once; the shared store and the "presence"
	// event follow.
	Enter(userID, roomID uuid.UUID)

	// Leave records that one such socket closed. The user goes offline in
	// the room after a grace time without any socket of theirs on it.
	Leave(userID, roomID uuid.UUID)

	// Online returns who is online in each of roomIDs. Rooms nobody is
	// online in may be absent. Callers check that the viewer may see the
	// rooms.
	Online(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID]OnlineList, error)

	// LastSeen returns when each user last had a socket open; users never
	// seen are absent.
	LastSeen(ctx context.Context, userIDs []uuid.UUID) (map[uuid.UUID]time.Time, error)

	// Typing announces to the room that user is typing. Returns
	// ETOOMANYREQUEST when the same user announced typing in the room too
	// recently, EFORBIDDEN when the user does not take part in the room,
	// ENOTFOUND for an unknown room.
	Typing(ctx context.Context, user *User, roomID uuid.UUID) error
}
