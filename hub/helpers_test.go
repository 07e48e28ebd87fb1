package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// env is one chat server over loopback: a hub on a test database.
type env struct {
	t        testing.TB
	hub      *hub.Hub
	srv      *httptest.Server
	broker   edusphere.Broker
	auth     *fakeAuth
	raw      edusphere.Services // the store, publishing nothing
	services edusphere.Services // wrapped by the hub's notifier
	notifier *hub.Notifier
	db       *testdb.Handle
}

// fakeAuth authenticates a test user by a JWT cookie that is simply their
// id, optionally followed by "/<origIat>/<seconds to expiry>" (default: session
// 1, an hour); it applies the contract's Origin rule, records system events,
// and answers CheckSession from what tests set with renew and revoke.
type fakeAuth struct {
	users edusphere.UserService

	mu      sync.Mutex
	events  []edusphere.Event
	renewed map[int64]time.Time // by origIat
	revoked map[int64]bool
}

func (a *fakeAuth) AuthenticateSession(ctx context.Context, cookie string) (*edusphere.User, edusphere.Session, error) {
	parts := strings.Split(cookie, "/")
	id, err := uuid.Parse(parts[0])
	if err != nil {
		return nil, edusphere.Session{}, err
	}
	s := edusphere.Session{UserID: id, OrigIat: 1, Expires: time.Now().Add(time.Hour)}
	if len(parts) == 3 {
		iat, _ := strconv.ParseInt(parts[1], 10, 64)
		secs, _ := strconv.ParseFloat(parts[2], 64)
		s.OrigIat, s.Expires = iat, time.Now().Add(time.Duration(secs*float64(time.Second)))
	}
	u, err := a.users.FindUserByID(ctx, id)
	if err != nil {
		return nil, edusphere.Session{}, err
	}
	if !u.IsActive {
		return nil, edusphere.Session{}, errors.New("User is disabled")
	}
	return u, s, nil
}

func (a *fakeAuth) CheckSession(s edusphere.Session) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.renewed[s.OrigIat], a.revoked[s.OrigIat]
}

// renew makes CheckSession report the session origIat valid until exp.
func (a *fakeAuth) renew(origIat int64, exp time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.renewed == nil {
		a.renewed = map[int64]time.Time{}
	}
	a.renewed[origIat] = exp
}

// revoke makes CheckSession report the session origIat revoked.
func (a *fakeAuth) revoke(origIat int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.revoked == nil {
		a.revoked = map[int64]bool{}
	}
	a.revoked[origIat] = true
}

func (a *fakeAuth) OriginAllowed(origin string) bool { return hub.LocalOrigin(origin) }

func (a *fakeAuth) HandleEvent(ev edusphere.Event) {
	a.mu.Lock()
	a.events = append(a.events, ev)
	a.mu.Unlock()
}

// systemEvents returns the system events the hub passed on so far.
func (a *fakeAuth) systemEvents() []edusphere.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]edusphere.Event(nil), a.events...)
}

// newEnv starts a hub over h with cfg and broker (inmem when nil). The JWT
// cookie of a test user is simply their id.
func newEnv(t testing.TB, h *testdb.Handle, cfg hub.Config, broker edusphere.Broker) *env {
	t.Helper()
	if broker == nil {
		broker = inmem.NewBroker()
		t.Cleanup(func() { broker.Close() })
	}
	e := &env{t: t, broker: broker, raw: h.Services, db: h, auth: &fakeAuth{users: h.Services.Users}}
	notifier := hub.NewNotifier(broker, nil)
	cfg.Broker, cfg.Store, cfg.Notifier, cfg.Auth = broker, h.Services, notifier, e.auth
	e.hub = hub.New(cfg)
	e.services = notifier.Wrap(h.Services)
	e.notifier = notifier
	mux := http.NewServeMux()
	mux.Handle("/ws/chat/", e.hub)
	mux.Handle("/ws/v2", e.hub.V2())
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.hub.Shutdown(ctx)
		e.srv.Close()
	})
	return e
}

// fixture is two users, a room hosted by ada that bob joined, and a room
// hosted by ada alone.
type fixture struct {
	ada, bob, eve *edusphere.User
	room, other   *edusphere.Room
}

func newFixture(t testing.TB, s edusphere.Services) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{
		ada: testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: "ada"}),
		bob: testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: "bob"}),
		eve: testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: "eve"}),
	}
	f.room = testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: f.ada.ID, Name: "Go Study", TopicName: "Go"})
	f.other = testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: f.ada.ID, Name: "Other", TopicName: "Go"})
	if _, err := s.Rooms.JoinRoom(ctx, f.room.ID, f.bob.ID); err != nil {
		t.Fatalf("JoinRoom=%v, want nil", err)
	}
	return f
}

// dialOpts describes one handshake.
type dialOpts struct {
	path   string // default /ws/chat/ada/<room slug>
	origin string // default http://localhost:5173; "-" sends none
	cookie string // JWT cookie; "" sends none
}

func (e *env) dialRaw(o dialOpts) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	switch o.origin {
	case "":
		h.Set("Origin", "http://localhost:5173")
	case "-":
	default:
		h.Set("Origin", o.origin)
	}
	if o.cookie != "" {
		h.Set("Cookie", "csrftoken=x; JWT="+o.cookie)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+o.path, &websocket.DialOptions{HTTPHeader: h})
}

// dial opens a socket to room as u, reading, and fails the test on error.
func (e *env) dial(u *edusphere.User, room *edusphere.Room) *client {
	e.t.Helper()
	return e.dialNoRead(u, room).start()
}

// dialNoRead opens a socket whose frames are not read until start.
func (e *env) dialNoRead(u *edusphere.User, room *edusphere.Room) *client {
	e.t.Helper()
	host, err := e.raw.Users.FindUserByID(context.Background(), room.HostID)
	if err != nil {
		e.t.Fatalf("find host: %v", err)
	}
	ws, res, err := e.dialRaw(dialOpts{path: "/ws/chat/" + host.Username + "/" + room.Slug, cookie: u.ID.String()})
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		e.t.Fatalf("dial as %s: %v (HTTP %d)", u.Username, err, code)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: e.t, ws: ws}
	e.t.Cleanup(func() { ws.CloseNow() })
	return c
}

// client is a test's end of one socket. A timed-out Read would close the
// socket, so one goroutine reads and the test waits on its channel.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	frames chan string
	err    error // set before frames is closed
}

// start begins reading; dial's callers call it unless they want a peer
// that does not read.
func (c *client) start() *client {
	c.frames = make(chan string, 1<<16)
	go func() {
		defer close(c.frames)
		for {
			_, b, err := c.ws.Read(context.Background())
			if err != nil {
				c.err = err
				return
			}
			c.frames <- string(b)
		}
	}()
	return c
}

func (c *client) send(t testing.TB, frame string) {
	t.Helper()
	c.sendType(t, websocket.MessageText, frame)
}

func (c *client) sendType(t testing.TB, typ websocket.MessageType, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, typ, []byte(frame)); err != nil {
		t.Fatalf("send %s: %v", frame, err)
	}
}

// read returns the next frame, failing after 5 s.
func (c *client) read(t testing.TB) string {
	t.Helper()
	s, err := c.tryRead(5 * time.Second)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return s
}

var errSilent = errors.New("no frame")

func (c *client) tryRead(d time.Duration) (string, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case s, ok := <-c.frames:
		if !ok {
			return "", c.err
		}
		return s, nil
	case <-t.C:
		return "", errSilent
	}
}

// readJSON reads the next frame into a map.
func (c *client) readJSON(t testing.TB) map[string]any {
	t.Helper()
	s := c.read(t)
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("frame %q is not a JSON object: %v", s, err)
	}
	return m
}

// expectClose reads until the socket closes and returns the close code.
func (c *client) expectClose(t testing.TB) websocket.StatusCode {
	t.Helper()
	for {
		_, err := c.tryRead(10 * time.Second)
		if err != nil {
			if errors.Is(err, errSilent) {
				t.Fatalf("socket still open after 10s, want closed")
			}
			return websocket.CloseStatus(err)
		}
	}
}

// silent checks that no frame arrives within d.
func (c *client) silent(t testing.TB, d time.Duration) {
	t.Helper()
	if s, err := c.tryRead(d); err == nil {
		t.Fatalf("unexpected frame %s", s)
	}
}

// messages returns the bodies of room's messages, oldest first.
func messages(t testing.TB, s edusphere.Services, room uuid.UUID) []*edusphere.Message {
	t.Helper()
	ms, _, err := s.Messages.FindMessages(context.Background(), edusphere.MessageFilter{RoomID: &room})
	if err != nil {
		t.Fatalf("FindMessages=%v, want nil", err)
	}
	return ms
}

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("frame %q: %v", s, err)
	}
	return m
}
