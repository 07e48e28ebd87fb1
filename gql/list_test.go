package gql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/testdb"
)

// TestListCut checks lists longer than the cap: a room's history keeps
// its newest messages (still oldest first), other lists keep their first
// items, and the response names each cut list in the "truncated"
// extension; a list within the cap, or cut by the caller's own first
// argument, carries no extension.
func TestListCut(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		f := newFixture(t, h)
		h.Clock.Set(time.Now().Add(time.Hour).Truncate(time.Second))
		// roomA has "Hello from Bob"; five more, a second apart.
		for i := 1; i <= 5; i++ {
			h.Clock.Add(time.Second)
			testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{UserID: f.alice.ID, RoomID: f.roomA.ID, Body: fmt.Sprintf("m%d", i)})
		}
		srv := newServer(t, h, func(c *gql.Config) { c.ListCap = 3 })
		c := srv.client(t)
		room := fmt.Sprintf(`hostSlug: %q, roomSlug: %q`, f.alice.Username, f.roomA.Slug)

		for _, tc := range []struct {
			name, query, field string
			want               []string
			cut                string // the expected extension, "" for none
		}{
			{"RoomHistoryKeepsNewest", `{ messages(` + room + `) { body } }`, "messages",
				[]string{"m3", "m4", "m5"}, `{"truncated":[{"path":["messages"],"returned":3,"total":6,"cap":3,"kept":"newest"}]}`},
			{"Aliased", `{ history: messages(` + room + `) { body } }`, "history",
				[]string{"m3", "m4", "m5"}, `{"truncated":[{"path":["history"],"returned":3,"total":6,"cap":3,"kept":"newest"}]}`},
			{"FirstOverCap", `{ messages(` + room + `, first: 10) { body } }`, "messages",
				[]string{"Hello from Bob", "m1", "m2"}, `{"truncated":[{"path":["messages"],"returned":3,"total":6,"cap":3,"kept":"first"}]}`},
			{"FirstWithinCap", `{ messages(` + room + `, first: 2) { body } }`, "messages",
				[]string{"Hello from Bob", "m1"}, ""},
			{"UserMessagesNewestFirst", fmt.Sprintf(`{ messagesByUser(userSlug: %q) { body } }`, f.alice.Username), "messagesByUser",
				[]string{"m5", "m4", "m3"}, `{"truncated":[{"path":["messagesByUser"],"returned":3,"total":5,"cap":3,"kept":"newest"}]}`},
			{"WithinCap", fmt.Sprintf(`{ messagesByUser(userSlug: %q) { body } }`, f.bob.Username), "messagesByUser",
				[]string{"Rust time", "Hello from Bob"}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.do(tc.query, nil).noErrors(t)
				var data map[string][]struct{ Body string }
				r.dataInto(t, &data)
				var got []string
				for _, m := range data[tc.field] {
					got = append(got, m.Body)
				}
				if !equalStrings(got, tc.want) {
					t.Fatalf("%s=%v, want %v", tc.field, got, tc.want)
				}
				var body struct {
					Extensions json.RawMessage `json:"extensions"`
				}
				_ = json.Unmarshal([]byte(r.Body), &body)
				if string(body.Extensions) != tc.cut {
					t.Fatalf("extensions=%s, want %q", body.Extensions, tc.cut)
				}
			})
		}

		t.Run("OtherListsKeepFirst", func(t *testing.T) {
			for i := 0; i < 3; i++ {
				testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: f.carol.ID, Name: fmt.Sprintf("Extra %d", i), TopicName: fmt.Sprintf("Extra%c", 'a'+i)})
			}
			r := c.do(`{ rooms { name } topics { name } users { username } }`, nil).noErrors(t)
			var body struct {
				Extensions struct {
					Truncated []struct {
						Path          []string
						Returned, Cap int
						Total         int
						Kept          string
					}
				}
			}
			_ = json.Unmarshal([]byte(r.Body), &body)
			got := map[string]string{}
			for _, cut := range body.Extensions.Truncated {
				got[cut.Path[0]] = fmt.Sprintf("%d/%d cap %d %s", cut.Returned, cut.Total, cut.Cap, cut.Kept)
			}
			want := map[string]string{"rooms": "3/5 cap 3 first", "topics": "3/5 cap 3 first"}
			if len(got) != len(want) || got["rooms"] != want["rooms"] || got["topics"] != want["topics"] {
				t.Fatalf("truncated=%v, want %v (three users fit)", got, want)
			}
			// The most popular room, roomA with two participants, stays.
			if rooms := names(t, r, "rooms"); len(rooms) != 3 || rooms[0] != f.roomA.Name {
				t.Fatalf("rooms=%v, want 3 starting with %q", rooms, f.roomA.Name)
			}
		})
	})
}
