package admin_test

import (
	"context"
	"crypto/sha256"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/account"
	"github.com/edusphere/edusphere/admin"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/media"
	"github.com/edusphere/edusphere/testdb"
)

const password = "correct horse battery staple 42"

// env is an admin served over real HTTP behind the auth package's
// security-header and CSRF middlewares, as the server mounts it.
type env struct {
	t    *testing.T
	db   *testdb.Handle
	auth *auth.Service
	srv  *httptest.Server
}

func newEnv(t *testing.T, db *testdb.Handle) *env {
	t.Helper()
	a := auth.New(auth.Config{
		SigningKey: []byte("admin-test-signing-key-0123456789"),
		SecretKey:  []byte("admin-test-secret-key-0123456789"),
		Now:        db.Clock.Func(),
	}, db.Services.Users, db.Services.Sessions)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	h := admin.New(admin.Config{Services: db.Services, Accounts: accounts(t, db, a), Auth: a, Now: db.Clock.Func()})
	srv := httptest.NewServer(a.SecurityHeaders(a.CSRF(a.Middleware(h))))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, auth: a, srv: srv}
}

// accounts is the account service the server gives the admin, on an
// in-memory broker, with avatars in a temporary directory.
func accounts(t *testing.T, db *testdb.Handle, a *auth.Service) *account.Service {
	b := inmem.NewBroker()
	t.Cleanup(func() { b.Close() })
	return account.New(account.Config{Store: db.Services, Notifier: hub.NewNotifier(b, nil), Revoker: a, Files: media.NewDir(t.TempDir())})
}

// newAlone serves the admin without any middleware in front.
func newAlone(t *testing.T, db *testdb.Handle) *env {
	t.Helper()
	a := auth.New(auth.Config{SigningKey: []byte("k-0123456789abcdef0123456789"), SecretKey: []byte("s-0123456789abcdef0123456789")}, db.Services.Users, db.Services.Sessions)
	srv := httptest.NewServer(admin.New(admin.Config{Services: db.Services, Accounts: accounts(t, db, a), Auth: a}))
	t.Cleanup(srv.Close)
	return &env{t: t, db: db, auth: a, srv: srv}
}

// user creates a user with a known password.
func (e *env) user(name string, staff, super bool) *edusphere.User {
	e.t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		e.t.Fatal(err)
	}
	return testdb.MustCreateUser(e.t, context.Background(), e.db.Services, &edusphere.User{
		Username: name, Email: name + "@example.com", Name: strings.ToUpper(name[:1]) + name[1:],
		Password: hash, IsStaff: staff, IsSuperuser: super,
	})
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	e      *env
	c      *http.Client
	token  string // the csrfmiddlewaretoken of the last page
	origin string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var tokenRe = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := tokenRe.FindSubmatch(body); m != nil {
		b.token = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

// post submits form with the token of the last page unless form sets one.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrfmiddlewaretoken"]; !ok && b.token != "" {
		form.Set("csrfmiddlewaretoken", b.token)
	}
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
}

// login signs in through the form and fails the test unless it worked.
func (b *browser) login(u *edusphere.User) {
	b.e.t.Helper()
	b.get("/admin/login/")
	resp, body := b.post("/admin/login/", url.Values{"username": {u.Email}, "password": {password}})
	if resp.StatusCode != http.StatusFound {
		b.e.t.Fatalf("login %s: status=%d, want 302; body=%s", u.Email, resp.StatusCode, body)
	}
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.srv.URL + "/admin/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s status=%d, want %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want)
	}
}

func wantContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Fatalf("page does not contain %q:\n%s", s, text)
		}
	}
}

func wantNotContains(t *testing.T, body string, subs ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, s := range subs {
		if strings.Contains(text, s) {
			t.Fatalf("page contains %q, want it absent", s)
		}
	}
}

func reload(t *testing.T, db *testdb.Handle, u *edusphere.User) *edusphere.User {
	t.Helper()
	got, err := db.Services.Users.FindUserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("FindUserByID: %v", err)
	}
	return got
}

func TestAccess(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	staff := e.user("staffer", true, false)
	plain := e.user("plain", false, false)
	inactive := e.user("gone", true, false)
	f := false
	if _, err := e.db.Services.Users.UpdateUser(context.Background(), inactive.ID, edusphere.UserUpdate{IsActive: &f}); err != nil {
		t.Fatal(err)
	}

	t.Run("AnonymousRedirects", func(t *testing.T) {
		b := e.browser()
		for path, want := range map[string]string{
			"/admin/":                    "/admin/login/?next=/admin/",
			"/admin/core/user/?q=a":      "/admin/login/?next=/admin/core/user/%3Fq%3Da",
			"/admin/log/":                "/admin/login/?next=/admin/log/",
			"/admin/core/room/x/change/": "/admin/login/?next=/admin/core/room/x/change/",
			"/admin/no/such/page/":       "/admin/login/?next=/admin/no/such/page/",
		} {
			resp, _ := b.get(path)
			wantStatus(t, resp, http.StatusFound)
			if got := resp.Header.Get("Location"); got != want {
				t.Fatalf("GET %s Location=%q, want %q", path, got, want)
			}
		}
	})

	t.Run("LoginPage", func(t *testing.T) {
		b := e.browser()
		resp, body := b.get("/admin/login/?next=/admin/core/room/")
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, `name="username"`, `name="password"`, `name="csrfmiddlewaretoken"`, `value="/admin/core/room/"`, "Email")
		if b.token == "" {
			t.Fatal("login page has no CSRF token")
		}
		if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Fatalf("X-Frame-Options=%q, want DENY", got)
		}
	})

	t.Run("OK", func(t *testing.T) {
		b := e.browser()
		b.login(staff)
		c := b.cookie(admin.SessionCookie)
		if c == nil || len(c.Value) < 40 {
			t.Fatalf("session cookie=%v, want a random token", c)
		}
		// Only the hash is stored.
		sum := sha256.Sum256([]byte(c.Value))
		if _, err := e.db.Services.Sessions.FindAdminSession(context.Background(), sum[:]); err != nil {
			t.Fatalf("FindAdminSession(sha256(token)) err=%v", err)
		}
		if _, err := e.db.Services.Sessions.FindAdminSession(context.Background(), []byte(c.Value)); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("FindAdminSession(raw token) err=%v, want ENOTFOUND", err)
		}
		if got := reload(t, e.db, staff).LastLogin; got == nil {
			t.Fatal("LastLogin=nil, want set by the sign-in")
		}
		resp, body := b.get("/admin/")
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, "Site administration", staff.Email, "Users", "Rooms", "Topics", "Messages")
		// The admin session is not an API identity (docs/auth.md, Admin sessions).
		if got, err := e.auth.Authenticate(context.Background(), c.Value); got != nil || err == nil {
			t.Fatalf("Authenticate(admin token)=%v,%v, want an error", got, err)
		}
	})

	t.Run("CookieAttributes", func(t *testing.T) {
		b := e.browser()
		b.get("/admin/login/")
		resp, _ := b.post("/admin/login/", url.Values{"username": {staff.Email}, "password": {password}})
		var raw string
		for _, v := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, admin.SessionCookie+"=") {
				raw = v
			}
		}
		for _, attr := range []string{"Path=/admin/", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(raw, attr) {
				t.Fatalf("Set-Cookie=%q, want %s", raw, attr)
			}
		}
	})

	for _, tt := range []struct {
		name, email, password string
	}{
		{"ErrNotStaff", plain.Email, password},
		{"ErrInactive", inactive.Email, password},
		{"ErrWrongPassword", staff.Email, "wrong password"},
		{"ErrUnknownEmail", "nobody@example.com", password},
		{"ErrEmpty", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser()
			b.get("/admin/login/")
			resp, body := b.post("/admin/login/", url.Values{"username": {tt.email}, "password": {tt.password}})
			wantStatus(t, resp, http.StatusOK)
			wantContains(t, body, admin.MsgBadLogin)
			if c := b.cookie(admin.SessionCookie); c != nil {
				t.Fatalf("session cookie set: %v", c)
			}
			resp, _ = b.get("/admin/")
			wantStatus(t, resp, http.StatusFound)
		})
	}

	t.Run("Next", func(t *testing.T) {
		for next, want := range map[string]string{
			"/admin/core/room/?q=x": "/admin/core/room/?q=x",
			"//evil.example/admin/": "/admin/",
			"https://evil.example/": "/admin/",
			"/graphql/":             "/admin/",
			"/admin/../graphql/":    "/admin/",
			"/admin/\\evil.example": "/admin/",
			"/admin/logout/":        "/admin/",
		} {
			b := e.browser()
			b.get("/admin/login/")
			resp, _ := b.post("/admin/login/", url.Values{"username": {staff.Email}, "password": {password}, "next": {next}})
			wantStatus(t, resp, http.StatusFound)
			if got := resp.Header.Get("Location"); got != want {
				t.Fatalf("next=%q Location=%q, want %q", next, got, want)
			}
		}
	})

	t.Run("Logout", func(t *testing.T) {
		b := e.browser()
		b.login(staff)
		token := b.cookie(admin.SessionCookie).Value
		b.get("/admin/")
		resp, _ := b.post("/admin/logout/", nil)
		wantStatus(t, resp, http.StatusFound)
		sum := sha256.Sum256([]byte(token))
		if _, err := e.db.Services.Sessions.FindAdminSession(context.Background(), sum[:]); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("session after logout err=%v, want ENOTFOUND", err)
		}
		resp, _ = b.get("/admin/")
		wantStatus(t, resp, http.StatusFound)
		// An old copy of the cookie opens nothing either.
		b2 := e.browser()
		u, _ := url.Parse(e.srv.URL + "/admin/")
		b2.c.Jar.SetCookies(u, []*http.Cookie{{Name: admin.SessionCookie, Value: token, Path: "/admin/"}})
		resp, _ = b2.get("/admin/")
		wantStatus(t, resp, http.StatusFound)
	})

	t.Run("ErrLogoutByGet", func(t *testing.T) {
		b := e.browser()
		b.login(staff)
		resp, _ := b.get("/admin/logout/")
		if resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), "/admin/login/") {
			t.Fatal("GET /admin/logout/ signed out, want POST only")
		}
		resp, _ = b.get("/admin/")
		wantStatus(t, resp, http.StatusOK)
	})
}

func TestCSRF(t *testing.T) {
	db := testdb.SQLite(t)
	for _, mount := range []struct {
		name string
		env  *env
	}{{"Server", newEnv(t, db)}, {"Alone", newAlone(t, db)}} {
		e := mount.env
		staff := e.user("csrf-"+strings.ToLower(mount.name), true, true)
		victim := e.user("victim-"+strings.ToLower(mount.name), false, false)
		form := func() url.Values {
			return url.Values{"do": {"save"}, "row": {victim.ID.String()}}
		}
		t.Run(mount.name+"/ErrMissing", func(t *testing.T) {
			b := e.browser()
			b.login(staff)
			b.get("/admin/core/user/")
			f := form()
			f.Set("csrfmiddlewaretoken", "")
			resp, _ := b.post("/admin/core/user/", f)
			wantStatus(t, resp, http.StatusForbidden)
			if !reload(t, e.db, victim).IsActive {
				t.Fatal("user deactivated by a request without a CSRF token")
			}
		})
		t.Run(mount.name+"/ErrWrong", func(t *testing.T) {
			b := e.browser()
			b.login(staff)
			b.get("/admin/core/user/")
			f := form()
			f.Set("csrfmiddlewaretoken", strings.Repeat("a", 32))
			resp, _ := b.post("/admin/core/user/", f)
			wantStatus(t, resp, http.StatusForbidden)
		})
		t.Run(mount.name+"/ErrCrossOrigin", func(t *testing.T) {
			b := e.browser()
			b.login(staff)
			b.get("/admin/core/user/")
			b.origin = "http://evil.example"
			resp, _ := b.post("/admin/core/user/", form())
			wantStatus(t, resp, http.StatusForbidden)
			if !reload(t, e.db, victim).IsActive {
				t.Fatal("user deactivated by a cross-origin request")
			}
		})
		t.Run(mount.name+"/ErrLoginWithoutToken", func(t *testing.T) {
			b := e.browser()
			resp, _ := b.post("/admin/login/", url.Values{"username": {staff.Email}, "password": {password}})
			wantStatus(t, resp, http.StatusForbidden)
		})
		t.Run(mount.name+"/OK", func(t *testing.T) {
			b := e.browser()
			b.login(staff)
			b.get("/admin/core/user/")
			resp, _ := b.post("/admin/core/user/", form()) // active_<id> absent: deactivate
			wantStatus(t, resp, http.StatusFound)
			if reload(t, e.db, victim).IsActive {
				t.Fatal("user still active after a valid inline edit")
			}
		})
	}
}
