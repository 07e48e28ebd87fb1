package admin

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
)

const userListURL = "/admin/core/user/"

// userInline reports which inline checkboxes actor may change for target:
// staff status for superusers only; active status for anyone but the
// actor themself, on superusers only by superusers.
func userInline(actor, target *edusphere.User) (staff, active bool) {
	staff = actor.IsSuperuser && actor.ID != target.ID
	active = actor.ID != target.ID && (!target.IsSuperuser || actor.IsSuperuser)
	return staff, active
}

// userList shows users with search (name, username, email), the is_staff
// and is_active filters, and inline is_staff and is_active checkboxes.
func (h *Handler) userList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	filter := edusphere.UserFilter{
		Search: searchParam(r), SearchEmail: true,
		IsStaff: boolParam(r, "is_staff"), IsActive: boolParam(r, "is_active"),
	}
	users, pg, err := fetchPage(r, func(offset, limit int) ([]*edusphere.User, int, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return h.svc.Users.FindUsers(ctx, f)
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := listPage{
		Singular: "user", Plural: "users", Path: userListURL, Here: r.URL.RequestURI(),
		Search: r.URL.Query().Get("q"), SearchHelp: "Name, username or email",
		Keep:    keepParams(r.URL.Query()),
		Filters: []filterGroup{boolFilter(r, "staff status", "is_staff"), boolFilter(r, "active", "is_active")},
		Columns: []string{"Name", "Username", "Email", "Bio", "Is staff", "Is active", "Last login"},
		Pager:   pg, Editable: true,
	}
	for _, u := range users {
		id := u.ID.String()
		staff, active := userInline(actor, u)
		last := "—"
		if u.LastLogin != nil {
			last = formatTime(*u.LastLogin)
		}
		d.Rows = append(d.Rows, listRow{ID: id, Repr: userRepr(u), Cells: []cell{
			linkCell(u.Name, userListURL+id+"/change/"),
			textCell(u.Username),
			textCell(u.Email),
			textCell(truncate(u.Bio, 80)),
			checkCell("staff_"+id, u.IsStaff, !staff),
			checkCell("active_"+id, u.IsActive, !active),
			textCell(last),
		}})
	}
	h.render(w, r, http.StatusOK, "list", view{Title: "Select user to change", Section: "user", Data: d})
}

// userListPost saves the inline checkboxes or runs "delete selected".
func (h *Handler) userListPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	f := readListForm(r)
	switch {
	case f.Do == "save":
		ids, err := parseUUIDs(f.Rows)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		type change struct {
			u   *edusphere.User
			upd edusphere.UserUpdate
		}
		var changes []change
		// Check every row before changing any, so a refused row leaves
		// the whole form unapplied.
		for _, id := range ids {
			u, err := h.svc.Users.FindUserByID(ctx, id)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			staff, active := userInline(actor, u)
			var upd edusphere.UserUpdate
			if staff {
				v := r.PostFormValue("staff_"+id.String()) != ""
				upd.IsStaff = &v
			}
			if active {
				v := r.PostFormValue("active_"+id.String()) != ""
				upd.IsActive = &v
			}
			before, after := userChanges(u, upd)
			if err := checkUserChange(actor, u, before, after); err != nil {
				h.fail(w, r, err)
				return
			}
			if len(after) > 0 {
				changes = append(changes, change{u, upd})
			}
		}
		for _, c := range changes {
			if _, err := h.updateUser(ctx, actor, c.u, c.upd); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		msg := "No fields changed."
		if n := len(changes); n > 0 {
			msg = plural(n, "user was", "users were") + " changed successfully."
		}
		h.redirectFlash(w, r, backToList(r, userListURL), msg)
	case f.Do == "action" && f.Action == "delete_selected" && len(f.Selected) > 0:
		deleteSelected(h, w, r, f, deleteSpec{Singular: "user", Plural: "users", ListURL: userListURL},
			byUUIDs(func(ctx context.Context, ids []uuid.UUID) ([]*edusphere.User, error) {
				users, _, err := h.svc.Users.FindUsers(ctx, edusphere.UserFilter{IDs: ids})
				return users, err
			}),
			func(u *edusphere.User) deleteTarget { return h.userDeleteTarget(actor, u) })
	default:
		h.noSelection(w, r, userListURL, f)
	}
}
