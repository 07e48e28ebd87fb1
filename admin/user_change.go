package admin

import (
	"net/http"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// loadUser finds the user named by the {id} path value, answering 404
// itself when there is none.
func (h *Handler) loadUser(w http.ResponseWriter, r *http.Request) (*edusphere.User, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, edusphere.NotFound(edusphere.MsgUserNotFound))
		return nil, false
	}
	u, err := h.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return u, true
}

// passwordSummary names the hash scheme without showing the hash.
func passwordSummary(hash string) string {
	switch {
	case hash == "" || strings.HasPrefix(hash, "!"):
		return "No password set."
	case strings.HasPrefix(hash, "$argon2id$"), strings.HasPrefix(hash, "argon2"):
		return "argon2id hash (raw passwords are not stored)"
	case strings.HasPrefix(hash, "pbkdf2_sha256$"):
		return "PBKDF2-SHA256 hash from the original server; replaced by argon2id at the next sign-in"
	}
	return "Password hash (raw passwords are not stored)"
}

// userForm is the change page's editable state, from the user or the post.
type userForm struct {
	Name, Bio                  string
	IsActive, IsStaff, IsSuper bool
	errs                       edusphere.FieldErrors
}

// userChange shows a user: username, email, password, avatar and dates
// read-only; name, bio and the status flags editable (staff and superuser
// status by superusers only).
func (h *Handler) userChange(w http.ResponseWriter, r *http.Request) {
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	h.renderUser(w, r, http.StatusOK, u, userForm{Name: u.Name, Bio: u.Bio, IsActive: u.IsActive, IsStaff: u.IsStaff, IsSuper: u.IsSuperuser})
}

func (h *Handler) renderUser(w http.ResponseWriter, r *http.Request, status int, u *edusphere.User, f userForm) {
	actor := staffFromContext(r.Context())
	id := u.ID.String()
	staffOK, activeOK := userInline(actor, u)
	last := "—"
	if u.LastLogin != nil {
		last = formatTime(*u.LastLogin)
	}
	avatar := field{Kind: "text", Label: "Avatar", Value: "None"}
	if u.Avatar != "" {
		avatar = field{Kind: "text", Label: "Avatar", Value: u.Avatar, URL: "/media/" + u.Avatar}
	}
	d := changePage{
		Singular: "user", Plural: "Users", Repr: userRepr(u),
		URL: userListURL + id + "/change/", ListURL: userListURL, DeleteURL: userListURL + id + "/delete/",
		Editable: true,
		Fields: []field{
			{Kind: "text", Label: "Email", Value: u.Email},
			{Kind: "text", Label: "Username", Value: u.Username},
			{Kind: "text", Label: "Password", Value: passwordSummary(u.Password)},
			avatar,
			{Kind: "input", Name: "name", Label: "Name", Value: f.Name, Max: edusphere.MaxNameLength, Errors: f.errs.Get("name")},
			{Kind: "textarea", Name: "bio", Label: "Bio", Value: f.Bio, Max: edusphere.MaxBioLength, Errors: f.errs.Get("bio")},
			{Kind: "checkbox", Name: "is_active", Label: "Active", Checked: f.IsActive, Disabled: !activeOK,
				Help: "Unticking ends the user’s sessions and closes their chat connections."},
			{Kind: "checkbox", Name: "is_staff", Label: "Staff status", Checked: f.IsStaff, Disabled: !staffOK,
				Help: "Staff may sign in to this administration. Only superusers may change it."},
			{Kind: "checkbox", Name: "is_superuser", Label: "Superuser status", Checked: f.IsSuper, Disabled: !staffOK,
				Help: "Superusers may do everything here, including changing staff status."},
			{Kind: "text", Label: "Last login", Value: last},
			{Kind: "text", Label: "Date joined", Value: formatTime(u.DateJoined)},
		},
		Related: []link{
			{"Rooms hosted by this user", "/admin/core/room/?host=" + id},
			{"Messages by this user", "/admin/core/message/?user=" + id},
			{"Changes to this user in the action log", "/admin/log/?type=user&object=" + id},
		},
	}
	h.render(w, r, status, "change", view{Title: "Change user", Section: "user", Data: d})
}

// userChangePost validates (edusphere.ProfileForm, name and bio) and saves
// the change form.
func (h *Handler) userChangePost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := staffFromContext(ctx)
	u, ok := h.loadUser(w, r)
	if !ok {
		return
	}
	staffOK, activeOK := userInline(actor, u)
	f := userForm{
		Name: r.PostFormValue("name"), Bio: r.PostFormValue("bio"),
		IsActive: u.IsActive, IsStaff: u.IsStaff, IsSuper: u.IsSuperuser,
	}
	if activeOK {
		f.IsActive = r.PostFormValue("is_active") != ""
	}
	if staffOK {
		f.IsStaff = r.PostFormValue("is_staff") != ""
		f.IsSuper = r.PostFormValue("is_superuser") != ""
	}
	form := edusphere.ProfileForm{Name: &f.Name, Bio: &f.Bio}
	var err error
	if f.errs, err = form.Validate(ctx, h.svc.Users, u.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if len(f.errs) > 0 {
		h.renderUser(w, r, http.StatusOK, u, f)
		return
	}
	upd := form.Update()
	upd.IsActive = &f.IsActive
	if staffOK {
		upd.IsStaff, upd.IsSuperuser = &f.IsStaff, &f.IsSuper
	}
	changed, err := h.updateUser(ctx, actor, u, upd)
	if code := edusphere.ErrorCode(err); code == edusphere.EINVALID || code == edusphere.ECONFLICT {
		f.errs.Add("name", edusphere.ErrorMessage(err))
		h.renderUser(w, r, http.StatusOK, u, f)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	msg := "No fields changed."
	if changed {
		msg = "The user “" + userRepr(u) + "” was changed successfully."
	}
	h.redirectFlash(w, r, userListURL, msg)
}
