package gql_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

// TestReplyTo reads a reply's parent through messages, before and after
// the parent's deletion, on both stores.
func TestReplyTo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		ctx := context.Background()
		long := strings.Repeat("word ", 40)
		parent := testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{UserID: f.alice.ID, RoomID: f.roomA.ID, Body: long})
		testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomA.ID, Body: "yes", ReplyTo: &parent.ID})
		c := newServer(t, h).as(t, f.bob)
		const q = `{ messages(hostSlug: "alice", roomSlug: "go-study") { body replyTo { id author { username } excerpt deleted } } }`
		type reply struct {
			ID     string `json:"id"`
			Author *struct {
				Username string `json:"username"`
			} `json:"author"`
			Excerpt string `json:"excerpt"`
			Deleted bool   `json:"deleted"`
		}
		read := func() map[string]*reply {
			var data struct {
				Messages []struct {
					Body    string `json:"body"`
					ReplyTo *reply `json:"replyTo"`
				} `json:"messages"`
			}
			c.do(q, nil).noErrors(t).dataInto(t, &data)
			out := map[string]*reply{}
			for _, m := range data.Messages {
				out[m.Body] = m.ReplyTo
			}
			return out
		}
		got := read()
		if got["Hello from Bob"] != nil {
			t.Fatalf("plain message replyTo=%+v, want null", got["Hello from Bob"])
		}
		r := got["yes"]
		wantExcerpt := edusphere.Excerpt(long)
		if r == nil || r.ID != parent.ID.String() || r.Author == nil || r.Author.Username != "alice" ||
			r.Excerpt != wantExcerpt || r.Deleted || len([]rune(r.Excerpt)) > edusphere.ReplyExcerptLength+1 || !strings.HasSuffix(r.Excerpt, "…") {
			t.Fatalf("replyTo=%+v, want alice's message, excerpt %q", r, wantExcerpt)
		}
		if err := h.Services.Messages.DeleteMessage(ctx, parent.ID); err != nil {
			t.Fatal(err)
		}
		r = read()["yes"]
		if r == nil || r.ID != parent.ID.String() || r.Author != nil || r.Excerpt != "" || !r.Deleted {
			t.Fatalf("replyTo after the deletion=%+v, want deleted", r)
		}
	})
}

// TestSearchMessages searches as participants and outsiders, pages, and
// sends bad arguments, on both stores.
func TestSearchMessages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		ctx := context.Background()
		for _, b := range []string{"hello <again>", "Hello there", "nothing"} {
			testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{UserID: f.alice.ID, RoomID: f.roomA.ID, Body: b})
		}
		srv := newServer(t, h)
		const q = `query($q: String!, $room: UUID, $first: Int, $after: String) {
			searchMessages(query: $q, room: $room, first: $first, after: $after) {
				results { cursor snippet message { body room { name } } } hasNextPage endCursor } }`
		type page struct {
			SearchMessages struct {
				Results []struct {
					Snippet string `json:"snippet"`
					Message struct {
						Body string `json:"body"`
					} `json:"message"`
				} `json:"results"`
				HasNextPage bool    `json:"hasNextPage"`
				EndCursor   *string `json:"endCursor"`
			} `json:"searchMessages"`
		}
		search := func(c *client, vars map[string]any) page {
			var p page
			c.do(q, vars).noErrors(t).dataInto(t, &p)
			return p
		}
		bob, carol := srv.as(t, f.bob), srv.as(t, f.carol)

		p := search(bob, map[string]any{"q": "HEL"})
		var got []string
		for _, r := range p.SearchMessages.Results {
			got = append(got, r.Snippet)
		}
		want := []string{"<mark>Hello</mark> there", "<mark>hello</mark> &lt;again&gt;", "<mark>Hello</mark> from Bob"}
		if strings.Join(got, "|") != strings.Join(want, "|") || p.SearchMessages.HasNextPage {
			t.Fatalf("snippets=%q hasNext=%v, want %q", got, p.SearchMessages.HasNextPage, want)
		}

		// Paging: two, then the rest.
		p1 := search(bob, map[string]any{"q": "hello", "first": 2})
		if len(p1.SearchMessages.Results) != 2 || !p1.SearchMessages.HasNextPage || p1.SearchMessages.EndCursor == nil {
			t.Fatalf("first page=%+v", p1.SearchMessages)
		}
		p2 := search(bob, map[string]any{"q": "hello", "first": 2, "after": *p1.SearchMessages.EndCursor})
		if len(p2.SearchMessages.Results) != 1 || p2.SearchMessages.HasNextPage ||
			p2.SearchMessages.Results[0].Message.Body != "Hello from Bob" {
			t.Fatalf("second page=%+v", p2.SearchMessages)
		}

		// Carol takes part in nothing: she finds nothing, in any room.
		for _, vars := range []map[string]any{{"q": "hello"}, {"q": "hello", "room": f.roomA.ID.String()}} {
			if n := len(search(carol, vars).SearchMessages.Results); n != 0 {
				t.Fatalf("outsider found %d results with %v", n, vars)
			}
		}
		// Bob takes part in room B too, but asked for room A only.
		if n := len(search(bob, map[string]any{"q": "rust", "room": f.roomA.ID.String()}).SearchMessages.Results); n != 0 {
			t.Fatalf("room filter let %d results of another room through", n)
		}

		// Once Bob leaves room A he no longer finds its messages, his own
		// included; room B's still are.
		t.Run("Leaver", func(t *testing.T) {
			bob.do(`mutation($room: UUID!) { leaveRoom(roomId: $room) { success } }`,
				map[string]any{"room": f.roomA.ID.String()}).noErrors(t)
			if n := len(search(bob, map[string]any{"q": "hello"}).SearchMessages.Results); n != 0 {
				t.Fatalf("after leaving, found %d results of the room left", n)
			}
			if n := len(search(bob, map[string]any{"q": "hello", "room": f.roomA.ID.String()}).SearchMessages.Results); n != 0 {
				t.Fatalf("after leaving, found %d results asking for the room left", n)
			}
			if n := len(search(bob, map[string]any{"q": "rust"}).SearchMessages.Results); n != 1 {
				t.Fatalf("after leaving room A, found %d results in room B, want 1", n)
			}
		})

		for _, tc := range []struct {
			name string
			vars map[string]any
			errs string
		}{
			{"ErrNoWords", map[string]any{"q": " a ! "}, `{"query":["` + edusphere.MsgSearchNoTerms + `"]}`},
			{"ErrTooLong", map[string]any{"q": strings.Repeat("x", 201)}, `{"query":["Ensure this value has at most 200 characters (it has 201)."]}`},
			{"ErrTooManyWords", map[string]any{"q": "aa bb cc dd ee ff gg hh ii"}, `{"query":["` + edusphere.MsgSearchTooManyTerm + `"]}`},
			{"ErrFirst", map[string]any{"q": "hello", "first": 51}, `{"first":["` + edusphere.MsgSearchFirst + `"]}`},
			{"ErrFirstZero", map[string]any{"q": "hello", "first": 0}, `{"first":["` + edusphere.MsgSearchFirst + `"]}`},
			{"ErrCursor", map[string]any{"q": "hello", "after": "bm90IGEgY3Vyc29y"}, `{"after":["` + edusphere.MsgSearchCursor + `"]}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := bob.do(q, tc.vars).firstError(t)
				errs, _ := json.Marshal(e.Extensions["errors"])
				if e.Message != edusphere.MsgInvalidData || string(errs) != tc.errs {
					t.Fatalf("error=%q %s, want %q %s", e.Message, errs, edusphere.MsgInvalidData, tc.errs)
				}
			})
		}
		t.Run("ErrLogin", func(t *testing.T) {
			if e := srv.client(t).do(q, map[string]any{"q": "hello"}).firstError(t); e.Message != edusphere.MsgLoginRequired {
				t.Fatalf("error=%q, want the login guard", e.Message)
			}
		})
	})
}

// TestReportMessage reports as a participant, twice, and as an outsider,
// on both stores.
func TestReportMessage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		srv := newServer(t, h)
		const q = `mutation($id: UUID!, $reason: String!) { reportMessage(messageId: $id, reason: $reason) { success } }`
		for _, tc := range []struct {
			name   string
			as     *edusphere.User
			reason string
			msg    string // "" for success
		}{
			{"OK", f.alice, "spam", ""},
			{"ErrTwice", f.alice, "spam again", edusphere.MsgReportOpen},
			{"ErrOutsider", f.carol, "spam", edusphere.MsgMessageNotFound},
			{"ErrBlank", f.bob, " ", edusphere.MsgInvalidData},
			{"ErrLong", f.bob, strings.Repeat("x", 501), edusphere.MsgInvalidData},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := srv.as(t, tc.as).do(q, map[string]any{"id": f.msgA1.ID.String(), "reason": tc.reason})
				if tc.msg == "" {
					r.noErrors(t)
					return
				}
				if e := r.firstError(t); e.Message != tc.msg {
					t.Fatalf("error=%q, want %q", e.Message, tc.msg)
				}
			})
		}
		open := edusphere.ReportOpen
		reports, _, err := h.Services.Reports.FindReports(context.Background(), edusphere.ReportFilter{Status: &open})
		if err != nil {
			t.Fatal(err)
		}
		if len(reports) != 1 || reports[0].ReporterID != f.alice.ID || reports[0].Reason != "spam" {
			t.Fatalf("reports=%+v, want alice's one", reports)
		}
	})
}
