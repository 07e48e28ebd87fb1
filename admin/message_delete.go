package admin

import (
	"context"
	"net/http"

	"github.com/edusphere/edusphere"
)

// messageDeleteTarget describes deleting m for actor.
func (h *Handler) messageDeleteTarget(actor *edusphere.User, m *edusphere.Message) deleteTarget {
	return deleteTarget{
		ID: m.ID.String(), Repr: messageRepr(m),
		cascade: func(context.Context) ([]string, error) { return nil, nil },
		remove:  func(ctx context.Context) error { return h.deleteMessage(ctx, actor, m) },
	}
}

// messageDelete asks for confirmation before deleting a message.
func (h *Handler) messageDelete(w http.ResponseWriter, r *http.Request) {
	h.messageDeleteForm(w, r, false)
}

// messageDeletePost deletes the message after the confirmation.
func (h *Handler) messageDeletePost(w http.ResponseWriter, r *http.Request) {
	h.messageDeleteForm(w, r, r.PostFormValue("post") == "yes")
}

func (h *Handler) messageDeleteForm(w http.ResponseWriter, r *http.Request, confirmed bool) {
	m, ok := h.loadMessage(w, r)
	if !ok {
		return
	}
	id := m.ID.String()
	h.confirmDelete(w, r, deleteSpec{
		Singular: "message", Plural: "messages", ListURL: messageListURL,
		Action: messageListURL + id + "/delete/", Cancel: messageListURL + id + "/change/",
		Targets: []deleteTarget{h.messageDeleteTarget(staffFromContext(r.Context()), m)},
	}, confirmed)
}
