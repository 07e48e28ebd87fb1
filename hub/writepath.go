package hub

import (
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/groupcommit"
)

// errNoAuthor is submitChat's error for a create without its author, whose
// name and avatar the "new" frame needs.
var errNoAuthor = errors.New("hub: a chat create needs its author")

// newWriter returns the hub's group-committing writer: every chat write of
// every socket of this process goes through it (docs/data.md, "Group
// commit"), and each committed op is published, in commit order, before its
// submitter hears back.
func (h *Hub) newWriter() *groupcommit.Writer {
	cfg := h.cfg.ChatBatch
	cfg.OnCommit = h.chatCommitted
	cfg.OnFail = h.chatFailed
	return groupcommit.New(h.store.Messages, cfg)
}

// chatCommitted is the writer's OnCommit: it runs on a shard's goroutine,
// in commit order, and publishes the op's event, or hands it to its room's
// publisher (Config.PublishWorkers). The tag is a chatTag.
func (h *Hub) chatCommitted(op edusphere.ChatOp, tag any, res edusphere.ChatResult) {
	t, _ := tag.(chatTag)
	if t.from != nil {
		defer t.from.release() // after the publish: its answer
	}
	if op.Kind == edusphere.ChatCreate {
		h.metrics.MessagePersisted()
	}
	if h.pub != nil {
		h.pub.publish(published{author: t.author, reply: t.reply, res: res})
		return
	}
	h.notify.ChatCommitted(h.ctx, res, t.author, t.reply)
}

// chatTag is what the hub hands the writer with an op: the sender, and
// for a reply what the chat sockets' "new" frame quotes of its parent. A
// chat socket's pipelined write (conn.submit) also names its socket, which
// chatFailed answers, with forbidden the error text of EFORBIDDEN.
type chatTag struct {
	author    *edusphere.User
	reply     *Reply
	from      *conn
	forbidden string
}

// submitChat commits op through the hub's writer and returns its result;
// any socket kind writes chat messages through it. author is the sender,
// required for a create; reply, for a reply, is what its "new" frame
// quotes of the parent (nil otherwise). When the result's Err is nil the change is
// committed and its event published, or queued for publishing with
// Config.PublishWorkers (the sender's answer is its own broadcast); otherwise nothing was stored and the sender is owed an
// error frame. The error is groupcommit.ErrClosed once the hub shuts down,
// or the hub's context error when Shutdown gave up on the sockets; in
// both cases nothing was stored.
//
// The op waits for its batch without a deadline of its own: a frame
// whose wait ended while its op was in a batch would get its broadcast
// and an error both. The writer's queue and CommitTimeout bound the wait.
func (h *Hub) submitChat(op edusphere.ChatOp, author *edusphere.User, reply *Reply) (edusphere.ChatResult, error) {
	if op.Kind == edusphere.ChatCreate && author == nil {
		return edusphere.ChatResult{}, errNoAuthor
	}
	return h.writer.Submit(h.ctx, op, chatTag{author: author, reply: reply})
}

// ChatWriterStats returns the counts of the hub's chat writer: batches
// and ops committed so far, and the ops it holds now.
func (h *Hub) ChatWriterStats() groupcommit.Stats {
	return h.writer.Stats()
}
