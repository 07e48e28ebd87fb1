// Package unread remembers unread counts by the database state they were
// counted at, for both stores' FindReadStates (docs/data.md, "Read
// markers").
//
// A user's unread count in a room (messages by others created after the
// user's marker, not deleted, up to edusphere.UnreadCap) depends only on
// the room's sequence number, which every change to the room's messages
// moves, and on the marker. A count kept under those two numbers is
// therefore right for as long as both stay the same, in every process
// sharing the database: a home page whose rooms did not change reads the
// two numbers of each room, one index probe each, instead of counting up
// to UnreadCap index entries per room.
package unread

import (
	"sync"

	"github.com/google/uuid"
)

// DefaultMax bounds a Memo: about 64 bytes an entry.
const DefaultMax = 200_000

// Key is the state a count belongs to.
type Key struct {
	User, Room uuid.UUID
	Marker     int64 // the user's read marker in the room
	RoomSeq    int64 // the room's sequence number
}

// Memo maps Keys to counts. The zero value is ready to use.
type Memo struct {
	mu sync.Mutex
	m  map[Key]int
	// Max bounds the entries; past it the memo starts over. 0 means
	// DefaultMax.
	Max int
}

// Get returns the count kept for k.
func (m *Memo) Get(k Key) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.m[k]
	return n, ok
}

// Put keeps n for k. An older key of the same user and room stays until
// the memo starts over: it is never asked for again, as numbers only grow.
func (m *Memo) Put(k Key, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	max := m.Max
	if max <= 0 {
		max = DefaultMax
	}
	if m.m == nil || len(m.m) >= max {
		m.m = make(map[Key]int)
	}
	m.m[k] = n
}
