package gql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/cache"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/media"
	"github.com/edusphere/edusphere/testdb"
)

// testKey signs the tests' tokens, as SECRET_KEY did in the original tests.
var testKey = []byte("gql-test-signing-key-0123456789abcdef")

// server is the GraphQL handler behind the auth middlewares on a loopback
// httptest.Server, with a media directory.
type server struct {
	*httptest.Server
	h        *testdb.Handle
	auth     *auth.Service
	mediaDir string
	storage  *media.Dir
}

type serverOption func(*gql.Config)

func newServer(t testing.TB, h *testdb.Handle, opts ...serverOption) *server {
	t.Helper()
	a := auth.New(auth.Config{SigningKey: testKey, SecretKey: testKey}, h.Services.Users, h.Services.Sessions)
	dir := t.TempDir()
	st := media.NewDir(dir)
	// As in the server, GraphQL reads go through the catalog cache, so
	// every test here also checks that no answer comes back stale.
	catalog := cache.New(cache.Config{Version: h.CatalogVersion, MessagesVersion: h.MessagesVersion})
	cfg := gql.Config{
		Services:      catalog.Wrap(h.Services),
		Auth:          a,
		Media:         st,
		Introspection: true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	handler := gql.NewHandler(cfg)
	mux := http.NewServeMux()
	mux.Handle("/graphql/", handler)
	mux.Handle("/graphql", handler)
	mux.Handle("/media/", http.StripPrefix("/media/", media.Handler(st)))
	srv := httptest.NewServer(a.SecurityHeaders(a.CORS(a.CSRF(a.Middleware(mux)))))
	t.Cleanup(srv.Close)
	return &server{Server: srv, h: h, auth: a, mediaDir: dir, storage: st}
}

// token mints an access token for email, valid for ttl from now.
func token(t testing.TB, email string, ttl time.Duration) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"email": email, "exp": now.Add(ttl).Unix(), "origIat": now.Unix()}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(testKey)
	if err != nil {
		t.Fatalf("sign token: %v", err)
	}
	return s
}

// client sends GraphQL requests with the CSRF cookie and header, and an
// optional Authorization: JWT header.
type client struct {
	t     testing.TB
	srv   *server
	http  *http.Client
	token string
	csrf  string
}

// client returns a client holding the csrftoken cookie the server set on
// a first GET, as the browser app does at boot.
func (s *server) client(t testing.TB) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := hc.Get(s.URL + "/graphql/?query=%7B__typename%7D")
	if err != nil {
		t.Fatalf("GET /graphql/: %v", err)
	}
	res.Body.Close()
	u, _ := url.Parse(s.URL)
	c := &client{t: t, srv: s, http: hc}
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "csrftoken" {
			c.csrf = ck.Value
		}
	}
	if c.csrf == "" {
		t.Fatalf("no csrftoken cookie after GET /graphql/")
	}
	return c
}

// as returns a client authenticated as u with a header token.
func (s *server) as(t testing.TB, u *edusphere.User) *client {
	c := s.client(t)
	c.token = token(t, u.Email, 10*time.Minute)
	return c
}

// gqlError is one error object of a response.
type gqlError struct {
	Message    string           `json:"message"`
	Locations  []map[string]int `json:"locations"`
	Path       []any            `json:"path"`
	Extensions map[string]any   `json:"extensions"`
}

// response is a decoded GraphQL response with the raw body.
type response struct {
	Status int
	Header http.Header
	Body   string
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// dataInto decodes data into v.
func (r *response) dataInto(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// noErrors fails when the response carries errors or is not 200.
func (r *response) noErrors(t testing.TB) *response {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("status=%d body=%s, want 200 without errors", r.Status, r.Body)
	}
	return r
}

// firstError returns the first error, failing when there is none.
func (r *response) firstError(t testing.TB) gqlError {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("no errors in %s", r.Body)
	}
	return r.Errors[0]
}

// do POSTs a JSON body {query, variables}.
func (c *client) do(query string, vars map[string]any) *response {
	c.t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	b, _ := json.Marshal(body)
	return c.raw(http.MethodPost, "/graphql/", "application/json", bytes.NewReader(b))
}

// raw sends any request to the server and decodes a JSON answer.
func (c *client) raw(method, path, contentType string, body io.Reader) *response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.send(req)
}

func (c *client) send(req *http.Request) *response {
	c.t.Helper()
	req.Header.Set("X-CSRFToken", c.csrf)
	if c.token != "" {
		req.Header.Set("Authorization", "JWT "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := &response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && len(b) > 0 {
		if err := json.Unmarshal(b, r); err != nil {
			c.t.Fatalf("decode %s: %v", b, err)
		}
	}
	return r
}

// fixture is the common data: two users, a room each, messages.
type fixture struct {
	alice, bob, carol *edusphere.User
	roomA, roomB      *edusphere.Room
	msgA1, msgB1      *edusphere.Message
}

func newFixture(t testing.TB, h *testdb.Handle) *fixture {
	t.Helper()
	ctx := context.Background()
	s := h.Services
	f := &fixture{}
	f.alice = testdb.MustCreateUser(t, ctx, s, &edusphere.User{Email: "alice@example.com", Username: "alice", Name: "Alice A", IsActive: true})
	f.bob = testdb.MustCreateUser(t, ctx, s, &edusphere.User{Email: "bob@example.com", Username: "bob", Name: "Bob B", IsActive: true})
	f.carol = testdb.MustCreateUser(t, ctx, s, &edusphere.User{Email: "carol@example.com", Username: "carol", Name: "Carol C", IsActive: true})
	f.roomA = testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: f.alice.ID, Name: "Go Study", TopicName: "Golang", Description: "Learning Go 100%"})
	f.roomB = testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: f.bob.ID, Name: "Rust Club", TopicName: "Rust"})
	if _, err := s.Rooms.JoinRoom(ctx, f.roomA.ID, f.bob.ID); err != nil {
		t.Fatalf("join: %v", err)
	}
	f.msgA1 = testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomA.ID, Body: "Hello from Bob"})
	f.msgB1 = testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomB.ID, Body: "Rust time"})
	return f
}

// names returns the "name" of each object in a list decoded from data.
func names(t testing.TB, r *response, field string) []string {
	t.Helper()
	var data map[string][]map[string]any
	r.dataInto(t, &data)
	var out []string
	for _, o := range data[field] {
		out = append(out, o["name"].(string))
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
