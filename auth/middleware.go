package auth

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/edusphere/edusphere"
)

// Cookie names (docs/auth.md, Cookies), and the form field that carries the
// CSRF token in a form post.
const (
	JWTCookie     = "JWT"
	RefreshCookie = "JWT-refresh-token"
	CSRFCookie    = "csrftoken"
	CSRFField     = "csrfmiddlewaretoken"
)

type ctxKey int

const (
	stateKey ctxKey = iota
	authKey
)

// RequestAuth is what the middleware learned about a request's credentials.
type RequestAuth struct {
	// Token is what identity uses: the Authorization "JWT <t>" token, else
	// the JWT cookie (even an empty one). HasToken tells whether there was any.
	Token    string
	HasToken bool
	// JWTCookie and RefreshCookie are the cookies as sent.
	JWTCookie        string
	HasJWTCookie     bool
	RefreshCookie    string
	HasRefreshCookie bool
	Meta             ClientMeta

	svc     *Service
	once    sync.Once
	user    *edusphere.User
	userErr error
}

// User authenticates Token once per request: nil for an anonymous caller,
// or the error of a bad token (docs/graphql.md, Identity).
func (ra *RequestAuth) User(ctx context.Context) (*edusphere.User, error) {
	ra.once.Do(func() {
		if ra.HasToken {
			ra.user, ra.userErr = ra.svc.Authenticate(ctx, ra.Token)
		}
	})
	return ra.user, ra.userErr
}

// FromContext returns the request's RequestAuth, or nil outside Middleware.
func FromContext(ctx context.Context) *RequestAuth {
	ra, _ := ctx.Value(authKey).(*RequestAuth)
	return ra
}

// Middleware reads the request's credentials into a RequestAuth in the
// context and lets handlers queue cookie changes, written before the
// response header.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w, r, finish := s.begin(w, r)
		defer finish()
		ra := &RequestAuth{svc: s, Meta: ClientMetaFromRequest(r)}
		if c, err := r.Cookie(JWTCookie); err == nil {
			ra.JWTCookie, ra.HasJWTCookie = c.Value, true
		}
		if c, err := r.Cookie(RefreshCookie); err == nil {
			ra.RefreshCookie, ra.HasRefreshCookie = c.Value, true
		}
		if tok, ok := authorizationToken(r.Header.Get("Authorization")); ok {
			ra.Token, ra.HasToken = tok, true
		} else if ra.HasJWTCookie {
			ra.Token, ra.HasToken = ra.JWTCookie, true
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey, ra)))
	})
}

// authorizationToken reads "JWT <token>": exactly two whitespace-separated
// parts, the prefix in any case. "Bearer" is not accepted.
func authorizationToken(h string) (string, bool) {
	parts := strings.Fields(h)
	if len(parts) != 2 || !strings.EqualFold(parts[0], "JWT") {
		return "", false
	}
	return parts[1], true
}

// SetLoginCookies queues the JWT cookie, the refresh cookie when l carries
// a new refresh token, and a new CSRF token (rotation on log-in and refresh).
func SetLoginCookies(ctx context.Context, l *Login) {
	st := stateFrom(ctx)
	if st == nil || l == nil {
		return
	}
	s := st.svc
	st.mu.Lock()
	defer st.mu.Unlock()
	st.cookies = append(st.cookies, s.cookieLine(JWTCookie, l.Token, s.cfg.AccessTTL, true))
	if l.RefreshToken != "" {
		left := s.now().Unix()
		left = l.RefreshExpiresIn - left
		st.cookies = append(st.cookies, s.cookieLineSeconds(RefreshCookie, l.RefreshToken, max(left, 0), true))
	}
	st.csrfSecret = newCSRFSecret(s.csrfKey)
	st.csrfSend = true
}

// ClearJWTCookie queues the JWT deletion cookie (docs/auth.md, Cookies).
func ClearJWTCookie(ctx context.Context) {
	if st := stateFrom(ctx); st != nil {
		st.mu.Lock()
		st.cookies = append(st.cookies, st.svc.deletionLine(JWTCookie))
		st.mu.Unlock()
	}
}

// ClearRefreshCookie queues the JWT-refresh-token deletion cookie
// (docs/auth.md, Cookies).
func ClearRefreshCookie(ctx context.Context) {
	if st := stateFrom(ctx); st != nil {
		st.mu.Lock()
		st.cookies = append(st.cookies, st.svc.deletionLine(RefreshCookie))
		st.mu.Unlock()
	}
}

// reqState is the per-request state shared by CSRF and Middleware: queued
// cookies and the CSRF secret. The first of them to run creates it and
// wraps the ResponseWriter.
type reqState struct {
	svc *Service
	mu  sync.Mutex
	// cookies are Set-Cookie lines written before the header.
	cookies []string
	// csrfSecret is the request's valid CSRF secret, or the new one.
	csrfSecret string
	// csrfSend asks for the csrftoken cookie on the response.
	csrfSend bool
	// csrfChecked records that CSRF ran, so that a second CSRF in the
	// chain (the admin's, behind the server's) passes the request on.
	csrfChecked bool
}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey).(*reqState)
	return st
}

// begin returns the request's state, creating it and wrapping w when no
// middleware did yet; finish writes the header if the handler wrote
// nothing. A panicking handler gets no header from finish: the panic goes
// on to the server's recovery, which answers 500.
func (s *Service) begin(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request, func()) {
	if stateFrom(r.Context()) != nil {
		return w, r, func() {}
	}
	st := &reqState{svc: s}
	rw := &responseWriter{ResponseWriter: w, st: st}
	r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
	return rw, r, func() {
		if v := recover(); v != nil {
			panic(v)
		}
		if !rw.wroteHeader && !rw.hijacked {
			rw.WriteHeader(http.StatusOK)
		}
	}
}

// flush adds the queued cookies to h.
func (st *reqState) flush(h http.Header) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.csrfSend {
		if st.csrfSecret == "" {
			st.csrfSecret = newCSRFSecret(st.svc.csrfKey)
		}
		h.Add("Set-Cookie", st.svc.cookieLineSeconds(CSRFCookie, st.csrfSecret, csrfCookieAge, false))
		prependVary(h, "Cookie")
	}
	for _, c := range st.cookies {
		h.Add("Set-Cookie", c)
	}
	st.cookies = nil
}

// responseWriter writes the queued cookies just before the header.
type responseWriter struct {
	http.ResponseWriter
	st          *reqState
	wroteHeader bool
	hijacked    bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.wroteHeader = true
		w.st.flush(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends buffered data, writing the header first.
func (w *responseWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over (WebSocket upgrades).
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, brw, err
}
