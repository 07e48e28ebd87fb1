package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/edusphere/edusphere/sqlite"
	"github.com/edusphere/edusphere/testdb"
)

// TestAccountLifecycle deactivates, reactivates and deletes a user from each
// entry point that can (the admin and the command line; GraphQL has no such
// operation) and checks the same effects every time: on the user's
// sessions and log-in, on their open chat sockets and on the sockets of the
// people who share rooms with them. The server uses Redis, as a deployment
// with a command line next to it must.
func TestAccountLifecycle(t *testing.T) {
	redisURL, _ := testdb.Redis(t)
	for _, entry := range []struct {
		name string
		act  func(t *testing.T, w *lifeWorld, action string)
	}{
		{"Admin", func(t *testing.T, w *lifeWorld, action string) { w.viaAdmin(t, action) }},
		{"CLI", func(t *testing.T, w *lifeWorld, action string) { w.viaCLI(t, action) }},
	} {
		t.Run(entry.name, func(t *testing.T) {
			t.Run("DeactivateThenReactivate", func(t *testing.T) {
				w := newLifeWorld(t, redisURL)
				entry.act(t, w, "deactivate")
				for _, c := range []*lifeSocket{w.victimHome, w.victimAway} {
					c.wantClosed(t, 4403)
				}
				w.friendHome.wantOpen(t)
				w.friendAway.wantOpen(t)
				if errs := w.victim.gqlErrors(t, `{ me { username } }`); errs != "User is disabled" {
					t.Fatalf("me with the old cookie: %q, want User is disabled", errs)
				}
				if errs := w.victim.gqlErrors(t, `mutation { refreshToken { payload } }`); errs == "" {
					t.Fatalf("refreshToken of a deactivated user succeeded")
				}
				again := w.newClient(t)
				if errs := again.login(t, "victim@example.com"); errs != "Please enter valid credentials" {
					t.Fatalf("tokenAuth while deactivated: %q, want Please enter valid credentials", errs)
				}

				entry.act(t, w, "reactivate")
				if errs := again.login(t, "victim@example.com"); errs != "" {
					t.Fatalf("tokenAuth after reactivation: %q, want success", errs)
				}
				if errs := w.victim.gqlErrors(t, `{ me { username } }`); errs != "Invalid token" {
					t.Fatalf("me with the cookie from before: %q, want Invalid token (that session stays ended)", errs)
				}
				if errs := again.gqlErrors(t, `{ me { username } }`); errs != "" {
					t.Fatalf("me after a new log-in: %q", errs)
				}
			})
			t.Run("Delete", func(t *testing.T) {
				w := newLifeWorld(t, redisURL)
				entry.act(t, w, "deleteuser")
				w.victimHome.wantClosed(t, 4403)
				w.victimAway.wantClosed(t, 4403)
				w.friendAway.wantClosed(t, 4404) // the victim hosted that room
				if f := w.friendHome.next(t); !strings.Contains(f, `"action": "delete"`) || !strings.Contains(f, w.victimMsg) {
					t.Fatalf("friend's socket in the room that stays got %s, want the delete frame of %s", f, w.victimMsg)
				}
				w.friendHome.wantOpen(t)
				if errs := w.friend.gqlErrors(t, `{ user(userSlug: "victim") { username } }`); errs != "User not found" {
					t.Fatalf("user(victim): %q, want User not found", errs)
				}
				if errs := w.friend.gqlErrors(t, `{ room(hostSlug: "victim", roomSlug: "home") { name } }`); errs != "Room not found" {
					t.Fatalf("the victim's room: %q, want Room not found", errs)
				}
				if errs := w.newClient(t).login(t, "victim@example.com"); errs != "Please enter valid credentials" {
					t.Fatalf("tokenAuth after deletion: %q", errs)
				}
			})
		})
	}
}

// lifeWorld is a server with a staff member, a victim and a friend who
// host a room each and joined each other's, with four sockets open.
type lifeWorld struct {
	env            map[string]string
	m              *Main
	victim, friend *lifeClient
	victimID       string
	victimMsg      string      // id of the victim's message in the friend's room
	victimHome     *lifeSocket // the victim in the room they host
	victimAway     *lifeSocket // the victim in the friend's room
	friendHome     *lifeSocket // the friend in the room they host
	friendAway     *lifeSocket // the friend in the victim's room
}

const lifePassword = "correct horse battery"

func newLifeWorld(t *testing.T, redisURL string) *lifeWorld {
	t.Helper()
	env := testEnv(t, "REDIS_URL", redisURL, "SECRET_KEY", "lifecycle-test-secret",
		"REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0", "WS_RATE_LIMIT", "0",
		"DJANGO_SUPERUSER_EMAIL", "staff@example.com", "DJANGO_SUPERUSER_USERNAME", "staff",
		"DJANGO_SUPERUSER_NAME", "Staff", "DJANGO_SUPERUSER_PASSWORD", lifePassword)
	w := &lifeWorld{env: env, m: MustRunMain(t, env)}
	if out, code := w.run(t, "createsuperuser", "--noinput"); code != ExitOK {
		t.Fatalf("createsuperuser exit=%d: %s", code, out)
	}
	w.victim, w.friend = w.newClient(t), w.newClient(t)
	for _, c := range []struct {
		cl   *lifeClient
		name string
	}{{w.victim, "victim"}, {w.friend, "friend"}} {
		c.cl.must(t, `mutation($e:String!,$u:String!,$p:String!){registerUser(email:$e,username:$u,name:$u,password1:$p,password2:$p){success}}`,
			map[string]any{"e": c.name + "@example.com", "u": c.name, "p": lifePassword})
		if errs := c.cl.login(t, c.name+"@example.com"); errs != "" {
			t.Fatalf("tokenAuth %s: %s", c.name, errs)
		}
		c.cl.must(t, `mutation{createRoom(name:"Home",topicName:"Go"){room{slug}}}`, nil)
	}
	w.victim.must(t, `mutation{joinRoom(hostSlug:"friend",roomSlug:"home"){room{slug}}}`, nil)
	w.friend.must(t, `mutation{joinRoom(hostSlug:"victim",roomSlug:"home"){room{slug}}}`, nil)
	me := w.victim.must(t, `{ me { id } }`, nil)
	w.victimID = regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(me)[1]

	w.victimHome = w.dial(t, w.victim, "victim")
	w.victimAway = w.dial(t, w.victim, "friend")
	w.friendHome = w.dial(t, w.friend, "friend")
	w.friendAway = w.dial(t, w.friend, "victim")
	w.victimAway.send(t, `{"type":"text","message":"from the victim"}`)
	f := w.victimAway.next(t)
	w.victimMsg = regexp.MustCompile(`"id": "([^"]+)"`).FindStringSubmatch(f)[1]
	if got := w.friendHome.next(t); !strings.Contains(got, w.victimMsg) {
		t.Fatalf("friend's socket got %s, want the victim's message", got)
	}
	return w
}

// run runs a command of the binary in-process on the world's data.
func (w *lifeWorld) run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	m, out, errOut := newMain(w.env, "")
	code := m.Exec(context.Background(), args)
	return out.String() + errOut.String(), code
}

func (w *lifeWorld) viaCLI(t *testing.T, action string) {
	t.Helper()
	args := []string{action}
	if action == "deleteuser" {
		args = append(args, "--noinput")
	}
	if out, code := w.run(t, append(args, "victim@example.com")...); code != ExitOK {
		t.Fatalf("edusphere %s exit=%d: %s", action, code, out)
	}
}

var csrfFieldRe = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]+)"`)

// viaAdmin signs the staff member in and does action through the pages.
func (w *lifeWorld) viaAdmin(t *testing.T, action string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	token := ""
	do := func(method, path string, form neturl.Values) int {
		t.Helper()
		var body io.Reader
		if form != nil {
			form.Set("csrfmiddlewaretoken", token)
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, w.m.URL()+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if m := csrfFieldRe.FindSubmatch(b); m != nil {
			token = string(m[1])
		}
		return resp.StatusCode
	}
	do("GET", "/admin/login/", nil)
	if code := do("POST", "/admin/login/", neturl.Values{"username": {"staff@example.com"}, "password": {lifePassword}}); code != http.StatusFound {
		t.Fatalf("admin sign-in: %d, want 302", code)
	}
	page := "/admin/core/user/" + w.victimID
	var form neturl.Values
	switch action {
	case "deactivate":
		page += "/change/"
		form = neturl.Values{"name": {"victim"}}
	case "reactivate":
		page += "/change/"
		form = neturl.Values{"name": {"victim"}, "is_active": {"on"}}
	case "deleteuser":
		page += "/delete/"
		form = neturl.Values{"post": {"yes"}}
	}
	do("GET", page, nil)
	if code := do("POST", page, form); code != http.StatusFound {
		t.Fatalf("admin %s: %d, want 302", action, code)
	}
}

// lifeClient is a browser on the GraphQL API.
type lifeClient struct {
	*client
}

func (w *lifeWorld) newClient(t *testing.T) *lifeClient {
	c := &lifeClient{newClient(t, w.m.URL())}
	resp, err := c.http.Get(w.m.URL() + "/api/csrf/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
}

// gqlErrors runs an operation and returns its error messages joined by
// "; ", "" when there are none.
func (c *lifeClient) gqlErrors(t *testing.T, query string) string {
	t.Helper()
	_, out := c.graphql(query, nil, true)
	return errorText(out)
}

func errorText(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	var msgs []string
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			msgs = append(msgs, fmt.Sprint(m["message"]))
		}
	}
	return strings.Join(msgs, "; ")
}

// must runs an operation that must succeed and returns its data as JSON text.
func (c *lifeClient) must(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	code, out := c.graphql(query, vars, true)
	if code != 200 || out["errors"] != nil {
		t.Fatalf("%s: %d %v", query, code, out)
	}
	b, _ := json.Marshal(out["data"])
	return string(b)
}

func (c *lifeClient) login(t *testing.T, email string) string {
	t.Helper()
	_, out := c.graphql(`mutation($e:String!,$p:String!){tokenAuth(email:$e,password:$p){success}}`,
		map[string]any{"e": email, "p": lifePassword}, true)
	return errorText(out)
}

// lifeSocket is an open chat socket read by its own goroutine.
type lifeSocket struct {
	ws     *websocket.Conn
	frames chan string
	err    error
}

func (w *lifeWorld) dial(t *testing.T, c *lifeClient, host string) *lifeSocket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(w.m.URL(), "http")+"/ws/chat/"+host+"/home", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://localhost"}, "Cookie": {"JWT=" + c.cookie("JWT")}},
	})
	if err != nil {
		t.Fatalf("dial %s/home: %v", host, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	s := &lifeSocket{ws: ws, frames: make(chan string, 64)}
	go func() {
		defer close(s.frames)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				s.err = err
				return
			}
			s.frames <- string(b)
		}
	}()
	return s
}

func (s *lifeSocket) send(t *testing.T, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("send: %v", err)
	}
}

var errNoFrame = errors.New("no frame within 10s")

func (s *lifeSocket) read() (string, error) {
	select {
	case f, ok := <-s.frames:
		if !ok {
			return "", s.err
		}
		return f, nil
	case <-time.After(10 * time.Second):
		return "", errNoFrame
	}
}

func (s *lifeSocket) next(t *testing.T) string {
	t.Helper()
	f, err := s.read()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

// wantClosed reads until the socket closes and checks the close code.
func (s *lifeSocket) wantClosed(t *testing.T, code websocket.StatusCode) {
	t.Helper()
	for {
		_, err := s.read()
		if errors.Is(err, errNoFrame) {
			t.Fatalf("socket still open, want closed with %d", code)
		}
		if err != nil {
			if got := websocket.CloseStatus(err); got != code {
				t.Fatalf("closed with %d (%v), want %d", got, err, code)
			}
			return
		}
	}
}

// wantOpen sends a message and expects its echo.
func (s *lifeSocket) wantOpen(t *testing.T) {
	t.Helper()
	s.send(t, `{"type":"text","message":"still here"}`)
	for {
		f := s.next(t)
		if strings.Contains(f, `"body": "still here"`) {
			return
		}
	}
}

// TestMain_AccountCommands runs the account commands on SQLite without
// Redis: what they print, the confirmation of deleteuser, unknown users.
func TestMain_AccountCommands(t *testing.T) {
	env := testEnv(t, "DJANGO_SUPERUSER_EMAIL", "ann@example.com", "DJANGO_SUPERUSER_USERNAME", "ann",
		"DJANGO_SUPERUSER_NAME", "Ann", "LOG_LEVEL", "info", "SECRET_KEY", "account-commands-test")
	run := func(stdin string, args ...string) (string, string, int) {
		m, out, errOut := newMain(env, stdin)
		code := m.Exec(context.Background(), args)
		return out.String(), errOut.String(), code
	}
	if _, errOut, code := run("", "createsuperuser", "--noinput"); code != ExitOK {
		t.Fatalf("createsuperuser exit=%d: %s", code, errOut)
	}
	for _, tt := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		out    string // in stdout
		errOut string // in stderr
		active *bool  // ann's state afterwards; nil: deleted
	}{
		{name: "Deactivate", args: []string{"deactivate", "ann@example.com"}, out: "User ann@example.com (ann) deactivated.",
			errOut: "no REDIS_URL", active: ptr(false)},
		{name: "ReactivateByUsername", args: []string{"reactivate", "ann"}, out: "User ann@example.com (ann) reactivated.", active: ptr(true)},
		{name: "ErrUnknownEmail", args: []string{"deactivate", "nobody@example.com"}, code: ExitFailure,
			errOut: "edusphere: no user with email \"nobody@example.com\"\n", active: ptr(true)},
		{name: "ErrUnknownID", args: []string{"deleteuser", "--noinput", "00000000-0000-4000-8000-000000000000"}, code: ExitFailure,
			errOut: `no user with id`, active: ptr(true)},
		{name: "ErrDeleteNotConfirmed", stdin: "no\n", args: []string{"deleteuser", "ann"}, code: ExitFailure,
			out: "Type 'yes' to continue", errOut: "cancelled; nothing was deleted", active: ptr(true)},
		{name: "DeleteConfirmed", stdin: "yes\n", args: []string{"deleteuser", "ann"}, out: "User ann@example.com (ann) deleted."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.errOut) {
				t.Fatalf("exit=%d stdout=%q stderr=%q, want %d with %q and %q", code, out, errOut, tt.code, tt.out, tt.errOut)
			}
			if lines := strings.Split(strings.TrimSpace(errOut), "\n"); tt.code == ExitFailure && !strings.HasPrefix(lines[len(lines)-1], "edusphere: ") {
				t.Fatalf("stderr=%q, want the failure on one last line", errOut)
			}
			db := sqlite.NewDB(filepath.Join(env["EDUSPHERE_DATA_DIR"], "edusphere.db"))
			if err := db.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			u, err := db.Services().Users.FindUserByEmail(context.Background(), "ann@example.com")
			switch {
			case tt.active == nil && err == nil:
				t.Fatalf("ann still exists, want deleted")
			case tt.active != nil && err != nil:
				t.Fatalf("FindUserByEmail=%v, want ann", err)
			case tt.active != nil && u.IsActive != *tt.active:
				t.Fatalf("IsActive=%v, want %v", u.IsActive, *tt.active)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMain_LogoutEndsSockets logs out through GraphQL and checks that the
// sockets of that session close with 4401 while another session of the
// same user keeps its socket.
func TestMain_LogoutEndsSockets(t *testing.T) {
	w := newLifeWorld(t, "")
	phone := w.newClient(t)
	if errs := phone.login(t, "victim@example.com"); errs != "" {
		t.Fatalf("second log-in: %s", errs)
	}
	other := w.dial(t, phone, "victim")
	if errs := w.victim.gqlErrors(t, `mutation { deleteToken { deleted } }`); errs != "" {
		t.Fatalf("deleteToken: %s", errs)
	}
	w.victimHome.wantClosed(t, 4401)
	w.victimAway.wantClosed(t, 4401)
	other.wantOpen(t)
}

// TestMain_DeactivateWithoutRedis deactivates from the command line next to
// a server on the in-memory broker: no event reaches the server, yet the
// revocation it reads from the database closes the user's sockets (4401).
func TestMain_DeactivateWithoutRedis(t *testing.T) {
	w := newLifeWorld(t, "")
	w.viaCLI(t, "deactivate")
	w.victimHome.wantClosed(t, 4401)
	w.victimAway.wantClosed(t, 4401)
	w.friendHome.wantOpen(t)
	if errs := w.victim.gqlErrors(t, `{ me { username } }`); errs != "User is disabled" {
		t.Fatalf("me: %q, want User is disabled", errs)
	}
}
