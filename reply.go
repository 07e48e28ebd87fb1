package edusphere

import (
	"strings"

	"github.com/google/uuid"
)

// ReplyExcerptLength is how many code points of a parent's body a reply
// shows (docs/graphql.md, "Replies").
const ReplyExcerptLength = 140

// CheckReply is the rule for a new message of roomID that answers the
// message parentRoom belongs to: the parent must exist (found) and be in
// the same room. Anything else is ENOTFOUND "Message not found", which
// tells nothing about a message of another room.
func CheckReply(roomID uuid.UUID, parentRoom uuid.UUID, found bool) error {
	if !found || parentRoom != roomID {
		return NotFound(MsgMessageNotFound)
	}
	return nil
}

// Excerpt returns the first ReplyExcerptLength code points of body, with
// runs of white space made single spaces and "…" when it was cut.
func Excerpt(body string) string {
	s := strings.Join(strings.Fields(body), " ")
	if Len(s) <= ReplyExcerptLength {
		return s
	}
	n := 0
	for i := range s {
		if n == ReplyExcerptLength {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}

// ReplyRef is what a reply shows of its parent. Deleted is true, with only
// the ID set, once the parent is gone.
type ReplyRef struct {
	ID       uuid.UUID `json:"id"`
	AuthorID uuid.UUID `json:"authorId"`
	Excerpt  string    `json:"excerpt"`
	Deleted  bool      `json:"deleted"`
}

// NewReplyRef returns the reference to parent, the message with id, or a
// deleted reference when parent is nil.
func NewReplyRef(id uuid.UUID, parent *Message) *ReplyRef {
	if parent == nil {
		return &ReplyRef{ID: id, Deleted: true}
	}
	return &ReplyRef{ID: id, AuthorID: parent.UserID, Excerpt: Excerpt(parent.Body)}
}
