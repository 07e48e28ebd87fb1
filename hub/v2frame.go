package hub

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Error texts of the event socket beyond the chat socket's
// (docs/events.md, "Error texts").
const (
	MsgRoomNotFound  = "Room not found."
	MsgNotSubscribed = "Not subscribed."
	MsgTooManySubs   = "Too many subscriptions."
	maxRefLength     = 64
	maxSubscriptions = 100
)

// V2User is a user in event-socket frames.
type V2User struct {
	ID       uuid.UUID `json:"id"`
	Username string    `json:"username"`
	Avatar   string    `json:"avatar"`
}

func v2User(u *edusphere.User) *V2User {
	if u == nil {
		return nil
	}
	return &V2User{ID: u.ID, Username: u.Username, Avatar: u.Avatar}
}

// v2NewMessage is the message object of message.created.
type v2NewMessage struct {
	ID      uuid.UUID `json:"id"`
	User    *V2User   `json:"user"`
	Body    string    `json:"body"`
	Created string    `json:"created"`
	Updated string    `json:"updated"`
	Edited  bool      `json:"edited"`
	// ReplyTo is the id of the message a reply answers (docs/websocket.md,
	// "Replies"); absent for other messages.
	ReplyTo *uuid.UUID `json:"replyTo,omitempty"`
}

// v2EditedMessage is the message object of message.updated.
type v2EditedMessage struct {
	ID      uuid.UUID `json:"id"`
	Body    string    `json:"body"`
	Edited  bool      `json:"edited"`
	Updated string    `json:"updated"`
}

// marshal encodes a frame struct; the frames are plain data, so it cannot fail.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("hub: encode v2 frame: " + err.Error())
	}
	return b
}

// V2Created returns the message.created frame of m by author at seq.
func V2Created(m *edusphere.Message, author *edusphere.User, seq int64) []byte {
	user := v2User(author)
	if user == nil {
		user = &V2User{ID: m.UserID}
	}
	return marshal(struct {
		Type    string       `json:"type"`
		Room    uuid.UUID    `json:"room"`
		Seq     int64        `json:"seq"`
		Message v2NewMessage `json:"message"`
	}{edusphere.EventMessageCreated, m.RoomID, seq, v2NewMessage{
		ID: m.ID, User: user, Body: m.Body, Created: isoformat(m.Created), Updated: isoformat(m.Updated), Edited: m.Edited,
		ReplyTo: m.ReplyTo,
	}})
}

// V2Updated returns the message.updated frame of m at seq.
func V2Updated(m *edusphere.Message, seq int64) []byte {
	return marshal(struct {
		Type    string          `json:"type"`
		Room    uuid.UUID       `json:"room"`
		Seq     int64           `json:"seq"`
		Message v2EditedMessage `json:"message"`
	}{edusphere.EventMessageUpdated, m.RoomID, seq, v2EditedMessage{
		ID: m.ID, Body: m.Body, Edited: m.Edited, Updated: isoformat(m.Updated),
	}})
}

// V2Deleted returns the message.deleted frame of message id of room at
// seq; seq 0 leaves the number out (a deletion that took none).
func V2Deleted(room, id uuid.UUID, seq int64) []byte {
	return marshal(struct {
		Type string    `json:"type"`
		Room uuid.UUID `json:"room"`
		Seq  int64     `json:"seq,omitempty"`
		ID   uuid.UUID `json:"id"`
	}{edusphere.EventMessageDeleted, room, seq, id})
}

// V2Room returns the room.updated frame of r.
func V2Room(r *edusphere.Room) []byte {
	return marshal(struct {
		Type        string    `json:"type"`
		Room        uuid.UUID `json:"room"`
		Name        string    `json:"name"`
		Slug        string    `json:"slug"`
		Description string    `json:"description"`
		TopicID     int64     `json:"topicId"`
	}{edusphere.EventRoomUpdated, r.ID, r.Name, r.Slug, r.Description, r.TopicID})
}

// V2RoomDeleted returns the room.deleted frame of room.
func V2RoomDeleted(room uuid.UUID) []byte {
	return marshal(struct {
		Type string    `json:"type"`
		Room uuid.UUID `json:"room"`
	}{edusphere.EventRoomDeleted, room})
}

// V2Participant returns a participant.* frame (typ is one of the
// edusphere.EventParticipant* types) of user in room.
func V2Participant(typ string, room uuid.UUID, user *edusphere.User) []byte {
	return marshal(struct {
		Type string    `json:"type"`
		Room uuid.UUID `json:"room"`
		User *V2User   `json:"user"`
	}{typ, room, v2User(user)})
}

// v2UnreadPosted returns the unread frame of a message posted at seq by
// author in a room the socket does not subscribe.
func v2UnreadPosted(room uuid.UUID, seq int64, author uuid.UUID) []byte {
	return marshal(struct {
		Type   string    `json:"type"`
		Room   uuid.UUID `json:"room"`
		Seq    int64     `json:"seq"`
		Author uuid.UUID `json:"author"`
	}{"unread", room, seq, author})
}

// V2Read returns the unread frame of a read marker that moved.
func V2Read(st *edusphere.ReadState) []byte {
	return marshal(struct {
		Type  string    `json:"type"`
		Room  uuid.UUID `json:"room"`
		Read  int64     `json:"read"`
		Count int       `json:"count"`
	}{"unread", st.RoomID, st.Seq, st.Unread})
}

// v2Subscribed answers a subscription, or a catch-up that was too far behind.
func v2Subscribed(room uuid.UUID, seq int64, recovered bool, ref *string) []byte {
	return marshal(struct {
		Type      string    `json:"type"`
		Room      uuid.UUID `json:"room"`
		Seq       int64     `json:"seq"`
		Recovered bool      `json:"recovered"`
		Ref       *string   `json:"ref,omitempty"`
	}{"subscribed", room, seq, recovered, ref})
}

func v2Unsubscribed(room uuid.UUID, ref *string) []byte {
	return marshal(struct {
		Type string    `json:"type"`
		Room uuid.UUID `json:"room"`
		Ref  *string   `json:"ref,omitempty"`
	}{"unsubscribed", room, ref})
}

func v2Ack(ref *string, id uuid.UUID, seq int64) []byte {
	return marshal(struct {
		Type string    `json:"type"`
		Ref  *string   `json:"ref,omitempty"`
		ID   uuid.UUID `json:"id"`
		Seq  int64     `json:"seq"`
	}{"ack", ref, id, seq})
}

func v2Pong(ref *string) []byte {
	return marshal(struct {
		Type string  `json:"type"`
		Ref  *string `json:"ref,omitempty"`
	}{"pong", ref})
}

func v2Error(ref *string, text string) []byte {
	return marshal(struct {
		Type  string  `json:"type"`
		Ref   *string `json:"ref,omitempty"`
		Error string  `json:"error"`
	}{"error", ref, text})
}

// v2ClientFrame is a decoded client frame. Fields stay raw so that each
// frame type reports its own errors in the documented order.
type v2ClientFrame struct {
	Type    json.RawMessage `json:"type"`
	Ref     json.RawMessage `json:"ref"`
	Room    json.RawMessage `json:"room"`
	Since   json.RawMessage `json:"since"`
	ID      json.RawMessage `json:"id"`
	Message json.RawMessage `json:"message"`
	// ReplyTo is, on send, the message a reply answers (docs/websocket.md,
	// "Replies").
	ReplyTo json.RawMessage `json:"replyTo"`
}

// str decodes a raw JSON string; false for anything else (null included).
func str(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// ref decodes the optional ref: nil when absent, false when invalid.
func (f *v2ClientFrame) ref() (*string, bool) {
	if len(f.Ref) == 0 || string(f.Ref) == "null" {
		return nil, true
	}
	s, ok := str(f.Ref)
	if !ok || utf8.RuneCountInString(s) > maxRefLength {
		return nil, false
	}
	return &s, true
}

// uuidOf decodes a UUID string.
func uuidOf(raw json.RawMessage) (uuid.UUID, bool) {
	s, ok := str(raw)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// since decodes the optional since: -1 when absent, false when invalid.
func (f *v2ClientFrame) since() (int64, bool) {
	if len(f.Since) == 0 || string(f.Since) == "null" {
		return -1, true
	}
	var n int64
	if f.Since[0] == '"' || json.Unmarshal(f.Since, &n) != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// message decodes a valid body.
func (f *v2ClientFrame) message() (string, bool) {
	return body(map[string]json.RawMessage{"message": f.Message})
}
