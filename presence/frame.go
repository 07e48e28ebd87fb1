package presence

import (
	"encoding/json"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// TimeFormat is how frames write times: RFC 3339, UTC, milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// FrameUser is the user object of event-socket frames (docs/events.md,
// "Event socket"): avatar is "" for a user without one.
type FrameUser struct {
	ID       uuid.UUID `json:"id"`
	Username string    `json:"username"`
	Avatar   string    `json:"avatar"`
}

// NewFrameUser returns u's frame object.
func NewFrameUser(u *edusphere.User) FrameUser {
	return FrameUser{ID: u.ID, Username: u.Username, Avatar: u.Avatar}
}

// presenceFrame is the "presence" frame (docs/presence.md, Frames).
type presenceFrame struct {
	Type     string    `json:"type"`
	Room     uuid.UUID `json:"room"`
	User     FrameUser `json:"user"`
	Online   bool      `json:"online"`
	LastSeen string    `json:"lastSeen"`
}

// typingFrame is the "typing" frame (docs/presence.md, Frames).
type typingFrame struct {
	Type  string    `json:"type"`
	Room  uuid.UUID `json:"room"`
	User  FrameUser `json:"user"`
	Until string    `json:"until"`
}

// PresenceFrame returns the frame telling that u came online (online) or
// went offline in room, last seen at.
func PresenceFrame(room uuid.UUID, u *edusphere.User, online bool, at time.Time) json.RawMessage {
	b, _ := json.Marshal(presenceFrame{
		Type: edusphere.EventPresence, Room: room, User: NewFrameUser(u),
		Online: online, LastSeen: at.UTC().Format(TimeFormat),
	})
	return b
}

// TypingFrame returns the frame telling that u types in room; clients show
// it until until.
func TypingFrame(room uuid.UUID, u *edusphere.User, until time.Time) json.RawMessage {
	b, _ := json.Marshal(typingFrame{
		Type: edusphere.EventTyping, Room: room, User: NewFrameUser(u),
		Until: until.UTC().Format(TimeFormat),
	})
	return b
}
