package presence

import (
	"context"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Pair is one user in one room.
type Pair struct {
	Room uuid.UUID
	User uuid.UUID
}

// Store is the presence state every process shares. Each (room, user) has
// one entry per process, live until its expiry; the user is online in the
// room while any entry is live. Implementations are safe for concurrent use
// by several processes.
type Store interface {
	// Refresh sets proc's entry of p to expire at expires, and records
	// now as the user's last-seen time. It reports whether the user was
	// offline in the room before (no live entry at now).
	Refresh(ctx context.Context, p Pair, proc string, now, expires time.Time) (cameOnline bool, err error)

	// Remove deletes proc's entry of p and records now as the user's
	// last-seen time. It reports whether the user was online before and
	// is offline now.
	Remove(ctx context.Context, p Pair, proc string, now time.Time) (wentOffline bool, err error)

	// Sweep removes at most limit pairs whose entries have all expired by
	// now and returns them. Each expired pair is returned to one caller
	// only, so that one process announces it.
	Sweep(ctx context.Context, now time.Time, limit int) ([]Pair, error)

	// Online lists the users with a live entry at now in each room, at
	// most limit of them per room, with their exact count.
	Online(ctx context.Context, rooms []uuid.UUID, now time.Time, limit int) (map[uuid.UUID]edusphere.OnlineList, error)

	// LastSeen returns the last-seen times of the users that have one.
	LastSeen(ctx context.Context, users []uuid.UUID) (map[uuid.UUID]time.Time, error)
}
