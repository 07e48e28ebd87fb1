package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chromiumPath is the browser the scripts drive (Debian's chromium).
const chromiumPath = "/usr/bin/chromium"

// Time limits for each step, so a hung server or browser fails the test.
const (
	buildTimeout  = 5 * time.Minute
	healthTimeout = 30 * time.Second
	nodeTimeout   = 10 * time.Minute
	stopTimeout   = 10 * time.Second
)

// requirement skips the test when a tool is missing, except under CI=true.
func requirement(t *testing.T, ok bool, msg string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: browser tests must run)", msg)
	}
	t.Skipf("skipping browser tests: %s", msg)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping browser tests in -short mode")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	root := filepath.Dir(dir)
	requirement(t, exists(chromiumPath), chromiumPath+" is missing (apt-get install chromium)")
	requirement(t, exists(filepath.Join(dir, "node_modules", "playwright-core")), "e2e/node_modules is missing (cd e2e && npm ci)")
	requirement(t, exists(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")), "e2e/node_modules/axe-core is missing (cd e2e && npm ci)")
	node, err := exec.LookPath("node")
	requirement(t, err == nil, "node is not on PATH")

	scripts, err := filepath.Glob(filepath.Join(dir, "*.mjs"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("Glob(*.mjs)=%v, %v, want test scripts", scripts, err)
	}
	sort.Strings(scripts)
	// E2E_ONLY (a comma-separated list of script names, e.g.
	// "journeys.test.mjs") runs only those scripts, for working on one.
	if only := os.Getenv("E2E_ONLY"); only != "" {
		scripts = onlyScripts(scripts, strings.Split(only, ","))
		if len(scripts) == 0 {
			t.Fatalf("E2E_ONLY=%q names no script in %s", only, dir)
		}
	}

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "edusphere")
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), buildTimeout)
	defer cancelBuild()
	build := exec.CommandContext(buildCtx, "go", "build", "-o", bin, "./cmd/edusphere")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build ./cmd/edusphere: %v\n%s", err, out)
	}

	base, serverEnv := startServer(t, bin, tmp)
	t.Logf("server at %s", base)

	shots := filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatalf("mkdir screenshots: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodeTimeout)
	defer cancel()
	args := append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, scripts...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	// EDUSPHERE_BIN and EDUSPHERE_ENV_JSON let scripts run the binary's
	// other commands (createsuperuser) against the same data directory.
	envJSON, err := json.Marshal(serverEnv)
	if err != nil {
		t.Fatalf("marshal server env: %v", err)
	}
	cmd.Env = append(os.Environ(),
		"BASE_URL="+base,
		"EDUSPHERE_BIN="+bin,
		"EDUSPHERE_ENV_JSON="+string(envJSON),
		// The same two under the names admin.test.mjs reads.
		"E2E_BIN="+bin,
		"E2E_DATA_DIR="+serverEnv["EDUSPHERE_DATA_DIR"],
		"CHROMIUM_PATH="+chromiumPath,
		"SCREENSHOT_DIR="+shots,
	)
	cmd.Stdout = &testWriter{t: t, prefix: "node: "}
	cmd.Stderr = &testWriter{t: t, prefix: "node: "}
	if err := cmd.Run(); err != nil {
		t.Fatalf("node --test: %v", err)
	}
}

// startServer runs the binary on a free port and waits for /healthz. The
// process is stopped (SIGTERM, then SIGKILL) by its pid at cleanup. It
// returns the base URL and the settings the server runs with.
func startServer(t *testing.T, bin, tmp string) (string, map[string]string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr

	data := filepath.Join(tmp, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatalf("mkdir data: %v", err)
	}
	settings := map[string]string{
		"EDUSPHERE_ADDR":       addr,
		"EDUSPHERE_DATA_DIR":   data,
		"EDUSPHERE_ENV":        "development",
		"SECRET_KEY":           "e2e-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
		"ALLOWED_HOSTS":        "127.0.0.1,localhost",
		"CSRF_TRUSTED_ORIGINS": base,
		"LOGIN_RATE_LIMIT":     "0",
		"REGISTER_RATE_LIMIT":  "0",
		"WS_RATE_LIMIT":        "0",
		"LOG_LEVEL":            "warn",
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = tmp // no stray ./.env
	cmd.Env = cleanEnv()
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &testWriter{t: t, prefix: "server: "}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logs.close()
	})

	deadline := time.Now().Add(healthTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case err := <-done:
			t.Fatalf("server exited before it was healthy: %v", err)
		default:
		}
		res, err := client.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, settings
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy at %s/healthz after %v: %v", base, healthTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cleanEnv is the environment without settings that would change how the
// server under test behaves (databases, brokers, secrets of the caller).
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "EDUSPHERE_"), strings.HasPrefix(name, "DB_"), strings.HasPrefix(name, "REDIS_"),
			name == "DATABASE_URL", name == "SECRET_KEY", name == "JWT_SECRET_KEY", name == "DEBUG",
			name == "CORS_ALLOWED_ORIGINS", name == "EDUSPHERE_PUBLIC_URL", name == "SECURE_COOKIES":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// testWriter streams a child's output into the test log line by line.
type testWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
	closed bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			break
		}
		w.t.Log(w.prefix + string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.t.Log(w.prefix + string(w.buf))
	}
	w.closed = true
}

// onlyScripts keeps the scripts whose base name is in names.
func onlyScripts(scripts, names []string) []string {
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[strings.TrimSpace(n)] = true
	}
	var out []string
	for _, s := range scripts {
		if keep[filepath.Base(s)] {
			out = append(out, s)
		}
	}
	return out
}
