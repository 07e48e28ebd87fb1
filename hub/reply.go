package hub

import (
	"context"
	"encoding/json"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Reply is what the "new" frame of a reply shows of its parent
// (docs/websocket.md, "Replies").
type Reply struct {
	Ref    *edusphere.ReplyRef
	Author *edusphere.User // nil when the parent or its author is gone
}

// appendReply adds `, "reply_to": {...}` to a "new" frame's fields.
func appendReply(b []byte, r *Reply) []byte {
	b = append(b, ", "...)
	b = appendKey(b, "reply_to")
	b = append(b, '{')
	b = appendKey(b, "id")
	b = appendPyString(b, r.Ref.ID.String())
	if r.Author != nil {
		b = appendField(b, "user", r.Author.Username)
		b = appendField(b, "user_id", r.Author.ID.String())
	} else {
		b = append(b, `, "user": null, "user_id": null`...)
	}
	b = appendField(b, "excerpt", r.Ref.Excerpt)
	b = appendBoolField(b, "deleted", r.Ref.Deleted)
	return append(b, '}')
}

// replyTo returns the id a "text" frame's optional "reply_to" names: ok is
// false for a value that is not a UUID string.
func replyTo(obj map[string]json.RawMessage) (id uuid.UUID, set, ok bool) {
	raw, present := obj["reply_to"]
	if !present || string(raw) == "null" {
		return uuid.Nil, false, true
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return uuid.Nil, true, false
	}
	id, err := uuid.Parse(s)
	return id, true, err == nil
}

// loadReply reads what the frame of a reply shows of its parent. The
// parent was in the room when the reply was stored; if it is gone since,
// the frame says so.
func (h *Hub) loadReply(ctx context.Context, parentID uuid.UUID) *Reply {
	parent, err := h.store.Messages.FindMessageByID(ctx, parentID)
	if err != nil {
		return &Reply{Ref: edusphere.NewReplyRef(parentID, nil)}
	}
	r := &Reply{Ref: edusphere.NewReplyRef(parentID, parent)}
	if u, err := h.store.Users.FindUserByID(ctx, parent.UserID); err == nil {
		r.Author = u
	}
	return r
}
