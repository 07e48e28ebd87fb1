package admin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
)

type staffKey struct{}

// staffFromContext returns the signed-in staff member, or nil.
func staffFromContext(ctx context.Context) *edusphere.User {
	u, _ := ctx.Value(staffKey{}).(*edusphere.User)
	return u
}

// currentStaff returns the user of the request's admin session when the
// session exists, has not expired and its user may still use the admin.
// A session whose user lost staff or active status is deleted.
func (h *Handler) currentStaff(r *http.Request) (*edusphere.User, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, nil
	}
	hash := auth.HashOpaqueToken(c.Value)
	ctx := r.Context()
	s, err := h.svc.Sessions.FindAdminSession(ctx, hash)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !s.Expires.After(h.now()) {
		return nil, nil
	}
	u, err := h.svc.Users.FindUserByID(ctx, s.UserID)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !u.CanUseAdmin() {
		if err := h.svc.Sessions.DeleteAdminSession(ctx, hash); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return u, nil
}

// staff guards a page: anonymous visitors go to the sign-in page with a
// next link back here.
func (h *Handler) staff(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := h.currentStaff(r)
		if err != nil {
			h.internalError(w, r, err)
			return
		}
		if u == nil {
			target := r.URL.Path
			if r.Method != http.MethodGet || safeNext(target) == "" {
				target = "/admin/"
			} else if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, "/admin/login/?next="+strings.ReplaceAll(url.QueryEscape(target), "%2F", "/"), http.StatusFound)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), staffKey{}, u)))
	}
}

// startSession creates an admin session for u and sets its cookie. Only
// the token's hash is stored (auth.NewOpaqueToken).
func (h *Handler) startSession(ctx context.Context, w http.ResponseWriter, u *edusphere.User) error {
	token, hash := auth.NewOpaqueToken()
	now := h.now()
	s := &edusphere.AdminSession{
		Hash: hash, UserID: u.ID,
		Created: now, Expires: now.Add(h.cfg.SessionTTL), LastSeen: now,
	}
	if err := h.svc.Sessions.CreateAdminSession(ctx, s); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/admin/",
		MaxAge: int(h.cfg.SessionTTL.Seconds()), HttpOnly: true,
		Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// endSession deletes the request's admin session and its cookie.
func (h *Handler) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := h.svc.Sessions.DeleteAdminSession(ctx, auth.HashOpaqueToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/admin/", MaxAge: -1, HttpOnly: true,
		Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// safeNext returns next when it is a local path under /admin/ (and not
// the sign-in or sign-out page), else "". Scheme-relative URLs, backslashes
// and dot segments that climb out of /admin/ are refused.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/admin/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t\x00") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return ""
	}
	clean := path.Clean(u.Path)
	if !strings.HasPrefix(clean+"/", "/admin/") || strings.Contains(u.Path, "/.") {
		return ""
	}
	if strings.HasPrefix(u.Path, "/admin/login/") || strings.HasPrefix(u.Path, "/admin/logout/") {
		return ""
	}
	return next
}

func encodeFlash(msgs []string) string {
	b, _ := json.Marshal(msgs)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFlash(s string) []string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	var msgs []string
	if json.Unmarshal(b, &msgs) != nil || len(msgs) > 10 {
		return nil
	}
	return msgs
}
