package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// v2conn is the event-socket part of a conn: its subscriptions.
type v2conn struct {
	mu   sync.Mutex
	subs map[uuid.UUID]*v2sub
}

// handleV2 handles one event-socket client frame (docs/events.md, "Event
// socket"): every frame but typing gets exactly one answer.
func (c *conn) handleV2(typ websocket.MessageType, data []byte) {
	var f v2ClientFrame
	if typ != websocket.MessageText || json.Unmarshal(data, &f) != nil || bytes.TrimLeft(data, " \t\r\n")[0] != '{' {
		c.h.metrics.FrameReceived("invalid")
		c.enqueue(v2Error(nil, MsgInvalidFormat))
		return
	}
	ref, ok := f.ref()
	if !ok {
		c.h.metrics.FrameReceived("invalid")
		c.enqueue(v2Error(nil, MsgInvalidFormat))
		return
	}
	if c.limiter != nil && !c.limiter.Allow() {
		c.h.metrics.FrameReceived("rate_limited")
		c.enqueue(v2Error(ref, MsgRateLimited))
		return
	}
	kind, _ := str(f.Type)
	ctx, cancel := context.WithTimeout(edusphere.NewContextWithUser(c.h.ctx, c.user), frameTimeout)
	defer cancel()
	switch kind {
	case "subscribe":
		c.v2subscribe(ctx, &f, ref)
	case "unsubscribe":
		c.v2unsubscribe(&f, ref)
	case "send":
		c.h.metrics.FrameReceived("text")
		c.v2send(ctx, &f, ref)
	case "edit":
		c.h.metrics.FrameReceived("update")
		c.v2change(ctx, &f, ref, edusphere.ChatUpdate)
	case "delete":
		c.h.metrics.FrameReceived("delete")
		c.v2change(ctx, &f, ref, edusphere.ChatDelete)
	case "typing":
		c.v2typing(ctx, &f, ref)
	case "ping":
		c.enqueue(v2Pong(ref))
	default:
		c.h.metrics.FrameReceived("invalid")
		c.enqueue(v2Error(ref, MsgUnknownType))
	}
}

// subscribed reports whether this socket subscribed room.
func (c *conn) subscribed(room uuid.UUID) bool {
	c.v2.mu.Lock()
	defer c.v2.mu.Unlock()
	_, ok := c.v2.subs[room]
	return ok
}

func (c *conn) v2subscribe(ctx context.Context, f *v2ClientFrame, ref *string) {
	if len(f.Room) == 0 {
		c.enqueue(v2Error(ref, MsgInvalidFormat))
		return
	}
	room, ok := uuidOf(f.Room)
	if !ok {
		c.enqueue(v2Error(ref, MsgRoomNotFound))
		return
	}
	since, ok := f.since()
	if !ok {
		c.enqueue(v2Error(ref, MsgInvalidFormat))
		return
	}
	member, err := c.h.store.Rooms.IsParticipant(ctx, room, c.user.ID)
	if err != nil {
		c.h.log.Error("v2 subscribe", "room", room, "user", c.user.ID, "err", err)
		c.enqueue(v2Error(ref, MsgInternal))
		return
	} else if !member {
		c.enqueue(v2Error(ref, MsgRoomNotFound))
		return
	}

	sub := &v2sub{room: room, syncing: true}
	v := c.h.v2
	v.mu.Lock()
	c.v2.mu.Lock()
	old := c.v2.subs[room]
	if old == nil && len(c.v2.subs) >= maxSubscriptions {
		c.v2.mu.Unlock()
		v.mu.Unlock()
		c.enqueue(v2Error(ref, MsgTooManySubs))
		return
	}
	if old != nil {
		old.endLocked()
	}
	c.v2.subs[room] = sub
	c.v2.mu.Unlock()
	v.addSubLocked(room, c, sub)
	v.mu.Unlock()

	// Live events are held from here on; the channel must be subscribed
	// before the catch-up is read, so that nothing falls between them.
	c.h.subMu.Lock()
	c.h.syncRoomChannel(ctx, room)
	c.h.subMu.Unlock()

	if text := c.v2catchUp(ctx, sub, since, ref, true); text != "" {
		c.enqueue(v2Error(ref, text))
	}
}

func (c *conn) v2unsubscribe(f *v2ClientFrame, ref *string) {
	room, ok := uuidOf(f.Room)
	if !ok {
		c.enqueue(v2Error(ref, MsgRoomNotFound))
		return
	}
	c.v2.mu.Lock()
	if sub := c.v2.subs[room]; sub != nil {
		c.v2endLocked(sub)
	}
	c.v2.mu.Unlock()
	c.enqueue(v2Unsubscribed(room, ref))
}

func (c *conn) v2send(ctx context.Context, f *v2ClientFrame, ref *string) {
	room, ok := uuidOf(f.Room)
	if !ok {
		c.enqueue(v2Error(ref, MsgRoomNotFound))
		return
	}
	if !c.subscribed(room) {
		c.enqueue(v2Error(ref, MsgNotSubscribed))
		return
	}
	s, ok := f.message()
	if !ok {
		c.enqueue(v2Error(ref, MsgTooLong))
		return
	}
	op := edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: room, UserID: c.user.ID, Body: s}
	if len(f.ReplyTo) > 0 && string(f.ReplyTo) != "null" {
		id, ok := uuidOf(f.ReplyTo)
		if !ok {
			c.enqueue(v2Error(ref, MsgNotFound))
			return
		}
		op.ReplyTo = id
	}
	res := c.h.v2Commit(ctx, op, c.user)
	if res.Err != nil {
		c.enqueue(v2Error(ref, c.v2fail(res.Err, edusphere.ChatCreate)))
		return
	}
	c.h.metrics.MessagePersisted()
	c.enqueue(v2Ack(ref, res.Message.ID, res.Seq))
}

// v2change edits or deletes one of the caller's messages.
func (c *conn) v2change(ctx context.Context, f *v2ClientFrame, ref *string, kind edusphere.ChatOpKind) {
	id, ok := uuidOf(f.ID)
	if !ok {
		c.enqueue(v2Error(ref, MsgNotFound))
		return
	}
	m, err := c.h.store.Messages.FindMessageByID(ctx, id)
	if err != nil {
		c.enqueue(v2Error(ref, c.v2fail(err, kind)))
		return
	}
	if !c.subscribed(m.RoomID) {
		c.enqueue(v2Error(ref, MsgNotFound))
		return
	}
	op := edusphere.ChatOp{Kind: kind, RoomID: m.RoomID, UserID: c.user.ID, MessageID: m.ID}
	if !edusphere.CanEditMessage(c.user, m) {
		c.enqueue(v2Error(ref, c.v2fail(edusphere.Errorf(edusphere.EFORBIDDEN, "Permission denied"), kind)))
		return
	}
	if kind == edusphere.ChatUpdate {
		if op.Body, ok = f.message(); !ok {
			c.enqueue(v2Error(ref, MsgTooLong))
			return
		}
	}
	res := c.h.v2Commit(ctx, op, c.user)
	if res.Err != nil {
		c.enqueue(v2Error(ref, c.v2fail(res.Err, kind)))
		return
	}
	c.enqueue(v2Ack(ref, m.ID, res.Seq))
}

// v2fail maps a store error of a chat write to its error text.
func (c *conn) v2fail(err error, kind edusphere.ChatOpKind) string {
	switch edusphere.ErrorCode(err) {
	case edusphere.ENOTFOUND:
		if kind == edusphere.ChatCreate {
			return MsgRoomNotFound
		}
		return MsgNotFound
	case edusphere.EFORBIDDEN:
		if kind == edusphere.ChatDelete {
			return MsgDeleteOwn
		}
		return MsgEditOwn
	case edusphere.EINVALID:
		return MsgTooLong
	}
	c.h.log.Error("v2 chat frame", "op", kind.String(), "user", c.user.ID, "err", err)
	return MsgInternal
}

func (c *conn) v2typing(ctx context.Context, f *v2ClientFrame, ref *string) {
	room, ok := uuidOf(f.Room)
	if !ok {
		c.enqueue(v2Error(ref, MsgRoomNotFound))
		return
	}
	if !c.subscribed(room) {
		c.enqueue(v2Error(ref, MsgNotSubscribed))
		return
	}
	if c.h.cfg.Typing == nil {
		return
	}
	if err := c.h.cfg.Typing.Typing(ctx, c.user, room); err != nil {
		text := edusphere.ErrorMessage(err)
		if edusphere.ErrorCode(err) == edusphere.EINTERNAL {
			c.h.log.Error("v2 typing", "room", room, "user", c.user.ID, "err", err)
		}
		c.enqueue(v2Error(ref, text))
	}
}

// v2Commit is the one place event-socket chat writes go through: the
// hub's group-committing writer (submitChat), which commits op with the
// other sockets' writes and announces the change. author is the sender.
func (h *Hub) v2Commit(ctx context.Context, op edusphere.ChatOp, author *edusphere.User) edusphere.ChatResult {
	var reply *Reply
	if op.ReplyTo != uuid.Nil {
		// The chat sockets' "new" frame quotes the parent.
		reply = h.loadReply(ctx, op.ReplyTo)
	}
	res, err := h.submitChat(op, author, reply)
	if err != nil {
		return edusphere.ChatResult{Err: err}
	}
	return res
}
