package edusphere

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"
)

// Event types carried by the broker.
const (
	EventMessageCreated = "message.created" // Frame is the "new" frame
	EventMessageUpdated = "message.updated" // Frame is the "update" frame
	EventMessageDeleted = "message.deleted" // Frame is the "delete" frame
	EventRoomDeleted    = "room.deleted"    // sockets of the room are closed
	EventUserDisabled   = "user.disabled"   // sockets of the user are closed (system channel)
	EventSessionRevoked = "session.revoked" // Revocation holds the deny-list entry (system channel)
	EventSessionRenewed = "session.renewed" // Session holds the renewed session and its new expiry (system channel)
	// EventGap comes from the broker itself, on each channel it
	// subscribes, once delivery has resumed after a time in which events
	// published on the channel may have been lost (the Redis subscriber
	// connection was down). Nothing published after it is lost.
	EventGap = "broker.gap"
)

// Room-level events of the event socket (docs/events.md, "Event socket"):
// V2 holds the frame, RoomID the room and UserID the participant concerned.
const (
	EventRoomUpdated        = "room.updated"
	EventParticipantJoined  = "participant.joined"
	EventParticipantLeft    = "participant.left"
	EventParticipantRemoved = "participant.removed"
)

// SystemChannel carries events that concern every process rather than one
// room: user deactivation, session revocation and renewal.
const SystemChannel = "system"

// RoomChannel returns the broker channel of a room.
func RoomChannel(roomID uuid.UUID) string { return "room:" + roomID.String() }

// ChannelRoom returns the room of a channel RoomChannel named, and false
// for any other channel.
func ChannelRoom(channel string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(channel, "room:")
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}

// UserChannel returns the broker channel of one user: events for that
// user's event sockets (/ws/v2, docs/events.md), whichever rooms they watch.
func UserChannel(userID uuid.UUID) string { return "user:" + userID.String() }

// ChannelUser returns the user of a channel UserChannel named, and false
// for any other channel.
func ChannelUser(channel string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(channel, "user:")
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}

// Event is what one process tells every process through the broker. Frame
// is the WebSocket frame already encoded once, so fan-out writes bytes.
type Event struct {
	Type       string          `json:"type"`
	RoomID     uuid.UUID       `json:"roomId,omitzero"`
	UserID     uuid.UUID       `json:"userId,omitzero"`
	Frame      json.RawMessage `json:"frame,omitempty"`
	Revocation *Revocation     `json:"revocation,omitempty"`
	Session    *Session        `json:"session,omitempty"`
	// Seq is the room sequence number of a message change (docs/data.md,
	// "Room sequences"); 0 for other events.
	Seq int64 `json:"seq,omitempty"`
	// V2 is the event socket's frame (/ws/v2, docs/events.md) already
	// encoded once: event sockets forward it to the subscribers of the
	// event's room (room channel) or to the user's sockets (user channel).
	// Chat sockets ignore it; an event with only V2 set reaches event
	// sockets only.
	V2 json.RawMessage `json:"v2,omitempty"`
}

// BrokerHandler receives every event published on a channel this process
// subscribed to, including the events it published itself.
type BrokerHandler func(channel string, ev Event)

// Broker moves events between processes. The in-memory broker hands them
// straight to the handler; the Redis broker goes through Redis pub/sub.
// Delivery is at most once; history comes from the database. A loss is
// never silent: after one, the broker delivers an EventGap on every channel
// that may have lost events, once the channel is subscribed again.
type Broker interface {
	// SetHandler sets the one handler of incoming events. Call it before Subscribe.
	SetHandler(h BrokerHandler)

	// Subscribe starts delivering channel's events to the handler.
	Subscribe(ctx context.Context, channel string) error

	// Unsubscribe stops delivering channel's events.
	Unsubscribe(ctx context.Context, channel string) error

	// Publish sends ev to every subscriber of channel in every process.
	Publish(ctx context.Context, channel string, ev Event) error

	// Ping reports whether the broker can deliver across processes now.
	Ping(ctx context.Context) error

	// Close stops delivery and releases connections.
	Close() error
}
