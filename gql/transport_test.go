package gql_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/testdb"
)

func TestTransport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		newFixture(t, h)
		srv := newServer(t, h)
		const topics = `{"data":{"topics":[{"name":"Golang"},{"name":"Rust"}]}}`
		q := url.QueryEscape(`{ topics { name } }`)
		for _, tc := range []struct {
			name, method, path, ctype, body string
			status                          int
			want                            string
			header                          [2]string
		}{
			{"GET", "GET", "/graphql/?query=" + q, "", "", 200, topics, [2]string{}},
			{"GETVariablesAndName", "GET", "/graphql/?operationName=T&variables=" + url.QueryEscape(`{"s":"rust"}`) + "&query=" + url.QueryEscape(`query T($s: String) { topics(search: $s) { name } }`), "", "", 200,
				`{"data":{"topics":[{"name":"Rust"}]}}`, [2]string{}},
			{"ErrGETMutation", "GET", "/graphql/?query=" + url.QueryEscape(`mutation { deleteToken { deleted } }`), "", "", 405,
				`{"errors":[{"message":"Can only perform a mutation operation from a POST request."}]}`, [2]string{"Allow", "POST"}},
			{"ErrPUT", "PUT", "/graphql/", "application/json", `{}`, 405,
				`{"errors":[{"message":"GraphQL only supports GET and POST requests."}]}`, [2]string{"Allow", "GET, POST"}},
			{"RedirectNoSlash", "GET", "/graphql?query=x", "", "", 301, "", [2]string{"Location", "/graphql/?query=x"}},
			{"POSTNoSlash", "POST", "/graphql", "application/json", `{"query":"{ topics { name } }"}`, 200, topics, [2]string{}},
			{"JSONVariablesString", "POST", "/graphql/", "application/json", `{"query":"query($s: String){ topics(search: $s) { name } }","variables":"{\"s\":\"go\"}","operationName":"null"}`, 200,
				`{"data":{"topics":[{"name":"Golang"}]}}`, [2]string{}},
			{"JSONVariablesNull", "POST", "/graphql/", "application/json", `{"query":"{ topics { name } }","variables":null,"operationName":null}`, 200, topics, [2]string{}},
			{"GraphQLBody", "POST", "/graphql/", "application/graphql", `{ topics { name } }`, 200, topics, [2]string{}},
			{"URLEncoded", "POST", "/graphql/", "application/x-www-form-urlencoded", "query=" + q, 200, topics, [2]string{}},
			{"QueryStringWins", "POST", "/graphql/?query=" + q, "application/json", `{"query":"{ nope }"}`, 200, topics, [2]string{}},
			{"ErrBatch", "POST", "/graphql/", "application/json", `[{"query":"{ topics { name } }"}]`, 400,
				`{"errors":[{"message":"The received data is not a valid JSON query."}]}`, [2]string{}},
			{"ErrInvalidJSON", "POST", "/graphql/", "application/json", `{"query":`, 400,
				`{"errors":[{"message":"POST body sent invalid JSON."}]}`, [2]string{}},
			{"ErrNoQuery", "POST", "/graphql/", "text/plain", `{ topics { name } }`, 400,
				`{"errors":[{"message":"Must provide query string."}]}`, [2]string{}},
			{"ErrBadVariables", "POST", "/graphql/", "application/json", `{"query":"{ topics { name } }","variables":"{nope"}`, 400,
				`{"errors":[{"message":"Variables are invalid JSON."}]}`, [2]string{}},
			{"ErrTooLarge", "POST", "/graphql/", "application/json", `{"query":"` + strings.Repeat(" ", 2_621_440) + `"}`, 400,
				`{"errors":[{"message":"Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE."}]}`, [2]string{}},
			{"ErrValidation", "POST", "/graphql/", "application/json", `{"query":"{ nope }"}`, 400,
				`{"errors":[{"message":"Cannot query field \"nope\" on type \"Query\".","locations":[{"line":1,"column":3}]}]}`, [2]string{}},
			{"ErrSyntax", "POST", "/graphql/", "application/json", `{"query":"{ topics { "}`, 400, "", [2]string{}},
			{"ErrBadUUIDVariable", "POST", "/graphql/", "application/json", `{"query":"mutation($id: UUID!){ deleteMessage(messageId: $id) { success } }","variables":{"id":"nope"}}`, 400, "", [2]string{}},
			{"ErrSubscription", "POST", "/graphql/", "application/json", `{"query":"subscription { topics { name } }"}`, 400,
				`{"errors":[{"message":"Schema is not configured to execute subscription operation."}]}`, [2]string{}},
			{"Typename", "POST", "/graphql/", "application/json", `{"query":"{ __typename topics(first: 1) { __typename } }"}`, 200,
				`{"data":{"__typename":"Query","topics":[{"__typename":"TopicType"}]}}`, [2]string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var body *strings.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				} else {
					body = strings.NewReader("")
				}
				r := srv.client(t).raw(tc.method, tc.path, tc.ctype, body)
				if r.Status != tc.status {
					t.Fatalf("status=%d body=%s, want %d", r.Status, r.Body, tc.status)
				}
				if tc.want != "" && r.Body != tc.want {
					t.Fatalf("body=%s\nwant %s", r.Body, tc.want)
				}
				if tc.status == 400 && strings.Contains(r.Body, `"data"`) {
					t.Fatalf("body=%s has a data key", r.Body)
				}
				if tc.header[0] != "" && r.Header.Get(tc.header[0]) != tc.header[1] {
					t.Fatalf("%s=%q, want %q", tc.header[0], r.Header.Get(tc.header[0]), tc.header[1])
				}
				if tc.status != 301 && !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "origin") {
					t.Fatalf("Vary=%q, want Cookie, origin", r.Header.Values("Vary"))
				}
			})
		}
	})
}

func TestLimits(t *testing.T) {
	h := testdb.SQLite(t)
	newFixture(t, h)
	srv := newServer(t, h, func(c *gql.Config) { c.MaxDepth = 3; c.Introspection = false; c.ListCap = 1 })
	c := srv.client(t)
	t.Run("ErrDepth", func(t *testing.T) {
		r := c.do(`{ messages(hostSlug: "alice", roomSlug: "go-study") { room { host { username } } } }`, nil)
		if r.Status != 400 {
			t.Fatalf("status=%d body=%s, want 400", r.Status, r.Body)
		}
	})
	t.Run("ListCap", func(t *testing.T) {
		r := c.do(`{ rooms { name } }`, nil).noErrors(t)
		if got := names(t, r, "rooms"); len(got) != 1 {
			t.Fatalf("rooms=%v, want 1 (the cap)", got)
		}
	})
	t.Run("ErrIntrospectionOff", func(t *testing.T) {
		r := c.do(`{ __schema { queryType { name } } }`, nil)
		if len(r.Errors) == 0 {
			t.Fatalf("body=%s, want an error", r.Body)
		}
	})
	t.Run("EditorOnlyInDebug", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL+"/graphql/", nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		r := c.send(req)
		if r.Status != 400 {
			t.Fatalf("status=%d, want 400 without Debug", r.Status)
		}
		dbg := newServer(t, h, func(c *gql.Config) { c.Debug = true })
		req, _ = http.NewRequestWithContext(context.Background(), "GET", dbg.URL+"/graphql/", nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		r = dbg.client(t).send(req)
		// GraphiQL, whole in the page: no script or stylesheet from elsewhere.
		if r.Status != 200 || !strings.Contains(r.Body, "X-CSRFToken") || !strings.Contains(r.Body, "GraphiQL") ||
			strings.Contains(r.Body, "<script src") || strings.Contains(r.Body, "stylesheet") {
			t.Fatalf("status=%d, want the self-contained GraphiQL page", r.Status)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") || strings.Contains(csp, "unsafe-eval") {
			t.Fatalf("Content-Security-Policy=%q, want scripts allowed by hash only", csp)
		}
	})
}
