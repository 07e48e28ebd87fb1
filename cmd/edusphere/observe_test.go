package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// scrape returns every sample of a Prometheus text page by its series
// name with labels, e.g. `edusphere_ws_connections` or
// `edusphere_chat_frames_received_total{kind="text"}`.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s=%d, want 200", url, res.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// chatSession logs in as a new user through c, creates a room, opens its
// socket and sends body; it returns the socket after its own frame came back.
func chatSession(t *testing.T, c *client, base, email, username, password, room, body string) *websocket.Conn {
	t.Helper()
	if res, err := c.http.Get(base + "/api/csrf/"); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	register := `mutation RegisterUser($e:String!,$u:String!,$p:String!){registerUser(email:$e,username:$u,name:"Ops",password1:$p,password2:$p){success}}`
	if code, out := c.graphql(register, map[string]any{"e": email, "u": username, "p": password}, true); code != 200 || out["errors"] != nil {
		t.Fatalf("registerUser=%d %v", code, out)
	}
	login := `mutation TokenAuth($e:String!,$p:String!){tokenAuth(email:$e,password:$p){payload}}`
	if code, out := c.graphql(login, map[string]any{"e": email, "p": password}, true); code != 200 || out["errors"] != nil {
		t.Fatalf("tokenAuth=%d %v", code, out)
	}
	create := `mutation CreateRoom($n:String!){createRoom(name:$n,topicName:"Ops",description:""){room{slug}}}`
	if code, out := c.graphql(create, map[string]any{"n": room}, true); code != 200 || out["errors"] != nil {
		t.Fatalf("createRoom=%d %v", code, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slug := strings.ToLower(strings.ReplaceAll(room, " ", "-"))
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/chat/"+username+"/"+slug, &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://localhost"}, "Cookie": {"JWT=" + c.cookie("JWT")}},
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"text","message":"`+body+`"}`)); err != nil {
		t.Fatal(err)
	}
	if _, frame, err := ws.Read(ctx); err != nil || !strings.Contains(string(frame), body) {
		t.Fatalf("frame=%s, %v, want the message back", frame, err)
	}
	return ws
}

// TestMain_Metrics serves /metrics on its own address (METRICS_ADDR) and
// checks that the series appear and move after a GraphQL request and a
// chat message.
func TestMain_Metrics(t *testing.T) {
	m := MustRunMain(t, testEnv(t, "METRICS_ADDR", "127.0.0.1:0", "REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0"))
	metricsURL := m.app.server.MetricsURL() + "/metrics"
	if code, _ := get(t, m.URL()+"/metrics", ""); code != 404 {
		t.Fatalf("GET /metrics on the public address=%d, want 404 with METRICS_ADDR set", code)
	}
	before := scrape(t, metricsURL)

	c := newClient(t, m.URL())
	chatSession(t, c, m.URL(), "ops@example.com", "ops", "correct horse battery", "Ops Room", "hello metrics")
	after := scrape(t, metricsURL)

	moved := []struct {
		series string
		by     float64 // at least
	}{
		{`edusphere_http_requests_total{code="200",method="POST",route="graphql"}`, 3},
		{`edusphere_http_request_duration_seconds_count{method="POST",route="graphql"}`, 3},
		{`edusphere_graphql_operation_duration_seconds_count{operation="TokenAuth",outcome="ok"}`, 1},
		{`edusphere_graphql_operation_duration_seconds_count{operation="CreateRoom",outcome="ok"}`, 1},
		{`edusphere_chat_frames_received_total{kind="text"}`, 1},
		{`edusphere_chat_messages_persisted_total`, 1},
		{`edusphere_chat_batches_total`, 1},
		{`edusphere_chat_batch_ops_total`, 1},
		{`edusphere_chat_frames_delivered_total`, 1},
		{`edusphere_chat_delivery_seconds_count`, 1},
		{`edusphere_broker_publish_seconds_count`, 1},
		{`edusphere_ws_connections`, 1},
		{`edusphere_db_statements_total`, 1},
		{`edusphere_sqlite_checkpoints_total`, 1},
	}
	// A frame is counted as delivered once its write returns, which may be
	// just after the client read it: scrape again for a while before
	// calling a series stuck.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		short := false
		for _, mv := range moved {
			short = short || after[mv.series]-before[mv.series] < mv.by
		}
		if !short {
			break
		}
		time.Sleep(50 * time.Millisecond)
		after = scrape(t, metricsURL)
	}
	for _, mv := range moved {
		if got := after[mv.series] - before[mv.series]; got < mv.by {
			t.Errorf("%s moved by %v, want at least %v", mv.series, got, mv.by)
		}
	}
	for _, series := range []string{
		`edusphere_db_connections_max{pool="sqlite_readers"}`,
		`edusphere_db_connections_max{pool="sqlite_writer"}`,
		`edusphere_broker_publish_errors_total`,
	} {
		if _, ok := after[series]; !ok {
			t.Errorf("%s missing", series)
		}
	}
	// No label takes an id or a path: every label value is from a fixed set.
	idLike := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-|/ws/chat/|ops-room`)
	for series := range after {
		if idLike.MatchString(series) {
			t.Errorf("series %s carries an unbounded label", series)
		}
	}
}

// TestMain_LogsCarryNoSecrets runs a log-in, a refresh, a chat message and
// a failed mutation with every log at debug level, the GraphQL operation
// log in its own file, then scans every line for the secrets involved.
func TestMain_LogsCarryNoSecrets(t *testing.T) {
	opLogPath := filepath.Join(t.TempDir(), "graphql.log")
	env := testEnv(t, "LOG_LEVEL", "debug", "GRAPHQL_LOG_FILE", opLogPath, "REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0")
	m, _, stderr := newMain(env, "")
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			m.Close()
		}
	})
	base := m.URL()
	const (
		password = "Zebra-Quantum-Password-4417"
		body     = "private-body-Xylophone-9921"
	)
	c := newClient(t, base)
	ws := chatSession(t, c, base, "quiet@example.com", "quiet", password, "Quiet Room", body)
	secrets := map[string]string{
		"password":      password,
		"message body":  body,
		"JWT cookie":    c.cookie("JWT"),
		"refresh token": c.cookie("JWT-refresh-token"),
		"CSRF token":    c.cookie("csrftoken"),
	}
	refresh := `mutation RefreshToken { refreshToken { token } }`
	if code, out := c.graphql(refresh, nil, true); code != 200 || out["errors"] != nil {
		t.Fatalf("refreshToken=%d %v, want a token", code, out)
	} else if tok, _ := out["data"].(map[string]any)["refreshToken"].(map[string]any)["token"].(string); tok == "" {
		t.Fatalf("refreshToken=%v, want a token", out)
	} else {
		secrets["refreshed token"] = tok
	}
	secrets["refreshed JWT cookie"] = c.cookie("JWT")
	secrets["rotated refresh token"] = c.cookie("JWT-refresh-token")
	failed := `mutation TokenAuth($e:String!,$p:String!){tokenAuth(email:$e,password:$p){payload}}`
	if code, out := c.graphql(failed, map[string]any{"e": "quiet@example.com", "p": password + "-wrong"}, true); code != 200 || out["errors"] == nil {
		t.Fatalf("tokenAuth with a wrong password=%d %v, want an error", code, out)
	}
	ws.Close(websocket.StatusNormalClosure, "done")
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed = true

	opLog, err := os.ReadFile(opLogPath)
	if err != nil {
		t.Fatal(err)
	}
	main := stderr.String()
	for name, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s: empty, the test lost it", name)
		}
		for file, text := range map[string]string{"main log": main, "GraphQL log": string(opLog)} {
			if strings.Contains(text, secret) {
				t.Errorf("%s carries the %s", file, name)
			}
		}
	}
	// The lines are there: requests, the socket session, and every
	// operation in the GraphQL log only.
	for _, want := range []string{`msg="http request"`, `msg="websocket open"`, `msg="websocket closed"`, `reason=peer`} {
		if !strings.Contains(main, want) {
			t.Errorf("main log lacks %s", want)
		}
	}
	if strings.Contains(main, "graphql operation") {
		t.Errorf("main log has operation lines; want them in GRAPHQL_LOG_FILE only")
	}
	for _, want := range []string{"operation=TokenAuth", "operation=RefreshToken", "outcome=error", "Please enter valid credentials", "user="} {
		if !strings.Contains(string(opLog), want) {
			t.Errorf("GraphQL log lacks %s:\n%s", want, opLog)
		}
	}
}
