package admin

import (
	"context"
	"net/http"

	"github.com/edusphere/edusphere"
)

// roomDeleteTarget describes deleting room for actor.
func (h *Handler) roomDeleteTarget(actor *edusphere.User, room *edusphere.Room) deleteTarget {
	return deleteTarget{
		ID: room.ID.String(), Repr: room.Name,
		cascade: func(ctx context.Context) ([]string, error) { return h.roomCascade(ctx, room) },
		remove:  func(ctx context.Context) error { return h.deleteRoom(ctx, actor, room) },
	}
}

// roomDelete shows what deleting the room also deletes.
func (h *Handler) roomDelete(w http.ResponseWriter, r *http.Request) { h.roomDeleteForm(w, r, false) }

// roomDeletePost deletes the room after the confirmation.
func (h *Handler) roomDeletePost(w http.ResponseWriter, r *http.Request) {
	h.roomDeleteForm(w, r, r.PostFormValue("post") == "yes")
}

func (h *Handler) roomDeleteForm(w http.ResponseWriter, r *http.Request, confirmed bool) {
	room, ok := h.loadRoom(w, r)
	if !ok {
		return
	}
	id := room.ID.String()
	h.confirmDelete(w, r, deleteSpec{
		Singular: "room", Plural: "rooms", ListURL: roomListURL,
		Action: roomListURL + id + "/delete/", Cancel: roomListURL + id + "/change/",
		Targets: []deleteTarget{h.roomDeleteTarget(staffFromContext(r.Context()), room)},
	}, confirmed)
}
