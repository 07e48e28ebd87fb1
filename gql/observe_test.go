package gql_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/testdb"
)

// lockedBuffer is a log destination written from request goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON log lines written so far, decoded.
func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// histogramCount returns the sample count of the operation histogram for
// the label pair, 0 when the series does not exist.
func histogramCount(t *testing.T, reg *prometheus.Registry, operation, outcome string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "edusphere_graphql_operation_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["operation"] == operation && labels["outcome"] == outcome {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

// named POSTs {operationName, query, variables}, as the web client does.
func (c *client) named(name, query string, vars map[string]any) *response {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"operationName": name, "query": query, "variables": vars})
	return c.raw(http.MethodPost, "/graphql/", "application/json", bytes.NewReader(b))
}

// TestOperationLog sends operations that succeed, fail in a resolver, fail
// validation and are refused outright, and checks each one's log line and
// metric sample. No line may carry the password or the value sent.
func TestOperationLog(t *testing.T) {
	h := testdb.SQLite(t)
	f := newFixture(t, h)
	logs := &lockedBuffer{}
	reg := prometheus.NewRegistry()
	srv := newServer(t, h, func(c *gql.Config) {
		c.OperationLog = slog.New(slog.NewJSONHandler(logs, nil))
		c.Metrics = reg
	})
	const secret = "S3cret-Pass-Never-Logged"

	tests := []struct {
		name      string
		send      func(c *client) *response
		as        bool
		operation string // the log's operation attribute
		label     string // the metric's operation label
		kind      string
		outcome   string
		status    int
		errorText string // a substring of the logged errors, "" for none
	}{
		{"OKNamedQuery", func(c *client) *response {
			return c.do(`query Topics { topics { name } }`, nil)
		}, false, "Topics", "Topics", "query", gql.OutcomeOK, 200, ""},
		{"OKUnknownNameIsOther", func(c *client) *response {
			return c.do(`query Whatever123 { topics { name } }`, nil)
		}, false, "Whatever123", gql.OperationOther, "query", gql.OutcomeOK, 200, ""},
		{"OKUserRecorded", func(c *client) *response {
			return c.do(`query Me { me { username } }`, nil)
		}, true, "Me", "Me", "query", gql.OutcomeOK, 200, ""},
		{"ErrResolver", func(c *client) *response {
			return c.do(`mutation TokenAuth($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { token } }`,
				map[string]any{"e": f.alice.Email, "p": secret})
		}, false, "TokenAuth", "TokenAuth", "mutation", gql.OutcomeError, 200, "tokenAuth: Please enter valid credentials"},
		{"ErrInvalidVariable", func(c *client) *response {
			return c.named("TokenAuth", `mutation TokenAuth($e: String!, $p: String!) { tokenAuth(email: $e, password: $p) { token } }`,
				map[string]any{"e": f.alice.Email, "p": map[string]any{"x": secret}})
		}, false, "TokenAuth", "TokenAuth", "", gql.OutcomeInvalid, 400, "cannot use map as String"},
		{"ErrInvalidValueLeftOut", func(c *client) *response {
			return c.named("DeleteMessage", `mutation DeleteMessage($id: UUID!) { deleteMessage(messageId: $id) { success } }`,
				map[string]any{"id": secret})
		}, false, "DeleteMessage", "DeleteMessage", "", gql.OutcomeInvalid, 400, `Variable \"$id\" got invalid value …`},
		{"ErrRejectedJSON", func(c *client) *response {
			return c.raw(http.MethodPost, "/graphql/", "application/json", strings.NewReader(`{"query": "`+secret))
		}, false, "", gql.OperationOther, "", gql.OutcomeRejected, 400, "POST body sent invalid JSON."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.client(t)
			if tt.as {
				c = srv.as(t, f.alice)
			}
			before := len(logs.lines(t))
			beforeCount := histogramCount(t, reg, tt.label, tt.outcome)
			if r := tt.send(c); r.Status != tt.status {
				t.Fatalf("status=%d body=%s, want %d", r.Status, r.Body, tt.status)
			}
			lines := logs.lines(t)[before:]
			var op map[string]any
			for _, l := range lines {
				if l["msg"] == "graphql operation" {
					op = l
				}
			}
			if op == nil {
				t.Fatalf("no operation line among %v", lines)
			}
			if op["operation"] != tt.operation || op["type"] != tt.kind || op["outcome"] != tt.outcome || op["status"] != float64(tt.status) {
				t.Fatalf("line=%v, want operation %q type %q outcome %q status %d", op, tt.operation, tt.kind, tt.outcome, tt.status)
			}
			if _, ok := op["duration"]; !ok {
				t.Fatalf("line=%v, want a duration", op)
			}
			if wantUser := f.alice.ID.String(); tt.as && op["user"] != wantUser {
				t.Fatalf("user=%v, want %s", op["user"], wantUser)
			}
			errs, _ := json.Marshal(op["errors"])
			if tt.errorText == "" && op["errors"] != nil && tt.outcome == gql.OutcomeOK {
				t.Fatalf("errors=%s, want none", errs)
			}
			if tt.errorText != "" && !strings.Contains(string(errs), tt.errorText) {
				t.Fatalf("errors=%s, want %q", errs, tt.errorText)
			}
			if got := histogramCount(t, reg, tt.label, tt.outcome); got != beforeCount+1 {
				t.Fatalf("samples{operation=%q,outcome=%q}=%d, want %d", tt.label, tt.outcome, got, beforeCount+1)
			}
		})
	}
	logs.mu.Lock()
	all := logs.b.String()
	logs.mu.Unlock()
	if strings.Contains(all, secret) {
		t.Fatalf("the log carries the password:\n%s", all)
	}
}
