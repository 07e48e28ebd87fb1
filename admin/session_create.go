package admin

import (
	"net/http"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
)

// MsgBadLogin is the sign-in page's message for wrong credentials and for
// accounts that may not use the admin (Django's wording).
const MsgBadLogin = "Please enter the correct email and password for a staff account. Note that both fields may be case-sensitive."

// MsgTooManyLogins is shown when the sign-in rate limit is hit.
const MsgTooManyLogins = "Too many failed attempts. Please wait a while and try again."

type loginData struct {
	Next  string
	Email string
}

// loginShow renders the sign-in form, or goes straight on when the
// browser is already signed in.
func (h *Handler) loginShow(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if u, err := h.currentStaff(r); err != nil {
		h.internalError(w, r, err)
		return
	} else if u != nil {
		http.Redirect(w, r, orDefault(next, "/admin/"), http.StatusFound)
		return
	}
	h.render(w, r, http.StatusOK, "login", view{Title: "Log in", Data: loginData{Next: next}})
}

// loginCreate checks the credentials through the auth service (rate
// limited, rehashing old hashes), requires an active staff account and
// starts an admin session.
func (h *Handler) loginCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form := edusphere.LoginForm{Email: r.PostFormValue("username"), Password: r.PostFormValue("password")}
	invalid := len(form.Validate()) > 0
	next := safeNext(r.PostFormValue("next"))
	data := loginData{Next: next, Email: form.Email}
	fail := func(status int, msg string) {
		h.render(w, r, status, "login", view{Title: "Log in", Errors: []string{msg}, Data: data})
	}
	if invalid {
		fail(http.StatusOK, MsgBadLogin)
		return
	}
	u, err := h.cfg.Auth.CheckCredentials(ctx, form.Email, form.Password, auth.ClientMetaFromRequest(r))
	switch code := edusphere.ErrorCode(err); {
	case code == edusphere.ETOOMANYREQUEST:
		fail(http.StatusTooManyRequests, MsgTooManyLogins)
		return
	case code == edusphere.EUNAUTHORIZED || code == edusphere.ENOTFOUND || code == edusphere.EINVALID || code == edusphere.EFORBIDDEN:
		fail(http.StatusOK, MsgBadLogin)
		return
	case err != nil:
		h.internalError(w, r, err)
		return
	case !u.CanUseAdmin():
		fail(http.StatusOK, MsgBadLogin)
		return
	}
	// A new sign-in never reuses a session the browser brought along.
	if err := h.endSession(ctx, w, r); err != nil {
		h.internalError(w, r, err)
		return
	}
	if err := h.startSession(ctx, w, u); err != nil {
		h.internalError(w, r, err)
		return
	}
	now := h.now()
	if _, err := h.svc.Users.UpdateUser(ctx, u.ID, edusphere.UserUpdate{LastLogin: &now}); err != nil {
		h.cfg.Logger.Warn("admin: update last login", "user", u.ID, "err", err)
	}
	http.Redirect(w, r, orDefault(next, "/admin/"), http.StatusFound)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
