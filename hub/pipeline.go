package hub

import (
	"context"

	"github.com/edusphere/edusphere"
)

// DefaultChatWindow is Config.ChatWindow's default: enough writes in the
// writer at once for a socket sending 40 frames a second to keep pace
// with commits of 200 ms.
const DefaultChatWindow = 8

// A chat socket's frames are pipelined (docs/websocket.md, "Pipelined
// frames"): the read loop hands a chat write to the writer and reads the
// next frame while it commits, up to Config.ChatWindow writes at once. The
// writer answers each of them on its own goroutine, in commit order: a
// committed write by its broadcast (OnCommit), a failed one by its error
// frame (chatFailed). Since a socket's writes share their room's shard,
// their answers leave in the order the frames came. A frame answered by
// the read loop itself (a bad frame, a rate-limited one) first waits for
// the writes still in the writer, so that its answer does not overtake
// theirs.

// hold takes a slot of the socket's window for a write about to be
// queued, waiting while all of them are taken. Only the read loop calls
// it; the writer's callbacks release the slots.
func (c *conn) hold() {
	if c.window == nil {
		c.window = make(chan struct{}, c.h.cfg.ChatWindow)
	}
	c.window <- struct{}{}
}

// release gives back a write's slot once it has its answer.
func (c *conn) release() {
	<-c.window
}

// settle waits until every write of the socket in the writer has had its
// answer. Only the read loop calls it.
func (c *conn) settle() {
	if c.window == nil {
		return
	}
	for range cap(c.window) {
		c.window <- struct{}{}
	}
	for range cap(c.window) {
		<-c.window
	}
}

// frameContext bounds the database work of one frame.
func (c *conn) frameContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(edusphere.NewContextWithUser(c.h.ctx, c.user), frameTimeout)
}

// sendError answers the frame being handled with text, after the answers
// of the socket's writes still in the writer.
func (c *conn) sendError(ctx context.Context, text string) {
	c.settle()
	if text != MsgInternal {
		// The room is looked up before an error frame (docs/websocket.md,
		// Error texts).
		if _, err := c.h.store.Rooms.FindRoomByID(ctx, c.roomID); edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
			c.close(StatusRoomDeleted, "room deleted", true)
			return
		}
	}
	c.enqueue(errorFrame(text))
}

// submit queues op in the hub's writer and returns, so that the read loop
// goes on to the next frame while it commits. forbidden is the error text
// of EFORBIDDEN, for chatFailed.
func (c *conn) submit(ctx context.Context, op edusphere.ChatOp, reply *Reply, forbidden string) {
	c.hold()
	err := c.h.writer.Enqueue(c.h.ctx, op, chatTag{author: c.user, reply: reply, from: c, forbidden: forbidden})
	if err != nil {
		c.release()
		c.sendError(ctx, c.failText(op.Kind.String()+" message", err))
	}
}

// chatFailed is the writer's OnFail: it answers a chat socket's failed
// write with its error frame, on the writer's goroutine and in commit
// order, and releases the write's slot. No room lookup precedes it: a
// write into a deleted room fails with the room's not-found error, which
// closes the socket with 4404 as the lookup would; a room deleted while
// the write waited has its sockets closed by its room.deleted event.
func (h *Hub) chatFailed(op edusphere.ChatOp, tag any, res edusphere.ChatResult) {
	t, _ := tag.(chatTag)
	c := t.from
	if c == nil {
		return // submitChat's caller answers
	}
	defer c.release()
	switch {
	case edusphere.ErrorMessage(res.Err) == edusphere.MsgRoomNotFound:
		c.close(StatusRoomDeleted, "room deleted", true)
	case edusphere.ErrorCode(res.Err) == edusphere.EFORBIDDEN && t.forbidden != "":
		c.enqueue(errorFrame(t.forbidden))
	default:
		c.enqueue(errorFrame(c.failText(op.Kind.String()+" message", res.Err)))
	}
}
