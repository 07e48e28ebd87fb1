package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Error frame texts; see the package documentation for when each is sent.
const (
	MsgTooLong       = "Message exceeds 500 characters."
	MsgNotFound      = "Message not found."
	MsgEditOwn       = "You can only edit your own messages."
	MsgDeleteOwn     = "You can only delete your own messages."
	MsgUnknownType   = "Unknown message type."
	MsgInvalidFormat = "Invalid message format."
	MsgRateLimited   = "Rate limit exceeded. Slow down."
	MsgInternal      = edusphere.MsgInternal
)

// frameTimeout bounds the database work of one client frame.
const frameTimeout = 10 * time.Second

// handleFrame handles one client frame. Every frame yields exactly one frame
// back to the sender: its own broadcast, or an error frame.
func (c *conn) handleFrame(typ websocket.MessageType, data []byte) {
	if c.limiter != nil && !c.limiter.Allow() {
		// Answered without touching the database: refusing must stay cheap.
		c.h.metrics.FrameReceived("rate_limited")
		c.settle()
		c.enqueue(errorFrame(MsgRateLimited))
		return
	}
	counted := "invalid"
	defer func() { c.h.metrics.FrameReceived(counted) }()
	ctx, cancel := c.frameContext()
	defer cancel()

	// The room is looked up again before an error frame (docs/websocket.md,
	// Error texts); the original did it before every frame. A frame that succeeds
	// proves the room exists (a message insert checks its foreign key), so
	// the lookup runs only before an error frame (see sendError), keeping
	// the chat path to the writes themselves. A deleted room's sockets are
	// also closed at once by the room.deleted event.
	if typ != websocket.MessageText {
		c.sendError(ctx, MsgInvalidFormat)
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		c.sendError(ctx, MsgInvalidFormat)
		return
	}
	kind := "text"
	if raw, ok := obj["type"]; ok {
		if err := json.Unmarshal(raw, &kind); err != nil || raw[0] != '"' {
			c.sendError(ctx, MsgUnknownType)
			return
		}
	}
	switch kind {
	case "text":
		counted = kind
		c.handleText(ctx, obj)
	case "update":
		counted = kind
		c.handleUpdate(ctx, obj)
	case "delete":
		counted = kind
		c.handleDelete(ctx, obj)
	default:
		c.sendError(ctx, MsgUnknownType)
	}
}

// body returns the "message" value when it is a valid body.
func body(obj map[string]json.RawMessage) (string, bool) {
	raw, ok := obj["message"]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	if s == "" || edusphere.Len(s) > edusphere.MaxBodyLength {
		return "", false
	}
	return s, true
}

func (c *conn) handleText(ctx context.Context, obj map[string]json.RawMessage) {
	s, ok := body(obj)
	if !ok {
		c.sendError(ctx, MsgTooLong)
		return
	}
	op := edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: c.roomID, UserID: c.user.ID, Body: s}
	parent, isReply, ok := replyTo(obj)
	if !ok {
		c.sendError(ctx, MsgNotFound)
		return
	}
	var reply *Reply
	if isReply {
		op.ReplyTo = parent
		reply = c.h.loadReply(ctx, parent)
	}
	c.submit(ctx, op, reply, "")
}

// messageID returns the id a frame's messageId names, sending "Message not
// found." when it is missing or not a UUID.
func (c *conn) messageID(ctx context.Context, obj map[string]json.RawMessage) (uuid.UUID, bool) {
	raw, ok := obj["messageId"]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		c.sendError(ctx, MsgNotFound)
		return uuid.Nil, false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		c.sendError(ctx, MsgNotFound)
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	if err != nil {
		c.sendError(ctx, MsgNotFound)
		return uuid.Nil, false
	}
	return id, true
}

// handleUpdate commits an edit with a valid body through the writer, which
// checks the message's room and author in its batch. An edit with a bad
// body is never submitted: the message is looked up here, so that its
// errors keep their order (not found, not the author, then the body).
func (c *conn) handleUpdate(ctx context.Context, obj map[string]json.RawMessage) {
	id, ok := c.messageID(ctx, obj)
	if !ok {
		return
	}
	s, ok := body(obj)
	if ok {
		c.submit(ctx, edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: c.roomID, UserID: c.user.ID, MessageID: id, Body: s}, nil, MsgEditOwn)
		return
	}
	m, err := c.h.store.Messages.FindMessageByID(ctx, id)
	switch {
	case err != nil:
		c.fail(ctx, "find message", err)
	case m.RoomID != c.roomID:
		c.sendError(ctx, MsgNotFound)
	case !edusphere.CanEditMessage(c.user, m):
		c.sendError(ctx, MsgEditOwn)
	default:
		c.sendError(ctx, MsgTooLong)
	}
}

func (c *conn) handleDelete(ctx context.Context, obj map[string]json.RawMessage) {
	id, ok := c.messageID(ctx, obj)
	if !ok {
		return
	}
	c.submit(ctx, edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: c.roomID, UserID: c.user.ID, MessageID: id}, nil, MsgDeleteOwn)
}

// fail answers the frame being handled with the error frame of a store
// error.
func (c *conn) fail(ctx context.Context, step string, err error) {
	c.sendError(ctx, c.failText(step, err))
}

// failText maps a store error to the error text the sender sees, logging
// the ones the sender cannot be told about.
func (c *conn) failText(step string, err error) string {
	switch edusphere.ErrorCode(err) {
	case edusphere.ENOTFOUND:
		return MsgNotFound
	case edusphere.EINVALID:
		return MsgTooLong
	default:
		c.h.log.Error("chat frame", "step", step, "room", c.roomID, "user", c.user.ID, "err", err)
		return MsgInternal
	}
}

// isoformat renders t as Python's datetime.isoformat of an aware UTC time:
// a 6-digit fraction only when the microseconds are not 0, and +00:00.
func isoformat(t time.Time) string {
	t = t.UTC()
	b := make([]byte, 0, 32)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = fmt.Appendf(b, ".%06d", us)
	}
	return string(append(b, "+00:00"...))
}

// appendPyString appends s as Python's json.dumps writes a str with
// ensure_ascii: everything outside printable ASCII is escaped, astral
// characters as surrogate pairs.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			b = append(b, '\\', 'u', hex[hi>>12&15], hex[hi>>8&15], hex[hi>>4&15], hex[hi&15])
			b = append(b, '\\', 'u', hex[lo>>12&15], hex[lo>>8&15], hex[lo>>4&15], hex[lo&15])
		default:
			if r == utf8.RuneError {
				r = 0xfffd
			}
			b = append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		}
	}
	return append(b, '"')
}

func appendKey(b []byte, key string) []byte {
	b = appendPyString(b, key)
	return append(b, ':', ' ')
}

// appendField appends `, "key": ` and a Python-style string value.
func appendField(b []byte, key, value string) []byte {
	b = append(b, ", "...)
	b = appendKey(b, key)
	return appendPyString(b, value)
}

// appendBoolField appends `, "key": true|false`.
func appendBoolField(b []byte, key string, value bool) []byte {
	b = append(b, ", "...)
	b = appendKey(b, key)
	return strconv.AppendBool(b, value)
}

// NewFrame returns the "new" frame of m written by author (docs/websocket.md,
// Server frames), with the "reply_to" object of a reply when reply is given.
func NewFrame(m *edusphere.Message, author *edusphere.User, reply ...*Reply) []byte {
	b := make([]byte, 0, 256+len(m.Body))
	b = append(b, `{"type": "chat_message", "action": "new"`...)
	b = appendField(b, "id", m.ID.String())
	b = appendField(b, "user", author.Username)
	b = appendField(b, "user_id", author.ID.String())
	b = appendField(b, "body", m.Body)
	b = appendField(b, "created", isoformat(m.Created))
	b = appendBoolField(b, "edited", m.Edited)
	b = appendField(b, "updated", isoformat(m.Updated))
	if author.Avatar == "" {
		b = append(b, `, "userAvatar": null`...)
	} else {
		b = appendField(b, "userAvatar", author.Avatar)
	}
	if len(reply) > 0 && reply[0] != nil {
		b = appendReply(b, reply[0])
	}
	return append(b, '}')
}

// UpdateFrame returns the "update" frame of m (docs/websocket.md, Server
// frames), with its canonical id
// and stored body.
func UpdateFrame(m *edusphere.Message) []byte {
	b := make([]byte, 0, 160+len(m.Body))
	b = append(b, `{"type": "chat_message", "action": "update"`...)
	b = appendField(b, "id", m.ID.String())
	b = appendField(b, "body", m.Body)
	b = appendBoolField(b, "edited", m.Edited)
	b = appendField(b, "updated", isoformat(m.Updated))
	return append(b, '}')
}

// DeleteFrame returns the "delete" frame of the message id
// (docs/websocket.md, Server frames).
func DeleteFrame(id uuid.UUID) []byte {
	b := make([]byte, 0, 96)
	b = append(b, `{"type": "chat_message", "action": "delete", "id": `...)
	b = appendPyString(b, id.String())
	return append(b, '}')
}

// errorFrame returns {"error": text}.
func errorFrame(text string) []byte {
	b := make([]byte, 0, 16+len(text))
	b = append(b, `{"error": `...)
	b = appendPyString(b, text)
	return append(b, '}')
}
