package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/sqlite"
	"github.com/edusphere/edusphere/testdb"
)

// syncBuffer collects output written from several goroutines.
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

// testEnv is a configuration on a fresh data directory and a free port.
func testEnv(t *testing.T, extra ...string) map[string]string {
	t.Helper()
	env := map[string]string{
		"EDUSPHERE_DATA_DIR": t.TempDir(),
		"EDUSPHERE_ADDR":     "127.0.0.1:0",
		"LOG_LEVEL":          "warn",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

// newMain returns a Main on env with captured output and stdin.
func newMain(env map[string]string, stdin string) (*Main, *syncBuffer, *syncBuffer) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	return &Main{Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errOut, Env: env}, out, errOut
}

// MustRunMain starts serve in-process and closes it when the test ends.
func MustRunMain(t *testing.T, env map[string]string) *Main {
	t.Helper()
	m, _, stderr := newMain(env, "")
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v (stderr: %s)", err, stderr)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

func get(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMain_Serve(t *testing.T) {
	m := MustRunMain(t, testEnv(t))
	base := m.URL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("URL=%q, want http://127.0.0.1:<port>", base)
	}

	tests := []struct {
		name, path, host string
		code             int
		body             string
	}{
		{"Healthz", "/healthz", "", 200, "ok"},
		{"Readyz", "/readyz", "", 200, "ok"},
		{"HostCheckLocalhost", "/healthz", "localhost:8000", 200, "ok"},
		{"ErrHostCheck", "/", "evil.example", 400, "Bad Request (400)"},
		{"WebClient", "/", "", 200, "<"},
		{"ErrUnknownAPI", "/api/nothing/", "", 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, base+tt.path, tt.host)
			if code != tt.code || !strings.Contains(body, tt.body) {
				t.Fatalf("GET %s Code=%d Body=%.200q, want %d containing %q", tt.path, code, body, tt.code, tt.body)
			}
		})
	}
}

func TestMain_DataDirCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	env := testEnv(t)
	env["EDUSPHERE_DATA_DIR"] = dir
	MustRunMain(t, env)
	for _, name := range []string{"edusphere.db", "media", "secret_key"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s: %v, want it created", name, err)
		}
	}
}

func TestMain_MigrateTwice(t *testing.T) {
	env := testEnv(t)
	for i := 0; i < 2; i++ {
		m, _, stderr := newMain(env, "")
		if code := m.Exec(context.Background(), []string{"migrate"}); code != ExitOK {
			t.Fatalf("migrate #%d exit=%d, want 0 (stderr: %s)", i+1, code, stderr)
		}
	}
}

// findUser opens the SQLite database of env and looks the user up.
func findUser(t *testing.T, env map[string]string, email string) *edusphere.User {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(env["EDUSPHERE_DATA_DIR"], "edusphere.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.Services().Users.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("FindUserByEmail(%q): %v", email, err)
	}
	return u
}

func TestMain_CreateSuperuser(t *testing.T) {
	t.Run("OKNoInputFromEnv", func(t *testing.T) {
		env := testEnv(t,
			"DJANGO_SUPERUSER_EMAIL", "root@example.com",
			"DJANGO_SUPERUSER_USERNAME", "The_Root",
			"DJANGO_SUPERUSER_NAME", "Root User",
			"DJANGO_SUPERUSER_PASSWORD", "a long passphrase 42")
		m, out, stderr := newMain(env, "")
		if code := m.Exec(context.Background(), []string{"createsuperuser", "--noinput"}); code != ExitOK {
			t.Fatalf("exit=%d, want 0 (stderr: %s)", code, stderr)
		}
		if !strings.Contains(out.String(), "Superuser created successfully.") {
			t.Fatalf("stdout=%q, want the success line", out)
		}
		u := findUser(t, env, "root@example.com")
		if !u.IsStaff || !u.IsSuperuser || !u.IsActive || u.Username != "the_root" || u.Name != "Root User" {
			t.Fatalf("user=%+v, want an active staff superuser the_root", u)
		}
		if !u.HasUsablePassword() {
			t.Fatalf("Password=%q, want a usable hash", u.Password)
		}

		// The same email again is refused with one line.
		m2, _, stderr2 := newMain(env, "")
		if code := m2.Exec(context.Background(), []string{"createsuperuser", "--noinput", "--username", "other"}); code != ExitFailure {
			t.Fatalf("second exit=%d, want 1", code)
		}
		if got := stderr2.String(); !strings.Contains(got, "That email is already taken.") || strings.Count(strings.TrimSpace(got), "\n") > 1 {
			t.Fatalf("stderr=%q, want one line about the taken email", got)
		}
	})

	t.Run("OKNoInputFlagsWin", func(t *testing.T) {
		env := testEnv(t, "DJANGO_SUPERUSER_EMAIL", "env@example.com")
		m, _, stderr := newMain(env, "")
		code := m.Exec(context.Background(), []string{"createsuperuser", "--noinput",
			"--email", "flag@example.com", "--username", "flag", "--name", "Flag"})
		if code != ExitOK {
			t.Fatalf("exit=%d, want 0 (stderr: %s)", code, stderr)
		}
		if u := findUser(t, env, "flag@example.com"); u.HasUsablePassword() {
			t.Fatalf("Password=%q, want unusable without a password", u.Password)
		}
	})

	t.Run("ErrNoInputMissingEmail", func(t *testing.T) {
		m, _, stderr := newMain(testEnv(t), "")
		if code := m.Exec(context.Background(), []string{"createsuperuser", "--noinput", "--username", "x", "--name", "X"}); code != ExitFailure {
			t.Fatalf("exit=%d, want 1", code)
		}
		if !strings.Contains(stderr.String(), "--email") {
			t.Fatalf("stderr=%q, want the missing --email named", stderr)
		}
	})

	t.Run("OKPromptsWithBypass", func(t *testing.T) {
		env := testEnv(t)
		input := strings.Join([]string{
			"not-an-email", // rejected, asked again
			"ada@example.com",
			"Ada Lovelace", // not a slug, asked again
			"Ada_L",
			"Ada Lovelace",
			"1234", "4321", // mismatch
			"1234", "1234", // fails the validators
			"y", // bypass
		}, "\n") + "\n"
		m, out, stderr := newMain(env, input)
		if code := m.Exec(context.Background(), []string{"createsuperuser"}); code != ExitOK {
			t.Fatalf("exit=%d, want 0 (stderr: %s)", code, stderr)
		}
		for _, want := range []string{"Email: ", "Username: ", "Name: ", "Password: ", "Password (again): ",
			"Bypass password validation and create user anyway? [y/N]: ", "Superuser created successfully."} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("stdout=%q, want it to contain %q", out, want)
			}
		}
		for _, want := range []string{"Error: Enter a valid email address.", "Error: Enter a valid “slug”",
			"Error: Your passwords didn't match.", "This password is too short."} {
			if !strings.Contains(stderr.String(), want) {
				t.Fatalf("stderr=%q, want it to contain %q", stderr, want)
			}
		}
		u := findUser(t, env, "ada@example.com")
		if u.Username != "ada_l" || !u.IsSuperuser {
			t.Fatalf("user=%+v, want superuser ada_l", u)
		}
	})

	t.Run("ErrPromptsInputEnds", func(t *testing.T) {
		m, _, stderr := newMain(testEnv(t), "ada@example.com\n")
		if code := m.Exec(context.Background(), []string{"createsuperuser"}); code != ExitFailure {
			t.Fatalf("exit=%d, want 1", code)
		}
		if !strings.Contains(stderr.String(), "input ended") {
			t.Fatalf("stderr=%q, want input ended", stderr)
		}
	})
}

func TestMain_ParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		command string
		code    int
	}{
		{"OKDefaultServe", nil, "serve", 0},
		{"OKServeAddr", []string{"serve", "--addr", "127.0.0.1:0"}, "serve", 0},
		{"OKFlagsWithoutCommand", []string{"--addr", "127.0.0.1:0"}, "serve", 0},
		{"OKMigrate", []string{"migrate"}, "migrate", 0},
		{"OKVersion", []string{"version"}, "version", 0},
		{"ErrUnknownCommand", []string{"frobnicate"}, "", ExitUsage},
		{"ErrUnknownFlag", []string{"serve", "--nope"}, "", ExitUsage},
		{"ErrExtraArgument", []string{"migrate", "now"}, "", ExitUsage},
		{"OKDeactivate", []string{"deactivate", "ann@example.com"}, "deactivate", 0},
		{"OKDeleteUserNoInput", []string{"deleteuser", "--noinput", "ann"}, "deleteuser", 0},
		{"ErrDeactivateWithoutUser", []string{"deactivate"}, "", ExitUsage},
		{"ErrReactivateTwoUsers", []string{"reactivate", "ann", "bob"}, "", ExitUsage},
		{"ErrNoInputOnlyForDelete", []string{"deactivate", "--noinput", "ann"}, "", ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, _ := newMain(nil, "")
			err := m.ParseFlags(tt.args)
			var ue *UsageError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("err=%v, want nil", err)
			case tt.code == ExitUsage && !errors.As(err, &ue):
				t.Fatalf("err=%v, want a UsageError", err)
			case tt.code == 0 && m.Command != tt.command:
				t.Fatalf("Command=%q, want %q", m.Command, tt.command)
			}
		})
	}
}

// buildBinary compiles the command once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "edusphere-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "edusphere")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

// binary runs the built command in a fresh directory with only env set.
func binary(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		return -1
	}
	return 0
}

func TestBinary_ExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string // substring of the one-line error, "" for none
		stdout string
	}{
		{"OKVersion", nil, []string{"version"}, 0, "", "edusphere "},
		{"OKHelp", nil, []string{"--help"}, 0, "", "Usage:"},
		{"OKCommandHelp", nil, []string{"createsuperuser", "--help"}, 0, "", "--noinput"},
		{"ErrBadFlag", nil, []string{"serve", "--bogus"}, 2, "flag provided but not defined: -bogus", ""},
		{"ErrUnknownCommand", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{"ErrBadConfig", map[string]string{"LOG_LEVEL": "loud"}, []string{"serve"}, 1,
			`edusphere: LOG_LEVEL: want one of debug, info, warn, error, got "loud"`, ""},
		{"ErrProductionWithoutSecret", map[string]string{"EDUSPHERE_ENV": "production"}, []string{"migrate"}, 1,
			"edusphere: SECRET_KEY: required when EDUSPHERE_ENV=production", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := binary(t, tt.env, tt.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := exitCode(cmd.Run())
			if code != tt.code {
				t.Fatalf("exit=%d, want %d (stderr: %s)", code, tt.code, stderr.String())
			}
			if tt.stderr != "" {
				first, _, _ := strings.Cut(stderr.String(), "\n")
				if !strings.Contains(first, tt.stderr) {
					t.Fatalf("stderr=%q, want first line containing %q", stderr.String(), tt.stderr)
				}
				if strings.Contains(stderr.String(), "goroutine ") {
					t.Fatalf("stderr=%q, want no stack trace", stderr.String())
				}
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Fatalf("stdout=%q, want it to contain %q", stdout.String(), tt.stdout)
			}
		})
	}
}

// startBinary runs serve and waits for its "listening" log line.
func startBinary(t *testing.T, env map[string]string, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := binary(t, env, args...)
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(pw, logs)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "url="); i >= 0 && strings.Contains(line, "listening") {
				urlc <- strings.Fields(line[i+4:])[0]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case u := <-urlc:
		return cmd, u, logs
	case <-time.After(20 * time.Second):
		t.Fatalf("no listening line; logs: %s", logs)
	}
	return nil, "", nil
}

func TestBinary_ServeAndSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dataDir := t.TempDir()
	env := map[string]string{"EDUSPHERE_DATA_DIR": dataDir, "EDUSPHERE_ADDR": "127.0.0.1:0"}
	cmd, url, logs := startBinary(t, env)

	if code, body := get(t, url+"/healthz", ""); code != 200 || body != "ok" {
		t.Fatalf("healthz=%d %q, want 200 ok", code, body)
	}

	t.Run("ErrSecondServeSamePort", func(t *testing.T) {
		second := binary(t, map[string]string{"EDUSPHERE_DATA_DIR": dataDir,
			"EDUSPHERE_ADDR": strings.TrimPrefix(url, "http://")})
		var stderr bytes.Buffer
		second.Stderr = &stderr
		code := exitCode(second.Run())
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		last := lines[len(lines)-1]
		if code != 1 || !strings.Contains(last, "address already in use") || !strings.HasPrefix(last, "edusphere: ") {
			t.Fatalf("exit=%d stderr=%q, want 1 and one line with address already in use", code, stderr.String())
		}
	})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Fatalf("exit after SIGTERM=%d, want 0; logs: %s", code, logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM; logs: %s", logs)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Fatalf("logs=%s, want the shutdown line", logs)
	}
}

// client is a browser-like HTTP client of one server: it keeps cookies and
// sends the CSRF header and the same-origin Origin the web client sends.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (c *client) cookie(name string) string {
	u, _ := neturl.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// graphql posts one operation and returns the status and decoded body.
func (c *client) graphql(query string, vars map[string]any, csrf bool) (int, map[string]any) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", c.base+"/graphql/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	if csrf {
		req.Header.Set("X-CSRFToken", c.cookie("csrftoken"))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, out
}

func TestMain_Journey(t *testing.T) {
	m := MustRunMain(t, testEnv(t, "REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0"))
	c := newClient(t, m.URL())

	// Boot: the CSRF bootstrap sets csrftoken.
	resp, err := c.http.Get(m.URL() + "/api/csrf/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"SetCsrfToken": "X-CSRFToken"}` || c.cookie("csrftoken") == "" {
		t.Fatalf("/api/csrf/=%d %q cookie %q, want 200, the body and a csrftoken", resp.StatusCode, b, c.cookie("csrftoken"))
	}

	// A GET query needs no token.
	code, body := get(t, m.URL()+"/graphql/?query=%7Btopics%7Bname%7D%7D", "")
	if code != 200 || !strings.Contains(body, `"data":{"topics":[]}`) {
		t.Fatalf("GET topics=%d %s, want 200 with an empty list", code, body)
	}

	// An unsafe request without the token is refused by CSRF.
	if code, out := c.graphql(`{ topics { name } }`, nil, false); code != 403 {
		t.Fatalf("POST without X-CSRFToken=%d %v, want 403", code, out)
	}

	register := `mutation($e:String!,$u:String!,$n:String!,$p:String!){registerUser(email:$e,username:$u,name:$n,password1:$p,password2:$p){success}}`
	if code, out := c.graphql(register, map[string]any{"e": "ada@example.com", "u": "Ada", "n": "Ada", "p": "correct horse battery"}, true); code != 200 || out["errors"] != nil {
		t.Fatalf("registerUser=%d %v, want success", code, out)
	}
	login := `mutation($e:String!,$p:String!){tokenAuth(email:$e,password:$p){payload}}`
	if code, out := c.graphql(login, map[string]any{"e": "ada@example.com", "p": "correct horse battery"}, true); code != 200 || out["errors"] != nil || c.cookie("JWT") == "" {
		t.Fatalf("tokenAuth=%d %v JWT=%q, want the JWT cookie", code, out, c.cookie("JWT"))
	}
	create := `mutation{createRoom(name:"Room A",topicName:"Go",description:"d"){room{slug}}}`
	if code, out := c.graphql(create, nil, true); code != 200 || !strings.Contains(fmt.Sprint(out), "room-a") {
		t.Fatalf("createRoom=%d %v, want slug room-a", code, out)
	}

	// Chat: the socket authenticates with the JWT cookie and echoes the new message to the room.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(m.URL(), "http")+"/ws/chat/ada/room-a", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://localhost"}, "Cookie": {"JWT=" + c.cookie("JWT")}},
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"text","message":"hello"}`)); err != nil {
		t.Fatal(err)
	}
	_, frame, err := ws.Read(ctx)
	if err != nil || !strings.Contains(string(frame), `"action": "new"`) || !strings.Contains(string(frame), `"body": "hello"`) {
		t.Fatalf("frame=%s, %v, want the new-message frame", frame, err)
	}

	// The message is in the room's history.
	q := neturl.QueryEscape(`{messages(hostSlug:"ada",roomSlug:"room-a"){body}}`)
	if code, body := get(t, m.URL()+"/graphql/?query="+q, ""); code != 200 || !strings.Contains(body, `"body":"hello"`) {
		t.Fatalf("messages=%d %s, want hello", code, body)
	}

	// Metrics count the routes and the open socket.
	_, metrics := get(t, m.URL()+"/metrics", "")
	for _, want := range []string{`edusphere_http_requests_total{code="200",method="POST",route="graphql"}`, "edusphere_ws_connections 1"} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
}

// TestMain_PostgresRedisTwoProcesses runs two servers on one PostgreSQL
// database and one Redis: a message sent through one reaches a socket on
// the other.
func TestMain_PostgresRedisTwoProcesses(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	redisURL, _ := testdb.Redis(t)
	env := func() map[string]string {
		return testEnv(t, "DATABASE_URL", dsn, "REDIS_URL", redisURL, "SECRET_KEY", "shared-secret-for-both-processes",
			"REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0")
	}
	// Both start at once: concurrent migrations must be harmless.
	mains := make([]*Main, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range mains {
		m, _, _ := newMain(env(), "")
		m.ParseFlags(nil)
		mains[i] = m
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = m.Run(context.Background()) }()
	}
	wg.Wait()
	for i, m := range mains {
		t.Cleanup(func() { m.Close() })
		if errs[i] != nil {
			t.Fatalf("Run #%d: %v", i+1, errs[i])
		}
	}
	if code, body := get(t, mains[1].URL()+"/readyz", ""); code != 200 {
		t.Fatalf("readyz=%d %s, want 200", code, body)
	}

	c := newClient(t, mains[0].URL())
	c.http.Get(mains[0].URL() + "/api/csrf/")
	register := `mutation{registerUser(email:"bob@example.com",username:"bob",name:"Bob",password1:"correct horse battery",password2:"correct horse battery"){success}}`
	login := `mutation{tokenAuth(email:"bob@example.com",password:"correct horse battery"){payload}}`
	create := `mutation{createRoom(name:"Shared",topicName:"Go",description:""){room{slug}}}`
	for _, q := range []string{register, login, create} {
		if code, out := c.graphql(q, nil, true); code != 200 || out["errors"] != nil {
			t.Fatalf("%s=%d %v", q, code, out)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	dial := func(m *Main) *websocket.Conn {
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(m.URL(), "http")+"/ws/chat/bob/shared", &websocket.DialOptions{
			HTTPHeader: http.Header{"Origin": {"http://localhost"}, "Cookie": {"JWT=" + c.cookie("JWT")}},
		})
		if err != nil {
			t.Fatalf("Dial %s: %v", m.URL(), err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return ws
	}
	sender, receiver := dial(mains[0]), dial(mains[1])
	// The receiver's subscription travels through Redis; retry the send
	// until a frame arrives, bounded by ctx.
	got := make(chan string, 1)
	go func() {
		_, frame, err := receiver.Read(ctx)
		if err == nil {
			got <- string(frame)
		}
		close(got)
	}()
	for {
		if err := sender.Write(ctx, websocket.MessageText, []byte(`{"type":"text","message":"across"}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case frame, ok := <-got:
			if !ok || !strings.Contains(frame, `"body": "across"`) {
				t.Fatalf("frame=%q, want the message sent on the other process", frame)
			}
			return
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("no frame crossed processes")
		}
	}
}
