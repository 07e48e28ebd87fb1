package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/edusphere/edusphere/testdb"
)

// nginxPath is Debian's nginx (package nginx-light).
const nginxPath = "/usr/sbin/nginx"

// repoFile reads a file of the repository by its path from the root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replaceOnce replaces the one occurrence of old in s, failing when the
// file no longer has exactly one: the test templates these lines.
func replaceOnce(t *testing.T, file, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s has %d occurrences of %q, want exactly 1", file, n, old)
	}
	return strings.Replace(s, old, new, 1)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNginx runs nginx with the repository's site (deploy/nginx) on a
// free loopback port in front of the upstream addresses, and returns its
// base URL. It is stopped by pid at cleanup.
func startNginx(t *testing.T, upstreams [2]string) string {
	t.Helper()
	if _, err := os.Stat(nginxPath); err != nil {
		testdb.Unavailable(t, "nginx (apt-get install nginx-light)", nginxPath, err)
	}
	dir := t.TempDir()
	port := freePort(t)
	site := repoFile(t, "deploy/nginx/edusphere.conf")
	site = replaceOnce(t, "deploy/nginx/edusphere.conf", site, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port))
	upstream := repoFile(t, "deploy/nginx/upstream.conf")
	upstream = replaceOnce(t, "deploy/nginx/upstream.conf", upstream, "127.0.0.1:8001", upstreams[0])
	upstream = replaceOnce(t, "deploy/nginx/upstream.conf", upstream, "127.0.0.1:8002", upstreams[1])
	if err := os.MkdirAll(filepath.Join(dir, "edusphere"), 0o755); err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise run as nobody, who cannot use the
		// temporary directories below.
		user = "user root root;"
	}
	main := fmt.Sprintf(`daemon off;
%[2]s
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 256; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include site.conf;
}
`, dir, user)
	for name, text := range map[string]string{"nginx.conf": main, "site.conf": site, "edusphere/upstream.conf": upstream} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log")}
	if out, err := exec.Command(nginxPath, append([]string{"-t"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginxPath, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(pid, syscall.SIGQUIT) // graceful: the master stops its workers
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(pid, syscall.SIGKILL)
			<-exited
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited; error.log:\n%s", log)
		default:
		}
		res, err := http.Get(base + "/api/csrf/")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx at %s not proxying after 20s: %v\n%s", base, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wsConnections reads edusphere_ws_connections straight from a process.
func wsConnections(t *testing.T, base string) float64 {
	t.Helper()
	return scrape(t, base+"/metrics")["edusphere_ws_connections"]
}

// TestDeploy_NginxTwoProcesses runs the repository's nginx site in front of
// two EduSphere processes sharing PostgreSQL and Redis, and chats through
// it: both users log in with GraphQL through nginx, their sockets land on
// different processes, and each one's message reaches the other.
func TestDeploy_NginxTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs nginx")
	}
	if _, err := os.Stat(nginxPath); err != nil {
		testdb.Unavailable(t, "nginx (apt-get install nginx-light)", nginxPath, err)
	}
	dsn := testdb.PostgresDSN(t)
	redisURL, _ := testdb.Redis(t)
	data := t.TempDir()
	env := map[string]string{
		"EDUSPHERE_ENV":       "production",
		"SECRET_KEY":          "deploy-test-secret-0123456789abcdefghijklmnop",
		"DATABASE_URL":        dsn,
		"REDIS_URL":           redisURL,
		"EDUSPHERE_DATA_DIR":  data,
		"EDUSPHERE_ADDR":      "127.0.0.1:0",
		"TRUSTED_PROXIES":     "127.0.0.1",
		"REGISTER_RATE_LIMIT": "0",
		"LOGIN_RATE_LIMIT":    "0",
	}
	_, first, _ := startBinary(t, env)
	_, second, _ := startBinary(t, env)
	backends := [2]string{strings.TrimPrefix(first, "http://"), strings.TrimPrefix(second, "http://")}
	base := startNginx(t, backends)

	// The operational endpoints stay behind nginx.
	for _, p := range []string{"/metrics", "/readyz", "/healthz"} {
		if code, _ := get(t, base+p, ""); code != 404 {
			t.Fatalf("GET %s through nginx=%d, want 404", p, code)
		}
	}
	// The client is served through nginx.
	if code, body := get(t, base+"/", ""); code != 200 || !strings.Contains(body, "<") {
		t.Fatalf("GET / through nginx=%d, want the web client", code)
	}

	// Both users sign up and log in with GraphQL through nginx.
	users := map[string]*client{}
	for _, name := range []string{"alice", "bob"} {
		c := newClient(t, base)
		if res, err := c.http.Get(base + "/api/csrf/"); err != nil {
			t.Fatal(err)
		} else {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
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
	create := `mutation{createRoom(name:"Proxy Room",topicName:"Ops",description:"behind nginx"){room{slug}}}`
	if code, out := users["alice"].graphql(create, nil, true); code != 200 || out["errors"] != nil {
		t.Fatalf("createRoom=%d %v", code, out)
	}
	join := `mutation{joinRoom(hostSlug:"alice",roomSlug:"proxy-room"){room{name}}}`
	if code, out := users["bob"].graphql(join, nil, true); code != 200 || out["errors"] != nil {
		t.Fatalf("joinRoom=%d %v", code, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(name string) *websocket.Conn {
		t.Helper()
		c := users[name]
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/chat/alice/proxy-room", &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {base}, "Cookie": {"JWT=" + c.cookie("JWT")}},
		})
		if err != nil {
			t.Fatalf("%s: dial through nginx: %v", name, err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return ws
	}
	// counts reads each process's open sockets; waitCounts waits for the
	// hubs to count a socket just opened or closed.
	counts := func() [2]float64 {
		return [2]float64{wsConnections(t, first), wsConnections(t, second)}
	}
	waitCounts := func(total float64) [2]float64 {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; {
			c := counts()
			if c[0]+c[1] == total {
				return c
			}
			if time.Now().After(deadline) {
				t.Fatalf("sockets per process=%v, want %v in all", c, total)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	alice := dial("alice")
	afterAlice := waitCounts(1)
	var bob *websocket.Conn
	for attempt := 0; ; attempt++ {
		bob = dial("bob")
		c := waitCounts(2)
		if c[0] == 1 && c[1] == 1 {
			break
		}
		if attempt == 10 {
			t.Fatalf("sockets per process=%v after %d attempts, want one on each (alice's: %v)", c, attempt+1, afterAlice)
		}
		// Round robin sends the next upgrade to the other process.
		bob.Close(websocket.StatusNormalClosure, "retry")
		waitCounts(1)
	}

	exchange := func(from, to *websocket.Conn, body string) {
		t.Helper()
		if err := from.Write(ctx, websocket.MessageText, []byte(`{"type":"text","message":"`+body+`"}`)); err != nil {
			t.Fatal(err)
		}
		for _, ws := range []*websocket.Conn{from, to} {
			_, frame, err := ws.Read(ctx)
			if err != nil || !strings.Contains(string(frame), `"action": "new"`) || !strings.Contains(string(frame), `"body": "`+body+`"`) {
				t.Fatalf("frame=%s, %v, want the new message %q", frame, err, body)
			}
		}
	}
	exchange(alice, bob, "hello from process one")
	exchange(bob, alice, "and back from process two")

	// Both messages are in the history, read through nginx.
	q := `{messages(hostSlug:"alice",roomSlug:"proxy-room"){body}}`
	if code, out := users["bob"].graphql(q, nil, true); code != 200 || !strings.Contains(fmt.Sprint(out), "and back from process two") {
		t.Fatalf("messages=%d %v, want both messages", code, out)
	}
}
