package gql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edusphere/edusphere/testdb"
)

// TestSearchBound sends over-long free-text filters: each is a form error
// naming the field, never "Internal error." (SQLite refuses a LIKE pattern
// over 50,000 bytes), and a search at the bound still runs.
func TestSearchBound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		newFixture(t, h)
		c := newServer(t, h).client(t)
		for _, tc := range []struct {
			name, query, search string
			errs                string // extensions.errors, "" for none
		}{
			{"OKRoomsAtBound", `query($s: String) { rooms(search: $s) { name } }`, strings.Repeat("é", 500), ""},
			{"ErrRooms", `query($s: String) { rooms(search: $s) { name } }`, strings.Repeat("%", 50_000),
				`{"search":["Ensure this value has at most 500 characters (it has 50000)."]}`},
			{"ErrRoomsMultibyte", `query($s: String) { rooms(search: $s) { name } }`, strings.Repeat("é", 501),
				`{"search":["Ensure this value has at most 500 characters (it has 501)."]}`},
			{"ErrTopics", `query($s: String) { topics(search: $s) { name } }`, strings.Repeat("_", 20_000),
				`{"search":["Ensure this value has at most 500 characters (it has 20000)."]}`},
			{"ErrUsers", `query($s: String) { users(search: $s) { username } }`, strings.Repeat("x", 30_000),
				`{"search":["Ensure this value has at most 500 characters (it has 30000)."]}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.do(tc.query, map[string]any{"s": tc.search})
				if tc.errs == "" {
					r.noErrors(t)
					return
				}
				e := r.firstError(t)
				got := fmt.Sprint(mustJSON(e.Extensions["errors"]))
				if r.Status != 200 || e.Message != "Invalid data" || got != tc.errs {
					t.Fatalf("status=%d message=%q errors=%s, want Invalid data with %s", r.Status, e.Message, got, tc.errs)
				}
			})
		}
	})
}
