package admin

import (
	"context"
	"net/http"

	"github.com/edusphere/edusphere"
)

// userDeleteTarget describes deleting u for actor.
func (h *Handler) userDeleteTarget(actor, u *edusphere.User) deleteTarget {
	return deleteTarget{
		ID: u.ID.String(), Repr: userRepr(u),
		check: func() error {
			switch {
			case actor.ID == u.ID:
				return edusphere.Errorf(edusphere.EFORBIDDEN, "You cannot delete your own account.")
			case u.IsSuperuser && !actor.IsSuperuser:
				return edusphere.Errorf(edusphere.EFORBIDDEN, "Only superusers may delete a superuser account.")
			}
			return nil
		},
		cascade: func(ctx context.Context) ([]string, error) { return h.userCascade(ctx, u) },
		remove:  func(ctx context.Context) error { return h.deleteUser(ctx, actor, u) },
	}
}

// userDelete shows what deleting the user also deletes.
func (h *Handler) userDelete(w http.ResponseWriter, r *http.Request) { h.userDeleteForm(w, r, false) }

// userDeletePost deletes the user after the confirmation.
func (h *Handler) userDeletePost(w http.ResponseWriter, r *http.Request) {
	h.userDeleteForm(w, r, r.PostFormValue("post") == "yes")
}

func (h *Handler) userDeleteForm(w http.ResponseWriter, r *http.Request, confirmed bool) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	id := u.ID.String()
	h.confirmDelete(w, r, deleteSpec{
		Singular: "user", Plural: "users", ListURL: userListURL,
		Action: userListURL + id + "/delete/", Cancel: userListURL + id + "/change/",
		Targets: []deleteTarget{h.userDeleteTarget(staffFromContext(r.Context()), u)},
	}, confirmed)
}
