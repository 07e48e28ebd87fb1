package hub

import (
	"errors"
	"time"

	"github.com/coder/websocket"
)

// Metrics receives the hub's counts. cmd plugs in Prometheus collectors
// (docs/operations.md lists the series); the zero Config uses none. Every
// method must be cheap and must not block: they run on the chat path.
type Metrics interface {
	// FrameReceived counts one client frame by kind: "text", "update",
	// "delete", "invalid" (malformed, binary, unknown type) or
	// "rate_limited".
	FrameReceived(kind string)
	// MessagePersisted counts a chat message the store accepted.
	MessagePersisted()
	// FramesDelivered counts n frames written to one socket; oldest is how
	// long the oldest of them waited since the hub queued it.
	FramesDelivered(n int, oldest time.Duration)
	// SocketClosed counts the end of a socket by reason (see closeReason).
	SocketClosed(reason string)
}

// nopMetrics counts nothing.
type nopMetrics struct{}

func (nopMetrics) FrameReceived(string)               {}
func (nopMetrics) MessagePersisted()                  {}
func (nopMetrics) FramesDelivered(int, time.Duration) {}
func (nopMetrics) SocketClosed(string)                {}

// Reasons a socket ends, the values SocketClosed and the session log use.
const (
	ReasonPeer         = "peer"          // the client closed or went away
	ReasonLost         = "lost"          // the connection failed: no pong, a write timed out, a read error
	ReasonSlowConsumer = "slow_consumer" // 4008
	ReasonGoingAway    = "going_away"    // 1001, shutdown
	ReasonUserDisabled = "user_disabled" // 4403
	ReasonRoomDeleted  = "room_deleted"  // 4404
	ReasonTooBig       = "too_big"       // 1009
	ReasonSession      = "session_ended" // 4401
	ReasonTryAgain     = "try_again"     // 4000, events may have been missed
	ReasonOther        = "other"         // any other close code the server sent
)

// closeReason names why a socket ended: the close code the server sent,
// else what the read loop saw.
func closeReason(sent websocket.StatusCode, readErr error) (reason string, code websocket.StatusCode) {
	switch sent {
	case 0:
	case StatusSlowConsumer:
		return ReasonSlowConsumer, sent
	case StatusGoingAway:
		return ReasonGoingAway, sent
	case StatusUserDisabled:
		return ReasonUserDisabled, sent
	case StatusRoomDeleted:
		return ReasonRoomDeleted, sent
	case StatusTooBig:
		return ReasonTooBig, sent
	case StatusSessionEnded:
		return ReasonSession, sent
	case StatusTryAgain:
		return ReasonTryAgain, sent
	default:
		return ReasonOther, sent
	}
	if errors.Is(readErr, websocket.ErrMessageTooBig) {
		return ReasonTooBig, StatusTooBig
	}
	if code := websocket.CloseStatus(readErr); code != -1 {
		return ReasonPeer, code
	}
	return ReasonLost, 0
}
