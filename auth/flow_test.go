package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/testdb"
	"github.com/golang-jwt/jwt/v5"
)

var t0 = time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)

const password = "Tr1cky-Horse-42"

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one auth Service over a test database, served the way the server
// stacks it, with a few endpoints that call the service as GraphQL does.
type env struct {
	h    *testdb.Handle
	svc  *auth.Service
	srv  *httptest.Server
	logs *syncBuffer
	user *edusphere.User
}

func newEnv(t *testing.T, h *testdb.Handle, cfg auth.Config) *env {
	t.Helper()
	h.Clock.Set(t0)
	logs := &syncBuffer{}
	cfg.SigningKey = []byte("test-signing-key")
	cfg.SecretKey = []byte("test-secret-key")
	cfg.Now = h.Clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := auth.New(cfg, h.Services.Users, h.Services.Sessions)
	ctx := context.Background()
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "ann", Email: "Ann@Example.com", Name: "Ann", Password: hash})

	mux := http.NewServeMux()
	mux.Handle("/api/csrf/", svc.CSRFHandler())
	mux.HandleFunc("/graphql/login", func(w http.ResponseWriter, r *http.Request) {
		ra := auth.FromContext(r.Context())
		l, err := svc.Login(r.Context(), r.FormValue("email"), r.FormValue("password"), ra.Meta)
		reply(w, r, l, err)
	})
	mux.HandleFunc("/graphql/refresh", func(w http.ResponseWriter, r *http.Request) {
		ra := auth.FromContext(r.Context())
		tok := r.FormValue("token")
		if tok == "" {
			tok = ra.JWTCookie
		}
		l, err := svc.Refresh(r.Context(), tok, ra.RefreshCookie, ra.Meta)
		reply(w, r, l, err)
	})
	mux.HandleFunc("/graphql/logout", func(w http.ResponseWriter, r *http.Request) {
		ra := auth.FromContext(r.Context())
		err := svc.Logout(r.Context(), ra.Token, ra.RefreshCookie)
		if err == nil {
			auth.ClearJWTCookie(r.Context())
			auth.ClearRefreshCookie(r.Context())
		}
		json.NewEncoder(w).Encode(map[string]any{"deleted": ra.HasJWTCookie, "error": edusphere.ErrorMessage(err)})
	})
	mux.HandleFunc("/graphql/me", func(w http.ResponseWriter, r *http.Request) {
		u, err := auth.FromContext(r.Context()).User(r.Context())
		out := map[string]any{"error": edusphere.ErrorMessage(err)}
		if u != nil {
			out["email"] = u.Email
		}
		json.NewEncoder(w).Encode(out)
	})
	srv := httptest.NewServer(svc.SecurityHeaders(svc.CORS(svc.CSRF(svc.Middleware(mux)))))
	t.Cleanup(srv.Close)
	return &env{h: h, svc: svc, srv: srv, logs: logs, user: u}
}

// reply writes a Login as JSON and queues its cookies, as the resolver does.
func reply(w http.ResponseWriter, r *http.Request, l *auth.Login, err error) {
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"error": edusphere.ErrorMessage(err), "code": edusphere.ErrorCode(err)})
		return
	}
	auth.SetLoginCookies(r.Context(), l)
	json.NewEncoder(w).Encode(map[string]any{"token": l.Token, "payload": l.Claims.Map(), "refreshExpiresIn": l.RefreshExpiresIn})
}

// client is a browser stand-in that keeps cookies by name and sends the
// CSRF header from the csrftoken cookie.
type client struct {
	t       *testing.T
	e       *env
	cookies map[string]string
	lines   []string // Set-Cookie lines of the last response
}

func (e *env) client(t *testing.T) *client {
	c := &client{t: t, e: e, cookies: map[string]string{}}
	c.call("GET", "/api/csrf/", nil)
	return c
}

type result struct {
	Status           int            `json:"-"`
	Error            string         `json:"error"`
	Code             string         `json:"code"`
	Token            string         `json:"token"`
	Payload          map[string]any `json:"payload"`
	RefreshExpiresIn int64          `json:"refreshExpiresIn"`
	Deleted          bool           `json:"deleted"`
	Email            string         `json:"email"`
}

func (c *client) call(method, path string, form url.Values) result {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "flow-test")
	var parts []string
	for k, v := range c.cookies {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	if tok := c.cookies["csrftoken"]; tok != "" {
		req.Header.Set("X-CSRFToken", tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	c.lines = resp.Header.Values("Set-Cookie")
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	var res result
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden && strings.HasPrefix(path, "/graphql/") {
		if err := json.Unmarshal(b, &res); err != nil {
			c.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, b, err)
		}
	}
	res.Status = resp.StatusCode
	return res
}

func (c *client) login(email, pw string) result {
	c.t.Helper()
	return c.call("POST", "/graphql/login", url.Values{"email": {email}, "password": {pw}})
}

func (c *client) line(name string) string {
	for _, l := range c.lines {
		if strings.HasPrefix(l, name+"=") {
			return l
		}
	}
	return ""
}

func mustOK(t *testing.T, r result) result {
	t.Helper()
	if r.Error != "" || r.Status != 200 {
		t.Fatalf("status=%d error=%q, want success", r.Status, r.Error)
	}
	return r
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func TestLoginFlow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, auth.Config{})
		c := e.client(t)
		before := c.cookies["csrftoken"]
		r := mustOK(t, c.login("Ann@Example.com", password))

		t.Run("Cookies", func(t *testing.T) {
			want := "JWT=" + r.Token + "; expires=" + t0.Add(600*time.Second).Format(http.TimeFormat) + "; HttpOnly; Max-Age=600; Path=/; SameSite=Lax"
			if got := c.line("JWT"); got != want {
				t.Fatalf("JWT cookie=%q, want %q", got, want)
			}
			ref := regexp.MustCompile(`^JWT-refresh-token=[A-Za-z0-9_-]{43}; expires=` + regexp.QuoteMeta(t0.Add(7*24*time.Hour).Format(http.TimeFormat)) + `; HttpOnly; Max-Age=604800; Path=/; SameSite=Lax$`)
			if got := c.line("JWT-refresh-token"); !ref.MatchString(got) {
				t.Fatalf("refresh cookie=%q", got)
			}
			if after := c.cookies["csrftoken"]; after == "" || after == before {
				t.Fatalf("csrftoken=%q after login, want a new token (was %q)", after, before)
			}
		})
		t.Run("Claims", func(t *testing.T) {
			if r.Payload["email"] != "Ann@Example.com" || num(r.Payload["exp"]) != t0.Unix()+600 || num(r.Payload["origIat"]) != t0.Unix() || r.RefreshExpiresIn != t0.Unix()+604800 {
				t.Fatalf("payload=%v refreshExpiresIn=%d", r.Payload, r.RefreshExpiresIn)
			}
			u, err := h.Services.Users.FindUserByID(context.Background(), e.user.ID)
			if err != nil || u.LastLogin == nil || !u.LastLogin.Equal(t0) {
				t.Fatalf("last login=%v (%v), want %v", u.LastLogin, err, t0)
			}
		})
		t.Run("AuthenticateHeaderAndCookie", func(t *testing.T) {
			if me := c.call("GET", "/graphql/me", nil); me.Email != "Ann@Example.com" {
				t.Fatalf("me=%+v, want Ann", me)
			}
			u, err := e.svc.Authenticate(context.Background(), r.Token)
			if err != nil || u == nil || u.ID != e.user.ID {
				t.Fatalf("Authenticate=(%v,%v)", u, err)
			}
		})
		t.Run("ErrSameMessageForEveryFailure", func(t *testing.T) {
			ctx := context.Background()
			inactive := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Email: "off@example.com", Password: e.user.Password})
			no := false
			if _, err := h.Services.Users.UpdateUser(ctx, inactive.ID, edusphere.UserUpdate{IsActive: &no}); err != nil {
				t.Fatal(err)
			}
			for _, cred := range [][2]string{{"nobody@example.com", password}, {"Ann@Example.com", "wrong"}, {"off@example.com", password}} {
				if r := c.login(cred[0], cred[1]); r.Error != "Please enter valid credentials" || r.Code != edusphere.EUNAUTHORIZED {
					t.Fatalf("login(%s)=%+v, want Please enter valid credentials", cred[0], r)
				}
			}
		})
	})
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	t.Run("AccessTokenPath", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			c := e.client(t)
			mustOK(t, c.login("Ann@Example.com", password))
			h.Clock.Add(5 * time.Minute)
			csrfBefore := c.cookies["csrftoken"]
			refreshBefore := c.cookies["JWT-refresh-token"]
			r := mustOK(t, c.call("POST", "/graphql/refresh", url.Values{}))
			if num(r.Payload["origIat"]) != t0.Unix() || num(r.Payload["exp"]) != t0.Unix()+300+600 {
				t.Fatalf("payload=%v, want same origIat and exp=now+600", r.Payload)
			}
			if c.cookies["csrftoken"] == csrfBefore || c.line("JWT") == "" {
				t.Fatalf("refresh did not set JWT and rotate csrftoken")
			}
			if c.cookies["JWT-refresh-token"] != refreshBefore {
				t.Fatalf("refresh token changed on the access-token path")
			}
		})
	})
	t.Run("ContractErrors", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			c := e.client(t)
			if r := c.call("POST", "/graphql/refresh", url.Values{}); r.Error != "Token is required" {
				t.Fatalf("no token: %q, want Token is required", r.Error)
			}
			tok := mustOK(t, c.login("Ann@Example.com", password)).Token
			delete(c.cookies, "JWT-refresh-token")
			h.Clock.Add(11 * time.Minute)
			if r := c.call("POST", "/graphql/refresh", url.Values{"token": {tok}}); r.Error != "Signature has expired" {
				t.Fatalf("expired: %q, want Signature has expired", r.Error)
			}
			if _, err := e.svc.Authenticate(ctx, tok); edusphere.ErrorMessage(err) != "Signature has expired" {
				t.Fatalf("Authenticate(expired)=%v", err)
			}
			noOrig, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"email": "Ann@Example.com", "exp": h.Clock.Now().Unix() + 600}).SignedString([]byte("test-signing-key"))
			if r := c.call("POST", "/graphql/refresh", url.Values{"token": {noOrig}}); r.Error != "origIat field is required" {
				t.Fatalf("no origIat: %q, want origIat field is required", r.Error)
			}
			if _, err := e.svc.Verify(ctx, ""); edusphere.ErrorMessage(err) != "Token is required" {
				t.Fatalf("Verify(\"\")=%v", err)
			}
		})
	})
	t.Run("RefreshCookieAfterExpiry", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			c := e.client(t)
			mustOK(t, c.login("Ann@Example.com", password))
			r1 := c.cookies["JWT-refresh-token"]
			h.Clock.Add(20 * time.Minute)
			delete(c.cookies, "JWT") // the browser dropped it after Max-Age
			csrfBefore := c.cookies["csrftoken"]
			r := mustOK(t, c.call("POST", "/graphql/refresh", url.Values{}))
			now := t0.Add(20 * time.Minute)
			if num(r.Payload["origIat"]) != t0.Unix() || num(r.Payload["exp"]) != now.Unix()+600 || r.RefreshExpiresIn != t0.Unix()+604800 {
				t.Fatalf("payload=%v refreshExpiresIn=%d", r.Payload, r.RefreshExpiresIn)
			}
			r2 := c.cookies["JWT-refresh-token"]
			if r2 == "" || r2 == r1 {
				t.Fatalf("refresh token not rotated")
			}
			if want := "; Max-Age=" + strconv.Itoa(604800-20*60) + ";"; !strings.Contains(c.line("JWT-refresh-token"), want) {
				t.Fatalf("refresh cookie=%q, want %s", c.line("JWT-refresh-token"), want)
			}
			if c.cookies["csrftoken"] == csrfBefore {
				t.Fatalf("csrftoken not rotated")
			}
			if me := c.call("GET", "/graphql/me", nil); me.Email != "Ann@Example.com" {
				t.Fatalf("me after refresh=%+v", me)
			}

			t.Run("GraceWindow", func(t *testing.T) {
				h.Clock.Add(10 * time.Second)
				other := &client{t: t, e: e, cookies: map[string]string{"csrftoken": c.cookies["csrftoken"], "JWT-refresh-token": r1}}
				g := mustOK(t, other.call("POST", "/graphql/refresh", url.Values{}))
				if num(g.Payload["origIat"]) != t0.Unix() || other.line("JWT-refresh-token") != "" {
					t.Fatalf("grace refresh=%v, refresh cookie %q; want same session, no new refresh token", g.Payload, other.line("JWT-refresh-token"))
				}
				if _, err := e.svc.Authenticate(ctx, g.Token); err != nil {
					t.Fatalf("grace token rejected: %v", err)
				}
			})
			t.Run("ReuseRevokesFamily", func(t *testing.T) {
				h.Clock.Add(time.Minute)
				tokenBefore := c.cookies["JWT"]
				thief := &client{t: t, e: e, cookies: map[string]string{"csrftoken": c.cookies["csrftoken"], "JWT-refresh-token": r1}}
				if r := thief.call("POST", "/graphql/refresh", url.Values{}); r.Error != "Token is required" {
					t.Fatalf("reuse: %q, want Token is required", r.Error)
				}
				delete(c.cookies, "JWT")
				if r := c.call("POST", "/graphql/refresh", url.Values{}); r.Error == "" {
					t.Fatalf("current refresh token still works after reuse was detected")
				}
				if _, err := e.svc.Authenticate(ctx, tokenBefore); edusphere.ErrorMessage(err) != "Invalid token" {
					t.Fatalf("access token after reuse: %v, want Invalid token", err)
				}
				if !strings.Contains(e.logs.String(), "reuse") {
					t.Fatalf("no reuse warning logged")
				}
			})
		})
	})
	t.Run("SessionWindowAndDisabled", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			// A one-hour session keeps the loop short; the rule is the same.
			e := newEnv(t, h, auth.Config{RefreshTTL: time.Hour})
			c := e.client(t)
			mustOK(t, c.login("Ann@Example.com", password))
			delete(c.cookies, "JWT-refresh-token")
			for i := 0; ; i++ {
				h.Clock.Add(9 * time.Minute)
				r := c.call("POST", "/graphql/refresh", url.Values{})
				elapsed := h.Clock.Now().Sub(t0)
				if r.Error != "" {
					if r.Error != "Refresh has expired" || elapsed <= time.Hour {
						t.Fatalf("refresh at %v: %q", elapsed, r.Error)
					}
					break
				}
				if num(r.Payload["origIat"]) != t0.Unix() || elapsed > time.Hour {
					t.Fatalf("refresh at %v=%v, want same origIat within the window", elapsed, r.Payload)
				}
			}
			c2 := e.client(t)
			tok2 := mustOK(t, c2.login("Ann@Example.com", password)).Token
			no := false
			if _, err := h.Services.Users.UpdateUser(ctx, e.user.ID, edusphere.UserUpdate{IsActive: &no}); err != nil {
				t.Fatal(err)
			}
			if r := c2.call("POST", "/graphql/refresh", url.Values{"token": {tok2}}); r.Error != "User is disabled" {
				t.Fatalf("disabled: %q, want User is disabled", r.Error)
			}
		})
	})
}

func TestLogoutAndRevocation(t *testing.T) {
	ctx := context.Background()
	t.Run("LogoutRevokes", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			c := e.client(t)
			tok := mustOK(t, c.login("Ann@Example.com", password)).Token
			refresh := c.cookies["JWT-refresh-token"]
			r := c.call("POST", "/graphql/logout", url.Values{})
			if !r.Deleted || c.line("JWT") != `JWT=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/` ||
				c.line("JWT-refresh-token") != `JWT-refresh-token=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/` {
				t.Fatalf("logout=%+v cookies %q", r, c.lines)
			}
			if _, err := e.svc.Authenticate(ctx, tok); edusphere.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("Authenticate after logout=%v, want Invalid token", err)
			}
			if _, err := e.svc.Verify(ctx, tok); edusphere.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("Verify after logout=%v, want Invalid token", err)
			}
			if _, err := e.svc.Refresh(ctx, "", refresh, auth.ClientMeta{}); edusphere.ErrorMessage(err) != "Token is required" {
				t.Fatalf("Refresh with logged-out refresh token=%v", err)
			}
			// A new log-in in the same second is a new, valid session.
			h.Clock.Add(time.Second)
			tok2 := mustOK(t, c.login("Ann@Example.com", password)).Token
			if _, err := e.svc.Authenticate(ctx, tok2); err != nil {
				t.Fatalf("Authenticate(new session)=%v", err)
			}
		})
	})
	t.Run("RevokeUserAcrossProcesses", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			c := e.client(t)
			tok := mustOK(t, c.login("Ann@Example.com", password)).Token
			// A second process on the same database.
			other := auth.New(auth.Config{SigningKey: []byte("test-signing-key"), SecretKey: []byte("test-secret-key"), Now: h.Clock.Now}, h.Services.Users, h.Services.Sessions)
			if err := other.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if u, err := other.Authenticate(ctx, tok); err != nil || u == nil {
				t.Fatalf("other.Authenticate=(%v,%v)", u, err)
			}
			if err := e.svc.RevokeUser(ctx, e.user.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Authenticate(ctx, tok); edusphere.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("Authenticate after RevokeUser=%v", err)
			}
			if err := other.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := other.Authenticate(ctx, tok); edusphere.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("other process after sync=%v, want Invalid token", err)
			}
			// Log-in right after a password change (same second) works.
			tok2 := mustOK(t, c.login("Ann@Example.com", password)).Token
			if _, err := e.svc.Authenticate(ctx, tok2); err != nil {
				t.Fatalf("new session after RevokeUser=%v", err)
			}
		})
	})
	t.Run("BrokerEvent", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			c := e.client(t)
			tok := mustOK(t, c.login("Ann@Example.com", password)).Token
			other := auth.New(auth.Config{SigningKey: []byte("test-signing-key"), SecretKey: []byte("k"), Now: h.Clock.Now}, h.Services.Users, h.Services.Sessions)
			if u, _ := other.Authenticate(ctx, tok); u == nil {
				t.Fatalf("other process rejects a live token")
			}
			other.HandleEvent(edusphere.Event{Type: edusphere.EventSessionRevoked, UserID: e.user.ID,
				Revocation: &edusphere.Revocation{UserID: e.user.ID, OrigIat: t0.Unix(), Created: t0, Expires: t0.Add(8 * 24 * time.Hour)}})
			if _, err := other.Authenticate(ctx, tok); edusphere.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("after event=%v, want Invalid token", err)
			}
		})
	})
}

func TestDjangoHashUpgrade(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		e := newEnv(t, h, auth.Config{})
		// Computed with Python's hashlib.pbkdf2_hmac('sha256', b'correct horse battery', b'seasalt1234', 1000).
		django := "pbkdf2_sha256$1000$seasalt1234$dVCseRolHWXn3dKCrJlqQnEHNpty/gC2g6pUYtCGT/4="
		u := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Email: "old@example.com", Password: django})
		if _, err := e.svc.CheckCredentials(ctx, "old@example.com", "wrong", auth.ClientMeta{}); err == nil {
			t.Fatalf("wrong password accepted")
		}
		if _, err := e.svc.CheckCredentials(ctx, "old@example.com", "correct horse battery", auth.ClientMeta{}); err != nil {
			t.Fatalf("CheckCredentials(Django hash)=%v", err)
		}
		got, err := h.Services.Users.FindUserByID(ctx, u.ID)
		if err != nil || !strings.HasPrefix(got.Password, "argon2$argon2id$") {
			t.Fatalf("stored hash=%q, want argon2id", got.Password)
		}
		if ok, rehash := auth.CheckPassword(got.Password, "correct horse battery"); !ok || rehash {
			t.Fatalf("upgraded hash check=(%v,%v)", ok, rehash)
		}
	})
}

func TestLoginLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, auth.Config{LoginLimit: auth.Limit{Count: 3, Per: time.Minute}})
		c := e.client(t)
		for i := 0; i < 3; i++ {
			if r := c.login("ann@example.com", "wrong"); r.Error != "Please enter valid credentials" {
				t.Fatalf("attempt %d: %q", i+1, r.Error)
			}
		}
		r := c.login("Ann@Example.com", password)
		if r.Error != "Too many attempts. Try again in 20 seconds." || r.Code != edusphere.ETOOMANYREQUEST {
			t.Fatalf("4th attempt=%+v, want the limit", r)
		}
		h.Clock.Add(20 * time.Second)
		mustOK(t, c.login("Ann@Example.com", password))
		// Successful log-ins do not use up the allowance.
		for i := 0; i < 5; i++ {
			mustOK(t, c.login("Ann@Example.com", password))
		}
	})
}

func TestRegister(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		e := newEnv(t, h, auth.Config{RegisterLimit: auth.Limit{Count: 30, Per: time.Hour}})
		ok := auth.RegisterInput{Username: " NewUser ", Name: " New ", Email: " new@example.com ", Password1: "Zq8!vbT3#kw", Password2: "Zq8!vbT3#kw"}
		tests := []struct {
			name string
			in   func(in *auth.RegisterInput)
			want string
		}{
			{"ErrRequired", func(in *auth.RegisterInput) { *in = auth.RegisterInput{Username: "  "} },
				`{"username":["This field is required."],"name":["This field is required."],"email":["This field is required."],"password1":["This field is required."],"password2":["This field is required."]}`},
			{"ErrSlugAndLength", func(in *auth.RegisterInput) { in.Username = "a b" + strings.Repeat("x", 200) },
				`{"username":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.","Ensure this value has at most 200 characters (it has 203)."]}`},
			{"ErrUsernameTakenIgnoringCase", func(in *auth.RegisterInput) { in.Username = "ANN" },
				`{"username":["User with this Username already exists."]}`},
			{"ErrEmail", func(in *auth.RegisterInput) { in.Email = "not-an-email" },
				`{"email":["Enter a valid email address."]}`},
			{"ErrMismatchStopsRules", func(in *auth.RegisterInput) { in.Password2 = "123" },
				`{"password2":["The two password fields didn’t match."]}`},
			{"ErrMismatchThenEmailTaken", func(in *auth.RegisterInput) { in.Email = "ann@example.com"; in.Password2 = "x" },
				`{"password2":["The two password fields didn’t match."],"email":["User with this Email already exists."]}`},
			{"ErrPasswordRules", func(in *auth.RegisterInput) { in.Username = "12345"; in.Password1, in.Password2 = "123456", "123456" },
				`{"password2":["The password is too similar to the username.","This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}`},
			{"ErrSimilarEmail", func(in *auth.RegisterInput) {
				in.Email = "marvin.zebulon@example.com"
				in.Password1, in.Password2 = "zebulonmarvin", "zebulonmarvin"
			},
				`{"password2":["The password is too similar to the email."]}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := ok
				tt.in(&in)
				_, err := e.svc.Register(ctx, in, auth.ClientMeta{Address: "10.0.0.1"})
				var de *edusphere.Error
				if err == nil || !errorsAs(err, &de) || de.Message != "Invalid data" {
					t.Fatalf("Register=%v, want Invalid data", err)
				}
				b, _ := json.Marshal(de.Fields)
				if string(b) != tt.want {
					t.Fatalf("fields=%s\nwant   %s", b, tt.want)
				}
			})
		}
		t.Run("OK", func(t *testing.T) {
			u, err := e.svc.Register(ctx, ok, auth.ClientMeta{Address: "10.0.0.1"})
			if err != nil {
				t.Fatalf("Register=%v", err)
			}
			if u.Username != "newuser" || u.Name != "New" || u.Email != "new@example.com" || !u.IsActive || u.IsStaff {
				t.Fatalf("user=%+v", u)
			}
			if _, err := e.svc.CheckCredentials(ctx, "new@example.com", "Zq8!vbT3#kw", auth.ClientMeta{}); err != nil {
				t.Fatalf("log-in with the new password=%v", err)
			}
		})
		t.Run("ErrBlankAfterSlugify", func(t *testing.T) {
			in := ok
			in.Username, in.Email = "---", "dash@example.com"
			_, err := e.svc.Register(ctx, in, auth.ClientMeta{Address: "10.0.0.2"})
			var de *edusphere.Error
			if !errorsAs(err, &de) || de.Message != "Invalid data" || len(de.Fields) != 1 || de.Fields.Get("username")[0] != edusphere.MsgBlank {
				t.Fatalf("Register(---)=%v, want Invalid data on the username", err)
			}
		})
		t.Run("ErrRateLimited", func(t *testing.T) {
			e := newEnv(t, testdb.SQLite(t), auth.Config{RegisterLimit: auth.Limit{Count: 1, Per: time.Hour}})
			meta := auth.ClientMeta{Address: "10.9.9.9"}
			e.svc.Register(ctx, auth.RegisterInput{}, meta)
			if _, err := e.svc.Register(ctx, ok, meta); edusphere.ErrorCode(err) != edusphere.ETOOMANYREQUEST {
				t.Fatalf("second registration=%v, want ETOOMANYREQUEST", err)
			}
		})
	})
}

func errorsAs(err error, target **edusphere.Error) bool { return errors.As(err, target) }

// TestNoSecretsInLogs runs log-in, refresh, logout, failures and a CSRF
// rejection and checks that no password, token or key reaches the log.
func TestNoSecretsInLogs(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, auth.Config{LoginLimit: auth.Limit{Count: 2, Per: time.Minute}})
	c := e.client(t)
	secrets := []string{password, "wrong-secret-pw", "test-signing-key", "test-secret-key"}
	r := mustOK(t, c.login("Ann@Example.com", password))
	secrets = append(secrets, r.Token, c.cookies["JWT-refresh-token"], c.cookies["csrftoken"])
	h.Clock.Add(11 * time.Minute)
	delete(c.cookies, "JWT")
	old := c.cookies["JWT-refresh-token"]
	r2 := mustOK(t, c.call("POST", "/graphql/refresh", url.Values{}))
	secrets = append(secrets, r2.Token, c.cookies["JWT-refresh-token"], c.cookies["csrftoken"])
	h.Clock.Add(time.Minute)
	thief := &client{t: t, e: e, cookies: map[string]string{"csrftoken": c.cookies["csrftoken"], "JWT-refresh-token": old}}
	thief.call("POST", "/graphql/refresh", url.Values{})
	for i := 0; i < 4; i++ {
		c.login("Ann@Example.com", "wrong-secret-pw")
	}
	bad := &client{t: t, e: e, cookies: map[string]string{"csrftoken": c.cookies["csrftoken"]}}
	bad.cookies["csrftoken"] = ""
	bad.call("POST", "/graphql/logout", url.Values{})
	c.call("POST", "/graphql/logout", url.Values{})
	logs := e.logs.String()
	if !strings.Contains(logs, "Forbidden (") || !strings.Contains(logs, "rate limited") || !strings.Contains(logs, "reuse") {
		t.Fatalf("expected log lines missing:\n%s", logs)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Fatalf("log contains a secret %q:\n%s", s[:min(8, len(s))]+"…", logs)
		}
	}
}
