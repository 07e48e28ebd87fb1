package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere/testdb"
)

// TestBinary_PresenceKilledProcess runs two server processes on one
// PostgreSQL database and one Redis, opens bob's chat socket on the
// second, kills that process with SIGKILL and checks, through the first,
// that bob goes offline within the bound of docs/presence.md (TTL plus one
// heartbeat; the TTL is shortened to 3 s here).
func TestBinary_PresenceKilledProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dsn := testdb.PostgresDSN(t)
	redisURL, _ := testdb.Redis(t)
	env := map[string]string{
		"SECRET_KEY":          "presence-test-secret-0123456789abcdefghijkl",
		"DATABASE_URL":        dsn,
		"REDIS_URL":           redisURL,
		"EDUSPHERE_DATA_DIR":  t.TempDir(),
		"EDUSPHERE_ADDR":      "127.0.0.1:0",
		"REGISTER_RATE_LIMIT": "0",
		"LOGIN_RATE_LIMIT":    "0",
		"PRESENCE_TTL":        "3s",
		"PRESENCE_GRACE":      "500ms",
	}
	_, first, _ := startBinary(t, env)
	second, secondURL, _ := startBinary(t, env)

	users := map[string]*client{}
	for _, name := range []string{"alice", "bob"} {
		c := newClient(t, first)
		res, err := c.http.Get(first + "/api/csrf/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		register := `mutation($e:String!,$u:String!){registerUser(email:$e,username:$u,name:$u,password1:"correct horse battery",password2:"correct horse battery"){success}}`
		login := `mutation($e:String!){tokenAuth(email:$e,password:"correct horse battery"){payload}}`
		vars := map[string]any{"e": name + "@example.com", "u": name}
		for _, q := range []string{register, login} {
			if code, out := c.graphql(q, vars, true); code != 200 || out["errors"] != nil {
				t.Fatalf("%s: %s=%d %v", name, q, code, out)
			}
		}
		users[name] = c
	}
	for _, step := range []struct {
		who, q string
	}{
		{"alice", `mutation{createRoom(name:"Night Shift",topicName:"Ops"){room{slug}}}`},
		{"bob", `mutation{joinRoom(hostSlug:"alice",roomSlug:"night-shift"){room{name}}}`},
	} {
		if code, out := users[step.who].graphql(step.q, nil, true); code != 200 || out["errors"] != nil {
			t.Fatalf("%s=%d %v", step.q, code, out)
		}
	}

	// online returns the usernames alice's process lists as online.
	online := func() []string {
		t.Helper()
		code, out := users["alice"].graphql(`{ room(hostSlug:"alice",roomSlug:"night-shift"){ onlineCount online { username } } }`, nil, true)
		if code != 200 || out["errors"] != nil {
			t.Fatalf("room=%d %v", code, out)
		}
		room := out["data"].(map[string]any)["room"].(map[string]any)
		var names []string
		for _, u := range room["online"].([]any) {
			names = append(names, u.(map[string]any)["username"].(string))
		}
		if n := int(room["onlineCount"].(float64)); n != len(names) {
			t.Fatalf("onlineCount=%d, online=%v", n, names)
		}
		return names
	}
	waitFor := func(want string, bound time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			got := strings.Join(online(), ",")
			if got == want {
				return time.Since(start)
			}
			if time.Since(start) > bound {
				t.Fatalf("online=%q after %v, want %q", got, bound, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(secondURL, "http")+"/ws/chat/alice/night-shift", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://localhost"}, "Cookie": {"JWT=" + users["bob"].cookie("JWT")}},
	})
	if err != nil {
		t.Fatalf("dial the second process: %v", err)
	}
	defer ws.CloseNow()
	waitFor("bob", 10*time.Second)

	// Several heartbeats of the second process keep bob online.
	time.Sleep(4 * time.Second)
	waitFor("bob", 0)

	if err := second.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	second.Wait()
	took := waitFor("", 30*time.Second)
	// TTL 3 s after the last heartbeat (every 1 s), plus one sweep.
	if took > 8*time.Second {
		t.Fatalf("bob offline %v after SIGKILL, want within TTL plus a heartbeat", took)
	}
	t.Logf("offline %v after SIGKILL (PRESENCE_TTL=3s)", took)

	code, out := users["alice"].graphql(`{ user(userSlug:"bob"){ lastSeen } }`, nil, true)
	if code != 200 || out["data"].(map[string]any)["user"].(map[string]any)["lastSeen"] == nil {
		t.Fatalf("bob's lastSeen=%d %v, want a time", code, out)
	}
}
