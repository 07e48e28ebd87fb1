package gql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/media"
	httpserver "github.com/edusphere/edusphere/server"
	"github.com/edusphere/edusphere/testdb"
)

// multipartBody builds a multipart request of the GraphQL multipart
// request spec with the given operations and map fields and one file
// part named "1".
func multipartBody(t testing.TB, operations, mapField string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", operations)
	_ = mw.WriteField("map", mapField)
	w, _ := mw.CreateFormFile("1", "a.png")
	_, _ = w.Write([]byte("\x89PNG\r\n\x1a\nnot really"))
	_ = mw.Close()
	return mw.FormDataContentType(), &buf
}

// TestUploadMapPaths sends map paths that do not name a null value in the
// variables: each gets a 400 naming the path and what is wrong with it,
// where they used to panic inside the upload mapping and answer 200.
func TestUploadMapPaths(t *testing.T) {
	h := testdb.SQLite(t)
	srv := newServer(t, h)
	u := testdb.MustCreateUser(t, context.Background(), h.Services, &edusphere.User{Email: "map@example.com", Username: "mapper", Name: "Map", IsActive: true})
	ops := func(vars string) string {
		return fmt.Sprintf(`{"query":%q,"variables":%s}`, updateAvatarQuery, vars)
	}
	for _, tc := range []struct {
		name, operations, mapField, msg string
	}{
		{"ErrIndexIntoVariables", ops(`{"avatar":null}`), `{"1":["variables.0"]}`,
			`The map path "variables.0" names "0", which variables does not have.`},
		{"ErrIndexPastList", ops(`{"avatar":null,"x":[null,null]}`), `{"1":["variables.x.5"]}`,
			`The map path "variables.x.5" has index 5, but variables.x has 2 items.`},
		{"ErrKeyIntoString", ops(`{"avatar":null,"x":"text"}`), `{"1":["variables.x.y"]}`,
			`The map path "variables.x.y" goes into variables.x, which is not an object or a list.`},
		{"ErrNegativeIndex", ops(`{"avatar":null,"x":[null]}`), `{"1":["variables.x.-1"]}`,
			`The map path "variables.x.-1" has "-1" where variables.x, a list, needs an index.`},
		{"ErrMissingVariable", ops(`{"avatar":null}`), `{"1":["variables.nope"]}`,
			`The map path "variables.nope" names "nope", which variables does not have.`},
		{"ErrIntoMissingVariable", ops(`{"avatar":null}`), `{"1":["variables.nope.0"]}`,
			`The map path "variables.nope.0" names "nope", which variables does not have.`},
		{"ErrNoVariables", fmt.Sprintf(`{"query":%q}`, updateAvatarQuery), `{"1":["variables.avatar"]}`,
			`The map path "variables.avatar" names a variable, but the operations have no variables.`},
		{"ErrNotNull", ops(`{"avatar":"x"}`), `{"1":["variables.avatar"]}`,
			`The map path "variables.avatar" names a value that is not null.`},
		{"ErrMappedTwice", ops(`{"avatar":null}`), `{"1":["variables.avatar","variables.avatar"]}`,
			`The map path "variables.avatar" names a value that is not null.`},
		{"ErrNoPrefix", ops(`{"avatar":null}`), `{"1":["0.variables.avatar"]}`,
			`The map path "0.variables.avatar" does not start with "variables.".`},
		{"ErrBatch", `[` + ops(`{"avatar":null}`) + `]`, `{"1":["0.variables.avatar"]}`,
			`Only one operation can be sent with files; batches are not supported.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctype, body := multipartBody(t, tc.operations, tc.mapField)
			r := srv.as(t, u).raw(http.MethodPost, "/graphql/", ctype, body)
			want := fmt.Sprintf(`{"errors":[{"message":%s}]}`, mustJSON(tc.msg))
			if r.Status != http.StatusBadRequest || r.Body != want {
				t.Fatalf("status=%d body=%s\nwant 400 %s", r.Status, r.Body, want)
			}
			if files := storedFiles(t, srv.mediaDir); len(files) != 0 {
				t.Fatalf("stored %v, want nothing", files)
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestDecodeRequest_UploadIntoList puts files into a list variable at
// their indexes, the case the spec's paths exist for.
func TestDecodeRequest_UploadIntoList(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", `{"query":"mutation($f: [Upload]) { x }","variables":{"f":[null,null]}}`)
	_ = mw.WriteField("map", `{"a":["variables.f.1"],"b":["variables.f.0"]}`)
	for _, name := range []string{"a", "b"} {
		w, _ := mw.CreateFormFile(name, name+".txt")
		_, _ = w.Write([]byte(name))
	}
	_ = mw.Close()
	r, _ := http.NewRequest(http.MethodPost, "/graphql/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	req, err := gql.DecodeRequest(r, gql.Limits{})
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	defer req.Close()
	list := req.Variables["f"].([]any)
	for i, want := range []string{"b", "a"} {
		up, ok := list[i].(graphql.Upload)
		if !ok {
			t.Fatalf("f[%d]=%#v, want an upload", i, list[i])
		}
		b, _ := io.ReadAll(up.File)
		if string(b) != want {
			t.Fatalf("f[%d] holds %q, want %q", i, b, want)
		}
	}
}

// TestDecodeRequest_MultipartParts refuses a multipart body with more
// parts than a request has any use for.
func TestDecodeRequest_MultipartParts(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fields, files int
		msg           string
	}{
		{"OK", 2, 3, ""},
		{"ErrFiles", 2, 4, "The multipart request has more than 3 files."},
		{"ErrFields", 6, 0, "The multipart request has more than 8 parts."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for i := 0; i < tc.fields; i++ {
				_ = mw.WriteField(fmt.Sprintf("f%d", i), "x")
			}
			for i := 0; i < tc.files; i++ {
				w, _ := mw.CreateFormFile(fmt.Sprintf("file%d", i), "x.txt")
				_, _ = w.Write([]byte("x"))
			}
			_ = mw.Close()
			r, _ := http.NewRequest(http.MethodPost, "/graphql/", &buf)
			r.Header.Set("Content-Type", mw.FormDataContentType())
			req, err := gql.DecodeRequest(r, gql.Limits{})
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("err=%v, want none", err)
				}
				req.Close()
				return
			}
			re, ok := err.(*gql.RequestError)
			if !ok || re.Status != 400 || re.Message != tc.msg {
				t.Fatalf("err=%v, want 400 %q", err, tc.msg)
			}
		})
	}
}

// logBuffer collects log lines from concurrent writers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanicAnswers500 runs the GraphQL handler behind the whole server
// (recovery, request ids, the auth middlewares and their deferred cookie
// writer) and makes a resolver, a loader and the request decoding panic:
// each request answers 500, never a 2xx, and the panic is logged once
// with the request's id.
func TestPanicAnswers500(t *testing.T) {
	h := testdb.SQLite(t)
	f := newFixture(t, h)
	a := auth.New(auth.Config{SigningKey: testKey, SecretKey: testKey}, h.Services.Users, h.Services.Sessions)
	services := h.Services
	services.Topics = panickyTopics{h.Services.Topics}
	services.Users = panickyUsers{h.Services.Users}
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	srv := &httpserver.Server{
		Addr:    "127.0.0.1:0",
		GraphQL: gql.NewHandler(gql.Config{Services: services, Auth: a, Media: media.NewDir(t.TempDir()), Logger: logger}),
		Auth:    a,
		Logger:  logger,
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	for i, tc := range []struct {
		name, query string
	}{
		{"Resolver", `{ topics { name } }`},
		{"ResolverBesideOthers", `{ rooms { name } topics { name } }`},
		{"Loader", fmt.Sprintf(`{ messages(hostSlug: %q, roomSlug: %q) { body user { username } } }`, f.alice.Username, f.roomA.Slug)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("panic-test-%d", i)
			req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/graphql/?query="+strings.ReplaceAll(tc.query, " ", "+"), nil)
			req.Host = "localhost"
			req.Header.Set("X-Request-ID", id)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusInternalServerError {
				t.Fatalf("status=%d body=%s, want 500", res.StatusCode, body)
			}
			if strings.Contains(string(body), "boom") {
				t.Fatalf("body=%s shows the panic", body)
			}
			var panics int
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"panic serving request"`) && strings.Contains(line, `"request_id":"`+id+`"`) {
					panics++
					if !strings.Contains(line, "boom") || !strings.Contains(line, "panic_test.go") {
						t.Fatalf("log=%s, want the panic value and the stack where it happened", line)
					}
				}
			}
			if panics != 1 || strings.Contains(logs.String(), `"msg":"graphql resolver"`) {
				t.Fatalf("%d panic lines with id %s in logs:\n%s\nwant 1 and no field error logged", panics, id, logs.String())
			}
		})
	}
}

type panickyTopics struct{ edusphere.TopicService }

func (panickyTopics) FindTopics(context.Context, edusphere.TopicFilter) ([]*edusphere.Topic, int, error) {
	panic("boom in FindTopics")
}

// panickyUsers panics when users are loaded by id, as a message's author is.
type panickyUsers struct{ edusphere.UserService }

func (p panickyUsers) FindUsers(ctx context.Context, f edusphere.UserFilter) ([]*edusphere.User, int, error) {
	if len(f.IDs) > 0 {
		panic("boom in FindUsers")
	}
	return p.UserService.FindUsers(ctx, f)
}
