package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere/server"
)

// named answers with its name, so a test sees which route was taken.
func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	})
}

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

func newServer(logs io.Writer) *server.Server {
	if logs == nil {
		logs = io.Discard
	}
	return &server.Server{
		GraphQL: named("graphql"),
		CSRF:    named("csrf"),
		WS:      named("ws"),
		Admin:   named("admin"),
		Media:   named("media"),
		Web:     named("web"),
		Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
	}
}

// newRequest is httptest.NewRequest with the Host the server allows by default.
func newRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Host = "localhost"
	return r
}

// do sends a request to h and returns the recorded response.
func do(h http.Handler, method, target, host string, body io.Reader) *httptest.ResponseRecorder {
	r := newRequest(method, target, body)
	if host != "" {
		r.Host = host
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestServer_Routes(t *testing.T) {
	h := newServer(nil).Handler()
	tests := []struct {
		name, method, path string
		code               int
		body, location     string
	}{
		{"GraphQL", "POST", "/graphql/", 200, "graphql", ""},
		{"GraphQLGetSlash", "GET", "/graphql/?query={a}", 200, "graphql", ""},
		{"GraphQLPostNoSlash", "POST", "/graphql", 200, "graphql", ""},
		{"GraphQLGetNoSlashRedirects", "GET", "/graphql?query=%7Ba%7D", 301, "", "/graphql/?query=%7Ba%7D"},
		{"CSRF", "GET", "/api/csrf/", 200, "csrf", ""},
		{"CSRFNoSlashRedirects", "GET", "/api/csrf", 301, "", "/api/csrf/"},
		{"CSRFPost", "POST", "/api/csrf/", 200, "csrf", ""},
		{"WS", "GET", "/ws/chat/alice/room-a", 200, "ws", ""},
		{"WSOtherPath", "GET", "/ws/other", 404, "Not Found", ""},
		{"AdminRedirect", "GET", "/admin", 301, "", "/admin/"},
		{"Admin", "GET", "/admin/rooms/", 200, "admin", ""},
		{"Media", "GET", "/media/avatars/a.png", 200, "media", ""},
		{"WebRoot", "GET", "/", 200, "web", ""},
		{"WebDeepLink", "GET", "/u/alice/room-a", 200, "web", ""},
		{"UnknownAPI", "GET", "/api/nope/", 404, "<title>Not Found</title>", ""},
		{"Healthz", "GET", "/healthz", 200, "ok", ""},
		{"Readyz", "GET", "/readyz", 200, "ok", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, tt.method, tt.path, "", nil)
			if w.Code != tt.code {
				t.Fatalf("Code=%d, want %d", w.Code, tt.code)
			}
			if !strings.Contains(w.Body.String(), tt.body) {
				t.Fatalf("Body=%q, want it to contain %q", w.Body.String(), tt.body)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Fatalf("Location=%q, want %q", got, tt.location)
			}
			if w.Header().Get("X-Request-ID") == "" {
				t.Fatalf("X-Request-ID missing")
			}
		})
	}
}

func TestServer_NilHandlers404(t *testing.T) {
	h := (&server.Server{Logger: slog.New(slog.DiscardHandler)}).Handler()
	for _, p := range []string{"/graphql/", "/api/csrf/", "/ws/chat/a/b", "/admin/", "/admin", "/media/x.png", "/", "/anything"} {
		t.Run(p, func(t *testing.T) {
			w := do(h, "GET", p, "", nil)
			if w.Code != 404 || !strings.Contains(w.Body.String(), "<h1>Not Found</h1>") {
				t.Fatalf("Code=%d Body=%q, want the 404 page", w.Code, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type=%q, want text/html; charset=utf-8", ct)
			}
		})
	}
	if w := do(h, "GET", "/healthz", "", nil); w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("healthz Code=%d Body=%q, want 200 ok", w.Code, w.Body.String())
	}
}

func TestServer_HostCheck(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		host    string
		path    string
		ok      bool
	}{
		{"OKLocalhost", nil, "localhost", "/", true},
		{"OKLocalhostAnyPort", nil, "localhost:5173", "/", true},
		{"OKLoopbackIP", nil, "127.0.0.1:8000", "/graphql/", true},
		{"OKCaseFolded", nil, "LocalHost", "/", true},
		{"ErrOtherHost", nil, "evil.example", "/", false},
		{"ErrOtherHostGraphQL", nil, "evil.example:80", "/graphql/", false},
		{"ErrIPv6NotListed", nil, "[::1]:8000", "/", false},
		{"ErrEmptyHost", nil, "", "/", false},
		{"OKHealthzAnyHost", nil, "10.0.0.7:8000", "/healthz", true},
		{"OKStar", []string{"*"}, "anything.example", "/", true},
		{"OKListed", []string{"chat.example"}, "chat.example:443", "/", true},
		{"ErrNotListedAnyMore", []string{"chat.example"}, "localhost", "/", false},
		{"OKDomainPattern", []string{".example.com"}, "a.b.example.com", "/", true},
		{"OKDomainPatternApex", []string{".example.com"}, "example.com", "/", true},
		{"ErrDomainPatternSuffixOnly", []string{".example.com"}, "badexample.com", "/", false},
		{"OKIPv6Listed", []string{"::1"}, "[::1]:8000", "/", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(nil)
			s.AllowedHosts = tt.allowed
			r := httptest.NewRequest("GET", tt.path, nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if tt.ok && w.Code != 200 {
				t.Fatalf("Code=%d, want 200", w.Code)
			}
			if !tt.ok {
				if w.Code != 400 || !strings.Contains(w.Body.String(), "<h1>Bad Request (400)</h1>") {
					t.Fatalf("Code=%d Body=%q, want the 400 page", w.Code, w.Body.String())
				}
			}
		})
	}
}

func TestServer_Readyz(t *testing.T) {
	s := newServer(nil)
	s.Ready = func(ctx context.Context) error { return errors.New("database: connection refused") }
	w := do(s.Handler(), "GET", "/readyz", "", nil)
	if w.Code != 503 || w.Body.String() != "not ready: database: connection refused" {
		t.Fatalf("Code=%d Body=%q, want 503 with the reason", w.Code, w.Body.String())
	}
}

func TestServer_Recover(t *testing.T) {
	logs := &syncBuffer{}
	s := newServer(logs)
	s.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("secret internal detail") })
	r := newRequest("GET", "/boom", nil)
	r.Header.Set("X-Request-ID", "req-123")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != 500 || !strings.Contains(w.Body.String(), "Server Error (500)") {
		t.Fatalf("Code=%d Body=%q, want the 500 page", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "goroutine") {
		t.Fatalf("Body=%q, want no panic text or stack", w.Body.String())
	}
	got := logs.String()
	if !strings.Contains(got, "secret internal detail") || !strings.Contains(got, `"request_id":"req-123"`) {
		t.Fatalf("logs=%s, want the panic logged with its request id", got)
	}
	// The server keeps serving.
	if w := do(s.Handler(), "GET", "/healthz", "", nil); w.Code != 200 {
		t.Fatalf("healthz Code=%d after a panic, want 200", w.Code)
	}
}

// TestServer_RecoverLogsStatus checks that the request log and metrics
// count a panicking request as the 500 it answered.
func TestServer_RecoverLogsStatus(t *testing.T) {
	logs := &syncBuffer{}
	s := newServer(logs)
	s.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	w := do(s.Handler(), "GET", "/boom", "", nil)
	if w.Code != 500 {
		t.Fatalf("Code=%d, want 500", w.Code)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"http request"`) {
			if !strings.Contains(line, `"status":500`) {
				t.Fatalf("request log=%s, want status 500", line)
			}
			return
		}
	}
	t.Fatalf("logs=%s, want a request log line", logs.String())
}

// TestServer_RecoverAfterHeader checks that a panic after the handler sent
// a 200 does not look like a complete answer: the connection is cut.
func TestServer_RecoverAfterHeader(t *testing.T) {
	s := newServer(nil)
	s.Addr = "127.0.0.1:0"
	s.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic("boom after the header")
	})
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	req, _ := http.NewRequest("GET", s.URL()+"/x", nil)
	req.Host = "localhost"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return // cut before the header arrived: no 2xx either
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Fatalf("read the whole %d response without error, want a cut connection", res.StatusCode)
	}
}

func TestServer_RequestID(t *testing.T) {
	var seen string
	s := newServer(nil)
	s.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = server.RequestID(r.Context()) })
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"OKKept", "abc-123_x.y", true},
		{"OKGeneratedWhenMissing", "", false},
		{"OKReplacedWhenOdd", "bad id\n", false},
		{"OKReplacedWhenLong", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest("GET", "/", nil)
			if tt.in != "" {
				r.Header.Set("X-Request-ID", tt.in)
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			got := w.Header().Get("X-Request-ID")
			if got == "" || got != seen {
				t.Fatalf("X-Request-ID=%q, context id=%q, want the same non-empty id", got, seen)
			}
			if (got == tt.in) != tt.keep {
				t.Fatalf("X-Request-ID=%q, keep client id %v", got, tt.keep)
			}
		})
	}
}

func TestServer_RequestLog(t *testing.T) {
	logs := &syncBuffer{}
	s := newServer(logs)
	r := newRequest("GET", "/media/a.png?token=s3cr3t", nil)
	r.Header.Set("Cookie", "JWT=cookiesecret")
	r.Header.Set("Authorization", "JWT headersecret")
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	got := logs.String()
	for _, want := range []string{`"method":"GET"`, `"path":"/media/a.png"`, `"status":200`, `"bytes":5`, `"duration":`, `"request_id":"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("log=%s, want it to contain %s", got, want)
		}
	}
	for _, secret := range []string{"s3cr3t", "cookiesecret", "headersecret"} {
		if strings.Contains(got, secret) {
			t.Fatalf("log=%s, want no %q", got, secret)
		}
	}
}

func TestServer_Metrics(t *testing.T) {
	s := newServer(nil)
	h := s.Handler()
	do(h, "GET", "/healthz", "", nil)
	do(h, "POST", "/graphql/", "", nil)
	do(h, "GET", "/nope/../api/x", "", nil)
	w := do(h, "GET", "/metrics", "", nil)
	body := w.Body.String()
	for _, want := range []string{
		`edusphere_http_requests_total{code="200",method="GET",route="healthz"} 1`,
		`edusphere_http_requests_total{code="200",method="POST",route="graphql"} 1`,
		`edusphere_http_request_duration_seconds_bucket{method="POST",route="graphql",le="+Inf"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
}

// recordingAuth records the order its middlewares run in.
type recordingAuth struct {
	mu    sync.Mutex
	order []string
}

func (a *recordingAuth) wrap(name string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.order = append(a.order, name)
		a.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (a *recordingAuth) SecurityHeaders(n http.Handler) http.Handler { return a.wrap("headers", n) }
func (a *recordingAuth) CORS(n http.Handler) http.Handler            { return a.wrap("cors", n) }
func (a *recordingAuth) CSRF(n http.Handler) http.Handler            { return a.wrap("csrf", n) }
func (a *recordingAuth) Middleware(n http.Handler) http.Handler      { return a.wrap("auth", n) }

func TestServer_AuthOrder(t *testing.T) {
	a := &recordingAuth{}
	s := newServer(nil)
	s.Auth = a
	h := s.Handler()

	do(h, "POST", "/graphql/", "", nil)
	if got, want := strings.Join(a.order, ","), "headers,cors,csrf,auth"; got != want {
		t.Fatalf("order=%s, want %s", got, want)
	}
	a.order = nil
	do(h, "GET", "/healthz", "", nil)
	if len(a.order) != 0 {
		t.Fatalf("order=%v for /healthz, want no auth middleware", a.order)
	}
	a.order = nil
	do(h, "GET", "/", "evil.example", nil)
	if len(a.order) != 0 {
		t.Fatalf("order=%v for a rejected Host, want the Host check first", a.order)
	}
}

func TestServer_BodyLimit(t *testing.T) {
	read := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "too big", http.StatusRequestEntityTooLarge)
			return
		}
		io.WriteString(w, "read "+http.StatusText(200))
		_ = n
	})
	s := newServer(nil)
	s.CSRF, s.GraphQL, s.Admin = read, read, read
	s.MaxBodyBytes = 1000
	s.AdminMaxBodyBytes = 2000
	h := s.Handler()
	tests := []struct {
		name string
		path string
		size int
		code int
	}{
		{"OKSmall", "/api/csrf/", 1000, 200},
		{"ErrCSRFTooBig", "/api/csrf/", 1001, 413},
		{"OKAdmin", "/admin/x/", 2000, 200},
		{"ErrAdminTooBig", "/admin/x/", 2001, 413},
		{"OKGraphQLUncapped", "/graphql/", 100000, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "POST", tt.path, "", strings.NewReader(strings.Repeat("x", tt.size)))
			if w.Code != tt.code {
				t.Fatalf("Code=%d, want %d", w.Code, tt.code)
			}
		})
	}
}

// readingAuth is an AuthMiddleware whose CSRF check reads the whole body,
// as a check that parses a form does, and records how much it read.
type readingAuth struct {
	mu   sync.Mutex
	read int64
}

func (a *readingAuth) SecurityHeaders(n http.Handler) http.Handler { return n }
func (a *readingAuth) CORS(n http.Handler) http.Handler            { return n }
func (a *readingAuth) Middleware(n http.Handler) http.Handler      { return n }
func (a *readingAuth) CSRF(n http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		a.mu.Lock()
		a.read = n
		a.mu.Unlock()
		w.WriteHeader(http.StatusForbidden)
	})
}

// TestServer_BodyLimitBeforeMiddlewares checks that the body caps apply
// before the auth middlewares: a CSRF check reading a form body must not
// read past them.
func TestServer_BodyLimitBeforeMiddlewares(t *testing.T) {
	a := &readingAuth{}
	s := newServer(nil)
	s.Auth = a
	s.MaxBodyBytes = 1000
	s.AdminMaxBodyBytes = 2000
	s.GraphQLMaxBodyBytes = 5000
	h := s.Handler()
	for _, tt := range []struct {
		path string
		max  int64
	}{
		{"/graphql/", 5000},
		{"/graphql", 5000},
		{"/admin/login/", 2000},
		{"/api/csrf/", 1000},
		{"/", 1000},
	} {
		t.Run(tt.path, func(t *testing.T) {
			do(h, "POST", tt.path, "", strings.NewReader(strings.Repeat("x", 100_000)))
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.read > tt.max {
				t.Fatalf("the CSRF check read %d bytes, want at most %d", a.read, tt.max)
			}
		})
	}
}

func TestServer_OpenClose(t *testing.T) {
	started := make(chan struct{})
	s := newServer(nil)
	s.Addr = "127.0.0.1:0"
	s.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	url := s.URL()
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("URL=%q, want http://127.0.0.1:<port>", url)
	}

	t.Run("ErrAddressInUse", func(t *testing.T) {
		other := newServer(nil)
		other.Addr = strings.TrimPrefix(url, "http://")
		err := other.Open()
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("err=%v, want address already in use", err)
		}
	})

	type result struct {
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{string(b), err}
	}()
	<-started
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if res := <-done; res.err != nil || res.body != "finished" {
		t.Fatalf("in-flight request=%q, %v, want it finished", res.body, res.err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatalf("GET after Close succeeded, want connection refused")
	}
}

func TestServer_WebSocketThroughMiddleware(t *testing.T) {
	s := newServer(nil)
	s.Auth = &recordingAuth{}
	s.WS = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		typ, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		c.Write(r.Context(), typ, msg)
		c.Close(websocket.StatusNormalClosure, "")
	})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws/chat/a/b", &websocket.DialOptions{
		Host: "localhost",
	})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.Read(ctx)
	if err != nil || string(got) != "ping" {
		t.Fatalf("Read=%q, %v, want ping", got, err)
	}

	c.Close(websocket.StatusNormalClosure, "")

	// The request is counted once the handler returns, just after the close.
	want := `edusphere_http_requests_total{code="101",method="GET",route="ws"} 1`
	var body string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if body = do(s.Handler(), "GET", "/metrics", "", nil).Body.String(); strings.Contains(body, want) {
			return
		}
	}
	t.Fatalf("metrics lack %s:\n%s", want, body)
}

func TestServer_TrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"NoProxiesIgnoresHeader", nil, "10.0.0.5:4000", []string{"203.0.113.9"}, "10.0.0.5:4000"},
		{"UntrustedPeerIgnoresHeader", proxies, "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7:4000"},
		{"TrustedPeerOneHop", proxies, "10.0.0.5:4000", []string{"203.0.113.9"}, "203.0.113.9:0"},
		{"SpoofedLeftEntryIgnored", proxies, "10.0.0.5:4000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9:0"},
		{"ChainOfTrustedProxies", proxies, "10.0.0.5:4000", []string{"203.0.113.9, 10.1.2.3"}, "203.0.113.9:0"},
		{"SeveralHeaders", proxies, "10.0.0.5:4000", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9:0"},
		{"IPv6Client", proxies, "[::1]:4000", []string{"2001:db8::1"}, "[2001:db8::1]:0"},
		{"NoHeaderKeepsPeer", proxies, "10.0.0.5:4000", nil, "10.0.0.5:4000"},
		{"GarbageKeepsPeer", proxies, "10.0.0.5:4000", []string{"not-an-address"}, "10.0.0.5:4000"},
		{"AllTrustedKeepsPeer", proxies, "10.0.0.5:4000", []string{"10.9.9.9"}, "10.0.0.5:4000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			s := newServer(nil)
			s.TrustedProxies = tt.trusted
			s.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.RemoteAddr })
			r := newRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			s.Handler().ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Fatalf("RemoteAddr=%q, want %q", got, tt.want)
			}
		})
	}
}
