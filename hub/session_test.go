package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/redis"
	"github.com/edusphere/edusphere/testdb"
)

// TestSessionEnds checks, with a stand-in auth service, how a socket
// follows its session: a revocation event closes the sockets of the
// sessions it denies, an expired token closes its socket unless renewed,
// and a revocation the hub never heard of is found by the periodic check.
func TestSessionEnds(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{SessionCheck: 50 * time.Millisecond}, nil)
	f := newFixture(t, h.Services)
	dial := func(iat, ttl string) *client {
		t.Helper()
		ws, _, err := e.dialRaw(dialOpts{path: "/ws/chat/ada/" + f.room.Slug, cookie: f.bob.ID.String() + "/" + iat + "/" + ttl})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return (&client{t: t, ws: ws}).start()
	}
	revoke := func(origIat int64) {
		if err := e.broker.Publish(context.Background(), edusphere.SystemChannel, edusphere.Event{
			Type: edusphere.EventSessionRevoked, UserID: f.bob.ID,
			Revocation: &edusphere.Revocation{UserID: f.bob.ID, OrigIat: origIat, Created: time.Now(), Expires: time.Now().Add(time.Hour)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	wantOpen := func(c *client) {
		t.Helper()
		c.send(t, `{"message":"alive"}`)
		for {
			if m := c.readJSON(t); m["body"] == "alive" {
				return
			}
		}
	}

	t.Run("RevokedSessionOnly", func(t *testing.T) {
		one, two := dial("100", "3600"), dial("200", "3600")
		revoke(100)
		if code := one.expectClose(t); code != hub.StatusSessionEnded {
			t.Fatalf("close code=%d, want %d", code, hub.StatusSessionEnded)
		}
		wantOpen(two)
	})
	t.Run("UserWideRevocation", func(t *testing.T) {
		one, two := dial("300", "3600"), dial("400", "3600")
		revoke(0)
		for _, c := range []*client{one, two} {
			if code := c.expectClose(t); code != hub.StatusSessionEnded {
				t.Fatalf("close code=%d, want %d", code, hub.StatusSessionEnded)
			}
		}
	})
	t.Run("Expired", func(t *testing.T) {
		start := time.Now() // the token's 0.3 s start when the handshake reads it
		c := dial("500", "0.3")
		if code := c.expectClose(t); code != hub.StatusSessionEnded {
			t.Fatalf("close code=%d, want %d", code, hub.StatusSessionEnded)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Fatalf("closed after %v, before the token expired", d)
		}
	})
	t.Run("Renewed", func(t *testing.T) {
		c := dial("600", "0.3")
		e.auth.renew(600, time.Now().Add(time.Hour))
		time.Sleep(600 * time.Millisecond) // past the first token's expiry, several checks
		wantOpen(c)
	})
	t.Run("RevokedWithoutEvent", func(t *testing.T) {
		c := dial("700", "3600")
		e.auth.revoke(700)
		if code := c.expectClose(t); code != hub.StatusSessionEnded {
			t.Fatalf("close code=%d, want %d", code, hub.StatusSessionEnded)
		}
	})
}

// authProcess is one server process for TestSessionSocketsEverywhere: its
// own Redis broker, auth service and hub over a shared database.
type authProcess struct {
	auth *auth.Service
	hub  *hub.Hub
	url  string
}

func newAuthProcess(t *testing.T, h *testdb.Handle, redisURL, prefix string, cfg auth.Config) *authProcess {
	t.Helper()
	ctx := context.Background()
	b := redis.NewBroker(redis.Config{URL: redisURL, Prefix: prefix, HealthInterval: 300 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	if err := b.Open(ctx); err != nil {
		t.Fatalf("open redis broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	cfg.SigningKey, cfg.SecretKey, cfg.Broker = []byte("session-test-signing-key"), []byte("session-test-secret"), b
	a := auth.New(cfg, h.Services.Users, h.Services.Sessions)
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	hb := hub.New(hub.Config{Broker: b, Store: h.Services, Auth: a, SessionCheck: 100 * time.Millisecond})
	srv := httptest.NewServer(hb)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hb.Shutdown(ctx)
		srv.Close()
	})
	return &authProcess{auth: a, hub: hb, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// dial opens a socket to room with token as the JWT cookie.
func (p *authProcess) dial(t *testing.T, path, token string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, p.url+path, &websocket.DialOptions{HTTPHeader: http.Header{
		"Origin": {"http://localhost"}, "Cookie": {"JWT=" + token}}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return (&client{t: t, ws: ws}).start()
}

// TestSessionSocketsEverywhere runs two processes on one database and one
// Redis with the real auth service, and checks that log-out, an expired
// access token and a replayed refresh token end the session's sockets in
// both processes with 4401, while renewal keeps them open and another
// session of the same user is untouched.
func TestSessionSocketsEverywhere(t *testing.T) {
	redisURL, prefix := testdb.Redis(t)
	h := testdb.SQLite(t)
	f := newFixture(t, h.Services)
	ctx := context.Background()
	hash, err := auth.HashPassword("Tr1cky-Horse-42")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Services.Users.UpdateUser(ctx, f.bob.ID, edusphere.UserUpdate{Password: &hash}); err != nil {
		t.Fatal(err)
	}
	// p1 and p2 issue access tokens that outlive the test, so a slow log-in
	// on a loaded machine cannot expire them between log-in and dial; e1
	// and e2 issue tokens that live three seconds (exp is whole seconds:
	// two to three after issue), so expiry is quick to see. A rotated
	// refresh token is a replay at once.
	long := auth.Config{AccessTTL: time.Hour, RefreshGrace: time.Nanosecond}
	short := auth.Config{AccessTTL: 3 * time.Second, RefreshGrace: time.Nanosecond}
	p1, p2 := newAuthProcess(t, h, redisURL, prefix, long), newAuthProcess(t, h, redisURL, prefix, long)
	e1, e2 := newAuthProcess(t, h, redisURL, prefix, short), newAuthProcess(t, h, redisURL, prefix, short)
	loginAt := func(p *authProcess) *auth.Login {
		t.Helper()
		l, err := p.auth.Login(ctx, f.bob.Email, "Tr1cky-Horse-42", auth.ClientMeta{})
		if err != nil {
			t.Fatalf("Login=%v", err)
		}
		return l
	}
	login := func() *auth.Login { t.Helper(); return loginAt(p1) }
	room := "/ws/chat/ada/" + f.room.Slug
	wantEnded := func(cs ...*client) {
		t.Helper()
		for _, c := range cs {
			if code := c.expectClose(t); code != hub.StatusSessionEnded {
				t.Fatalf("close code=%d, want %d", code, hub.StatusSessionEnded)
			}
		}
	}
	wantOpen := func(c *client, body string) {
		t.Helper()
		c.send(t, `{"message":"`+body+`"}`)
		for {
			s, err := c.tryRead(5 * time.Second)
			if err != nil {
				t.Fatalf("socket: %v, want it open", err)
			}
			if strings.Contains(s, `"body": "`+body+`"`) {
				return
			}
		}
	}

	t.Run("LogoutEverywhere", func(t *testing.T) {
		a, b := login(), login()
		a1, a2, b2 := p1.dial(t, room, a.Token), p2.dial(t, room, a.Token), p2.dial(t, room, b.Token)
		if err := p2.auth.Logout(ctx, a.Token, a.RefreshToken); err != nil {
			t.Fatal(err)
		}
		wantEnded(a1, a2)
		wantOpen(b2, "other session")
	})
	t.Run("ExpiryUnlessRenewed", func(t *testing.T) {
		s := loginAt(e1)
		// One socket in each process; the renewal goes through process 1,
		// process 2 hears of it through the broker.
		c1, c2 := e1.dial(t, room, s.Token), e2.dial(t, room, s.Token)
		// A second later, so the renewed token expires at least a second
		// after the first.
		time.Sleep(1200 * time.Millisecond)
		l, err := e1.auth.Refresh(ctx, s.Token, "", auth.ClientMeta{})
		if err != nil {
			t.Fatalf("Refresh=%v", err)
		}
		time.Sleep(time.Until(time.Unix(s.Claims.Exp, 0)) + 300*time.Millisecond) // past the first token's expiry
		wantOpen(c1, "renewed one")
		wantOpen(c2, "renewed two")
		// No further renewal: the sockets end once the new token expires.
		wantEnded(c1, c2)
		if left := time.Until(time.Unix(l.Claims.Exp, 0)); left > 0 {
			t.Fatalf("closed %v before the renewed token expired", left)
		}
	})
	t.Run("ReplayedRefreshToken", func(t *testing.T) {
		s := login()
		c1, c2 := p1.dial(t, room, s.Token), p2.dial(t, room, s.Token)
		if _, err := p1.auth.Refresh(ctx, "", s.RefreshToken, auth.ClientMeta{}); err != nil {
			t.Fatalf("rotation=%v", err)
		}
		time.Sleep(10 * time.Millisecond)
		if _, err := p2.auth.Refresh(ctx, "", s.RefreshToken, auth.ClientMeta{}); err == nil {
			t.Fatalf("replayed refresh token accepted")
		}
		wantEnded(c1, c2)
	})
}
