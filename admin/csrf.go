package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/edusphere/edusphere/auth"
)

// csrfChars is Django's token alphabet; the order matters for unmasking.
const csrfChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// csrfToken returns the token forms carry. The server's CSRF middleware
// provides it; when the admin runs without that middleware, the admin
// keeps the csrftoken cookie itself, with the same attributes (§6.1). The
// token is masked afresh for each page, as Django does, so its bytes in
// a compressed response reveal nothing about the secret.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if t := auth.CSRFToken(r.Context()); t != "" {
		return t
	}
	secret := ""
	if c, err := r.Cookie(CSRFCookie); err == nil {
		secret = unmaskCSRF(c.Value)
	}
	if secret == "" {
		secret = randomCSRF()
		http.SetCookie(w, &http.Cookie{
			Name: CSRFCookie, Value: secret, Path: "/", MaxAge: 31449600,
			Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
		})
		// Let this same response's forms work when the cookie was just set.
		r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: secret})
	}
	return maskCSRF(secret)
}

// checkCSRF applies the double-submit check of CONTRACT §6.3 to an unsafe
// request: a same-site Origin when one is sent, a well-formed csrftoken
// cookie, and a csrfmiddlewaretoken field (or X-CSRFToken header) holding
// the same secret. On failure it answers 403 and returns false.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	reason := ""
	if o := r.Header.Get("Origin"); o != "" && !sameHost(o, r.Host) {
		reason = "Origin checking failed - " + o + " does not match any trusted origins."
	} else if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		reason = "Cross-site request."
	}
	cookieSecret := ""
	if reason == "" {
		if c, err := r.Cookie(CSRFCookie); err == nil {
			cookieSecret = unmaskCSRF(c.Value)
		}
		if cookieSecret == "" {
			reason = "CSRF cookie not set."
		}
	}
	if reason == "" {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		tok := r.PostFormValue(CSRFField)
		if tok == "" {
			tok = r.Header.Get("X-CSRFToken")
		}
		got := unmaskCSRF(tok)
		switch {
		case tok == "":
			reason = "CSRF token missing."
		case got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(cookieSecret)) != 1:
			reason = "CSRF token incorrect."
		}
	}
	if reason == "" {
		return true
	}
	h.cfg.Logger.Warn("Forbidden ("+reason+"): "+r.URL.Path, "path", r.URL.Path)
	h.plainPage(w, http.StatusForbidden, "Forbidden (403)", "CSRF verification failed. Request aborted. Reload the page and try again.")
	return false
}

// sameHost reports whether origin names the host the request was sent to.
func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, host)
}

func randomCSRF() string {
	b := make([]byte, 32)
	rand.Read(b)
	out := make([]byte, 32)
	for i, c := range b {
		out[i] = csrfChars[int(c)%len(csrfChars)]
	}
	return string(out)
}

// maskCSRF returns a 64-character masked form of a 32-character secret.
func maskCSRF(secret string) string {
	mask := randomCSRF()
	out := make([]byte, 64)
	copy(out, mask)
	for i := range 32 {
		out[32+i] = csrfChars[(strings.IndexByte(csrfChars, secret[i])+strings.IndexByte(csrfChars, mask[i]))%len(csrfChars)]
	}
	return string(out)
}

// unmaskCSRF returns the secret of a 32-character secret or a 64-character
// masked token, or "" when tok is neither.
func unmaskCSRF(tok string) string {
	if len(tok) != 32 && len(tok) != 64 {
		return ""
	}
	for i := 0; i < len(tok); i++ {
		if strings.IndexByte(csrfChars, tok[i]) < 0 {
			return ""
		}
	}
	if len(tok) == 32 {
		return tok
	}
	out := make([]byte, 32)
	n := len(csrfChars)
	for i := range 32 {
		out[i] = csrfChars[((strings.IndexByte(csrfChars, tok[32+i])-strings.IndexByte(csrfChars, tok[i]))%n+n)%n]
	}
	return string(out)
}
