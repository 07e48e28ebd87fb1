package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// csrfAlphabet is Django's CSRF alphabet; a secret is 32 of its characters
// and a masked token 64.
const csrfAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const (
	csrfSecretLen = 32
	csrfTokenLen  = 64
	csrfRandomLen = 16
)

// CSRF rejection reasons (Django 5's texts).
const (
	reasonNoCookie      = "CSRF cookie not set."
	reasonTokenMissing  = "CSRF token missing."
	reasonBadOrigin     = "Origin checking failed - %s does not match any trusted origins."
	reasonNoReferer     = "Referer checking failed - no Referer."
	reasonBadReferer    = "Referer checking failed - Referer is malformed."
	reasonInsecure      = "Referer checking failed - Referer is insecure while host is secure."
	reasonRefererOrigin = "Referer checking failed - %s does not match any trusted origins."
	tokenIncorrect      = "incorrect"
	formatLength        = "has incorrect length"
	formatChars         = "has invalid characters"
)

// newCSRFSecret returns a signed secret that still looks like Django's: 16
// random characters, then 16 characters of an HMAC of them under key, all
// from the 62-character alphabet. A cookie planted by a sibling site, which
// does not know the key, fails verifyCSRFSecret.
func newCSRFSecret(key []byte) string {
	var b strings.Builder
	buf := make([]byte, 64)
	for b.Len() < csrfRandomLen {
		rand.Read(buf)
		for _, c := range buf {
			// 248 = 4*62: drop the top bytes so every character is equally likely.
			if c < 248 && b.Len() < csrfRandomLen {
				b.WriteByte(csrfAlphabet[int(c)%62])
			}
		}
	}
	random := b.String()
	return random + csrfMAC(key, random)
}

// csrfMAC maps HMAC-SHA256(key, random) onto 16 alphabet characters.
func csrfMAC(key []byte, random string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(random))
	sum := m.Sum(nil)
	out := make([]byte, csrfSecretLen-csrfRandomLen)
	for i := range out {
		out[i] = csrfAlphabet[int(sum[i])%62]
	}
	return string(out)
}

// verifyCSRFSecret reports whether a 32-character secret carries our HMAC.
func verifyCSRFSecret(key []byte, secret string) bool {
	if len(secret) != csrfSecretLen {
		return false
	}
	want := csrfMAC(key, secret[:csrfRandomLen])
	return subtle.ConstantTimeCompare([]byte(want), []byte(secret[csrfRandomLen:])) == 1
}

// csrfFormat returns "" for a well-formed token (32 or 64 characters of the
// alphabet) or Django's format reason.
func csrfFormat(tok string) string {
	if len(tok) != csrfSecretLen && len(tok) != csrfTokenLen {
		return formatLength
	}
	for i := 0; i < len(tok); i++ {
		if strings.IndexByte(csrfAlphabet, tok[i]) < 0 {
			return formatChars
		}
	}
	return ""
}

// unmaskCSRF turns a 64-character masked token into its secret; a
// 32-character value is returned as it is.
func unmaskCSRF(tok string) string {
	if len(tok) != csrfTokenLen {
		return tok
	}
	mask, cipher := tok[:csrfSecretLen], tok[csrfSecretLen:]
	out := make([]byte, csrfSecretLen)
	for i := range out {
		x := strings.IndexByte(csrfAlphabet, cipher[i])
		y := strings.IndexByte(csrfAlphabet, mask[i])
		out[i] = csrfAlphabet[((x-y)%62+62)%62]
	}
	return string(out)
}

// maskCSRF returns a fresh 64-character masked form of secret, so a page
// embedding it differs on every response.
func maskCSRF(secret string) string {
	mask := make([]byte, csrfSecretLen)
	buf := make([]byte, 1)
	for i := range mask {
		for {
			rand.Read(buf)
			if buf[0] < 248 {
				mask[i] = csrfAlphabet[int(buf[0])%62]
				break
			}
		}
	}
	cipher := make([]byte, csrfSecretLen)
	for i := range cipher {
		x := strings.IndexByte(csrfAlphabet, secret[i])
		y := strings.IndexByte(csrfAlphabet, mask[i])
		cipher[i] = csrfAlphabet[(x+y)%62]
	}
	return string(mask) + string(cipher)
}

// CSRFToken returns a masked token for the request's CSRF secret, for forms
// (the admin), and makes sure the csrftoken cookie goes out with the
// response. It returns "" outside the CSRF middleware and Middleware.
func CSRFToken(ctx context.Context) string {
	st := stateFrom(ctx)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.csrfSecret == "" {
		st.csrfSecret = newCSRFSecret(st.svc.csrfKey)
	}
	st.csrfSend = true
	return maskCSRF(st.csrfSecret)
}

// EnsureCSRFCookie makes the response carry the csrftoken cookie.
func EnsureCSRFCookie(ctx context.Context) {
	if st := stateFrom(ctx); st != nil {
		st.mu.Lock()
		st.csrfSend = true
		st.mu.Unlock()
	}
}

// alwaysSetsCSRFCookie lists the paths whose every response carries the
// cookie (docs/auth.md, CSRF).
func alwaysSetsCSRFCookie(path string) bool {
	return strings.HasPrefix(path, "/graphql") || strings.HasPrefix(path, "/api/csrf")
}

// safeMethod reports the methods the check skips.
func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// CSRF applies Django 5's CSRF check (docs/auth.md, CSRF) to every unsafe request
// and sets the csrftoken cookie on responses under /graphql and /api/csrf,
// and wherever CSRFToken or EnsureCSRFCookie is called. A rejection is a
// 403 HTML page and a WARNING "Forbidden (<reason>): <path>". It is the one
// CSRF check of the server: the API and the admin both use it, and a
// request that already passed it further up the chain is not checked again.
func (s *Service) CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w, r, finish := s.begin(w, r)
		defer finish()
		st := stateFrom(r.Context())

		st.mu.Lock()
		checked := st.csrfChecked
		st.csrfChecked = true
		st.mu.Unlock()
		if checked {
			next.ServeHTTP(w, r)
			return
		}

		cookieSecret, cookieReason := s.readCSRFCookie(r)
		st.mu.Lock()
		if cookieSecret != "" && st.csrfSecret == "" {
			st.csrfSecret = cookieSecret
		}
		if alwaysSetsCSRFCookie(r.URL.Path) {
			st.csrfSend = true
		}
		st.mu.Unlock()

		if !safeMethod(r.Method) {
			if reason := s.checkCSRF(w, r, cookieSecret, cookieReason); reason != "" {
				s.logger.Warn(fmt.Sprintf("Forbidden (%s): %s", reason, r.URL.Path), "status", http.StatusForbidden)
				h := w.Header()
				h.Set("Content-Type", "text/html; charset=utf-8")
				h.Set("Content-Length", strconv.Itoa(len(csrfFailurePage)))
				w.WriteHeader(http.StatusForbidden)
				if r.Method != http.MethodHead {
					_, _ = w.Write([]byte(csrfFailurePage))
				}
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// csrfFailurePage is the short page a rejected request gets.
const csrfFailurePage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="NONE,NOARCHIVE"><title>403 Forbidden</title></head>
<body><h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p></body>
</html>
`

// readCSRFCookie returns the request cookie's secret when it is well formed
// and signed by us; otherwise "" and the rejection reason for it.
func (s *Service) readCSRFCookie(r *http.Request) (secret, reason string) {
	c, err := r.Cookie(CSRFCookie)
	if err != nil {
		return "", reasonNoCookie
	}
	if f := csrfFormat(c.Value); f != "" {
		return "", "CSRF cookie " + f + "."
	}
	sec := unmaskCSRF(c.Value)
	if !verifyCSRFSecret(s.csrfKey, sec) {
		// Not one of ours (planted, or from an older key): as good as none.
		return "", reasonNoCookie
	}
	return sec, ""
}

// csrfFormMaxBytes bounds the body read to find a form's CSRF field:
// 2,621,440 bytes, the original's limit on a request's non-file data.
const csrfFormMaxBytes = 5 << 19

// checkCSRF returns "" when the unsafe request r passes, else the reason.
// A form post without the header has its body read for the CSRF field, at
// most csrfFormMaxBytes of it; a longer body counts as a missing token.
func (s *Service) checkCSRF(w http.ResponseWriter, r *http.Request, cookieSecret, cookieReason string) string {
	secure := s.isSecure(r)
	if origin, ok := r.Header["Origin"]; ok {
		o := ""
		if len(origin) > 0 {
			o = origin[0]
		}
		if !s.originVerified(r, o, secure) {
			return fmt.Sprintf(reasonBadOrigin, o)
		}
	} else if secure {
		if reason := s.checkReferer(r); reason != "" {
			return reason
		}
	}
	if cookieSecret == "" {
		return cookieReason
	}

	source := "the 'X-Csrftoken' HTTP header"
	tok, ok := "", false
	if v, has := r.Header["X-Csrftoken"]; has && len(v) > 0 {
		tok, ok = v[0], true
	} else if r.Method == http.MethodPost && isFormRequest(r) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, csrfFormMaxBytes)
		}
		if v := r.PostFormValue(CSRFField); v != "" {
			tok, ok, source = v, true, "POST"
		}
	}
	if !ok {
		return reasonTokenMissing
	}
	if f := csrfFormat(tok); f != "" {
		return fmt.Sprintf("CSRF token from %s %s.", source, f)
	}
	if subtle.ConstantTimeCompare([]byte(unmaskCSRF(tok)), []byte(cookieSecret)) != 1 {
		return fmt.Sprintf("CSRF token from %s %s.", source, tokenIncorrect)
	}
	return ""
}

// isFormRequest reports a url-encoded or multipart body.
func isFormRequest(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// isSecure reports whether the request came over HTTPS; behind a proxy
// that terminates TLS, SecureCookies says the site is on HTTPS.
func (s *Service) isSecure(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

// originVerified is Django's _origin_verified: the Origin equals
// scheme://Host, or matches a trusted origin (default ports normalised;
// "https://*.example.com" entries match subdomains).
func (s *Service) originVerified(r *http.Request, origin string, secure bool) bool {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	if sameOrigin(origin, scheme+"://"+r.Host) {
		return true
	}
	return s.trustedOrigin(origin)
}

// trustedOrigin reports whether origin matches a TrustedOrigins entry.
func (s *Service) trustedOrigin(origin string) bool {
	for _, t := range s.cfg.TrustedOrigins {
		if sameOrigin(origin, t) {
			return true
		}
		if scheme, host, ok := strings.Cut(t, "://*"); ok {
			u, err := url.Parse(origin)
			if err == nil && strings.EqualFold(u.Scheme, scheme) && isSameDomain(normHostPort(u.Scheme, u.Host), strings.ToLower(host)) {
				return true
			}
		}
	}
	return false
}

// checkReferer is Django's referer check for HTTPS requests without Origin.
func (s *Service) checkReferer(r *http.Request) string {
	ref := r.Header.Get("Referer")
	if ref == "" {
		return reasonNoReferer
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return reasonBadReferer
	}
	if u.Scheme != "https" {
		return reasonInsecure
	}
	if sameOrigin("https://"+u.Host, "https://"+r.Host) || s.trustedOrigin("https://"+u.Host) {
		return ""
	}
	return fmt.Sprintf(reasonRefererOrigin, ref)
}

// CSRFHandler serves /api/csrf/ (docs/auth.md, CSRF): any method, 200 JSON
// {"SetCsrfToken": "X-CSRFToken"} with the csrftoken cookie; HEAD has no
// body. Used without the CSRF middleware in front, it applies it itself.
func (s *Service) CSRFHandler() http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		EnsureCSRFCookie(r.Context())
		h := w.Header()
		prependVary(h, "Cookie")
		addVary(h, "origin")
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(csrfBody)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte(csrfBody))
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stateFrom(r.Context()) == nil {
			s.CSRF(inner).ServeHTTP(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

const csrfBody = `{"SetCsrfToken": "X-CSRFToken"}`
