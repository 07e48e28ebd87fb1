package edusphere

import (
	"context"
	"encoding/json"

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
)

// SystemChannel carries events that concern every process rather than one
// room: user deactivation and session revocation.
const SystemChannel = "system"

// RoomChannel returns the broker channel of a room.
func RoomChannel(roomID uuid.UUID) string { return "room:" + roomID.String() }

// Event is what one process tells every process through the broker. Frame
// is the WebSocket frame already encoded once, so fan-out writes bytes.
type Event struct {
	Type       string          `json:"type"`
	RoomID     uuid.UUID       `json:"roomId,omitzero"`
	UserID     uuid.UUID       `json:"userId,omitzero"`
	Frame      json.RawMessage `json:"frame,omitempty"`
	Revocation *Revocation     `json:"revocation,omitempty"`
	// Seq is the room sequence number of a message change (docs/data.md,
	// "Room sequences"); 0 for other events.
	Seq int64 `json:"seq,omitempty"`
}

// BrokerHandler receives every event published on a channel this process
// subscribed to, including the events it published itself.
type BrokerHandler func(channel string, ev Event)

// Broker moves events between processes. The in-memory broker hands them
// straight to the handler; the Redis broker goes through Redis pub/sub.
// Delivery is at most once; history comes from the database.
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
