package gql_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/testdb"
)

// pageAnswer is messagePage's answer.
type pageAnswer struct {
	Messages []struct {
		ID   string `json:"id"`
		Body string `json:"body"`
		Seq  int64  `json:"seq"`
	} `json:"messages"`
	HasMore bool    `json:"hasMore"`
	Next    *string `json:"next"`
	Seq     int64   `json:"seq"`
}

const pageQuery = `query($h: String!, $r: String!, $last: Int, $before: ID) {
  messagePage(hostSlug: $h, roomSlug: $r, last: $last, before: $before) {
    messages { id body seq } hasMore next seq
  }
}`

func fetchPage(t *testing.T, c *client, room *edusphere.Room, host string, last int, before *string) pageAnswer {
	t.Helper()
	vars := map[string]any{"h": host, "r": room.Slug, "last": last}
	if before != nil {
		vars["before"] = *before
	}
	var data struct{ MessagePage pageAnswer }
	c.do(pageQuery, vars).noErrors(t).dataInto(t, &data)
	return data.MessagePage
}

func TestMessagePage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		f := newFixture(t, h)
		srv := newServer(t, h)
		c := srv.client(t)
		s := h.Services
		// roomA holds msgA1 and 24 more: 25 messages, sequence 25.
		for i := range 24 {
			testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: f.alice.ID, RoomID: f.roomA.ID, Body: fmt.Sprintf("m%02d", i)})
		}

		t.Run("Newest", func(t *testing.T) {
			p := fetchPage(t, c, f.roomA, "alice", 10, nil)
			if len(p.Messages) != 10 || !p.HasMore || p.Seq != 25 {
				t.Fatalf("page=%d messages, hasMore %v, seq %d; want 10, true, 25", len(p.Messages), p.HasMore, p.Seq)
			}
			if p.Messages[9].Body != "m23" || p.Messages[0].Body != "m14" || p.Next == nil || *p.Next != p.Messages[0].ID {
				t.Fatalf("page %s..%s next %v, want m14..m23 and next the first id", p.Messages[0].Body, p.Messages[9].Body, p.Next)
			}
			if p.Messages[9].Seq != 25 {
				t.Fatalf("seq of the newest=%d, want 25", p.Messages[9].Seq)
			}
		})
		t.Run("MessagesArgumentsSame", func(t *testing.T) {
			p := fetchPage(t, c, f.roomA, "alice", 10, nil)
			var data struct {
				Messages []struct{ ID string }
			}
			c.do(`query($before: ID) { messages(hostSlug: "alice", roomSlug: "go-study", last: 5, before: $before) { id } }`,
				map[string]any{"before": *p.Next}).noErrors(t).dataInto(t, &data)
			older := fetchPage(t, c, f.roomA, "alice", 5, p.Next)
			if len(data.Messages) != 5 || data.Messages[0].ID != older.Messages[0].ID || data.Messages[4].ID != older.Messages[4].ID {
				t.Fatalf("messages(last, before)=%v, want messagePage's %v", data.Messages, older.Messages)
			}
		})
		t.Run("ContractListUnchanged", func(t *testing.T) {
			var data struct {
				Messages []struct{ Body string }
			}
			c.do(`{ messages(hostSlug: "alice", roomSlug: "go-study") { body } }`, nil).noErrors(t).dataInto(t, &data)
			if len(data.Messages) != 25 || data.Messages[0].Body != "Hello from Bob" {
				t.Fatalf("messages()=%d, first %q; want the whole room oldest first", len(data.Messages), data.Messages[0].Body)
			}
		})
		t.Run("StableUnderWrites", func(t *testing.T) {
			// Walk back 4 at a time; between pages a message is posted, an
			// unseen one deleted and a seen one deleted.
			start := fetchPage(t, c, f.roomA, "alice", 1000, nil)
			present := map[string]bool{}
			for _, m := range start.Messages {
				present[m.ID] = true
			}
			deleted := map[string]bool{}
			var seen []string
			var before *string
			for round := 0; ; round++ {
				p := fetchPage(t, c, f.roomA, "alice", 4, before)
				ids := make([]string, len(p.Messages))
				for i, m := range p.Messages {
					ids[i] = m.ID
				}
				seen = append(ids, seen...)
				if !p.HasMore {
					break
				}
				before = p.Next
				testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomA.ID, Body: fmt.Sprintf("late %d", round)})
				// The oldest message still ahead, and the newest one seen.
				for _, m := range start.Messages {
					if !deleted[m.ID] && !slices.Contains(seen, m.ID) {
						mustDelete(t, s, m.ID, deleted)
						break
					}
				}
				for i := len(seen) - 1; i >= 0; i-- {
					if !deleted[seen[i]] {
						mustDelete(t, s, seen[i], deleted)
						break
					}
				}
			}
			got := map[string]bool{}
			for _, id := range seen {
				if got[id] {
					t.Fatalf("message %s seen twice", id)
				}
				got[id] = true
			}
			for id := range present {
				if !deleted[id] && !got[id] {
					t.Fatalf("message %s, present all along, never seen", id)
				}
			}
			// History order: the start's order restricted to what was seen.
			var want []string
			for _, m := range start.Messages {
				if got[m.ID] {
					want = append(want, m.ID)
				}
			}
			if !slices.Equal(seen, want) {
				t.Fatalf("walk order=%v, want %v", seen, want)
			}
		})
		t.Run("Errors", func(t *testing.T) {
			for _, tt := range []struct {
				name, query, msg, code string
			}{
				{"LastZero", `{ messagePage(hostSlug: "alice", roomSlug: "go-study", last: 0) { seq } }`, "last must be between 1 and 1000.", ""},
				{"LastTooLarge", `{ messagePage(hostSlug: "alice", roomSlug: "go-study", last: 1001) { seq } }`, "last must be between 1 and 1000.", ""},
				{"BadCursor", `{ messagePage(hostSlug: "alice", roomSlug: "go-study", before: "nope") { seq } }`, "before is not a valid cursor.", ""},
				{"UnknownCursor", `{ messagePage(hostSlug: "alice", roomSlug: "go-study", before: "` + uuid.NewString() + `") { seq } }`, edusphere.MsgMessageNotFound, gql.CodeNotFound},
				{"CursorOfAnotherRoom", `{ messagePage(hostSlug: "alice", roomSlug: "go-study", before: "` + f.msgB1.ID.String() + `") { seq } }`, edusphere.MsgMessageNotFound, gql.CodeNotFound},
				{"UnknownRoom", `{ messagePage(hostSlug: "alice", roomSlug: "nowhere") { seq } }`, edusphere.MsgRoomNotFound, gql.CodeNotFound},
				{"BothPagings", `{ messages(hostSlug: "alice", roomSlug: "go-study", first: 2, last: 2) { id } }`, "Use first and after, or last and before, not both.", ""},
				{"MessagesLastNegative", `{ messages(hostSlug: "alice", roomSlug: "go-study", last: -1) { id } }`, "last must be between 1 and 1000.", ""},
			} {
				t.Run(tt.name, func(t *testing.T) {
					e := c.do(tt.query, nil).firstError(t)
					if e.Message != tt.msg || fmt.Sprint(e.Extensions["code"]) != fmt.Sprint(orNil(tt.code)) {
						t.Fatalf("error=%q %v, want %q code %q", e.Message, e.Extensions, tt.msg, tt.code)
					}
				})
			}
		})
	})
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mustDelete(t *testing.T, s edusphere.Services, id string, deleted map[string]bool) {
	t.Helper()
	if err := s.Messages.DeleteMessage(context.Background(), uuid.MustParse(id)); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	deleted[id] = true
}

func TestUnreadCounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		f := newFixture(t, h)
		var mu sync.Mutex
		var told []string
		srv := newServer(t, h, func(c *gql.Config) {
			c.OnRoomRead = func(_ context.Context, userID uuid.UUID, st *edusphere.ReadState) {
				mu.Lock()
				defer mu.Unlock()
				told = append(told, fmt.Sprintf("%s %s %d", userID, st.RoomID, st.Seq))
			}
		})
		s := h.Services
		alice, bob, carol := srv.as(t, f.alice), srv.as(t, f.bob), srv.as(t, f.carol)
		anon := srv.client(t)

		roomUnread := func(c *client) any {
			t.Helper()
			var data struct {
				Room struct {
					Seq         int64
					UnreadCount *int
				}
			}
			c.do(`{ room(hostSlug: "alice", roomSlug: "go-study") { seq unreadCount } }`, nil).noErrors(t).dataInto(t, &data)
			if data.Room.UnreadCount == nil {
				return nil
			}
			return *data.Room.UnreadCount
		}
		// Bob's message came after alice's marker; bob wrote it.
		if got := roomUnread(alice); got != 1 {
			t.Fatalf("alice's unreadCount=%v, want 1", got)
		}
		if got := roomUnread(bob); got != 0 {
			t.Fatalf("bob's unreadCount=%v, want 0", got)
		}
		if got := roomUnread(carol); got != nil {
			t.Fatalf("carol's unreadCount=%v, want null: not a participant", got)
		}
		if got := roomUnread(anon); got != nil {
			t.Fatalf("anonymous unreadCount=%v, want null", got)
		}

		// Deletions are not counted; edits do not count again.
		m2 := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomA.ID, Body: "two"})
		m3 := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: f.bob.ID, RoomID: f.roomA.ID, Body: "three"})
		if err := s.Messages.DeleteMessage(ctx, m2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Messages.UpdateMessage(ctx, m3.ID, edusphere.MessageUpdate{Body: new("three!")}); err != nil {
			t.Fatal(err)
		}
		if got := roomUnread(alice); got != 2 {
			t.Fatalf("alice's unreadCount=%v, want 2 (msgA1 and m3; m2 deleted)", got)
		}

		t.Run("MyRoomsAndUnreadCounts", func(t *testing.T) {
			var data struct {
				MyRooms []struct {
					Name        string
					Seq         int64
					UnreadCount *int
				}
				UnreadCounts []struct {
					RoomID      string
					Seq         int64
					ReadSeq     int64
					UnreadCount int
				}
			}
			bob.do(`{ myRooms { name seq unreadCount } unreadCounts { roomId seq readSeq unreadCount } }`, nil).noErrors(t).dataInto(t, &data)
			if len(data.MyRooms) != 2 || len(data.UnreadCounts) != 2 {
				t.Fatalf("bob's rooms=%+v counts=%+v, want 2 each", data.MyRooms, data.UnreadCounts)
			}
			for _, r := range data.MyRooms {
				if r.UnreadCount == nil || *r.UnreadCount != 0 {
					t.Fatalf("bob's %s unread=%v, want 0", r.Name, r.UnreadCount)
				}
			}
			for _, u := range data.UnreadCounts {
				if u.RoomID == f.roomA.ID.String() && (u.Seq != 5 || u.ReadSeq != 3) {
					t.Fatalf("bob's roomA count=%+v, want seq 5 (a deletion and an edit), read up to 3 (his post)", u)
				}
			}
			e := anon.do(`{ myRooms { name } }`, nil).firstError(t)
			if e.Message != edusphere.MsgLoginRequired {
				t.Fatalf("anonymous myRooms error=%q, want the login guard's", e.Message)
			}
			var none struct{ MyRooms []any }
			carol.do(`{ myRooms { name } }`, nil).noErrors(t).dataInto(t, &none)
			if len(none.MyRooms) != 0 {
				t.Fatalf("carol's rooms=%v, want none", none.MyRooms)
			}
		})

		t.Run("MarkRoomRead", func(t *testing.T) {
			const mark = `mutation($room: UUID!, $seq: Int!) { markRoomRead(roomId: $room, seq: $seq) { roomId readSeq unreadCount seq } }`
			markAs := func(c *client, seq int) (readSeq, unread, roomSeq int) {
				t.Helper()
				var data struct {
					MarkRoomRead struct{ ReadSeq, UnreadCount, Seq int }
				}
				c.do(mark, map[string]any{"room": f.roomA.ID, "seq": seq}).noErrors(t).dataInto(t, &data)
				m := data.MarkRoomRead
				return m.ReadSeq, m.UnreadCount, m.Seq
			}
			if r, u, seq := markAs(alice, 1); r != 1 || u != 1 || seq != 5 {
				t.Fatalf("markRoomRead(1)=%d %d %d, want read 1, unread 1, seq 5", r, u, seq)
			}
			if r, u, _ := markAs(alice, 0); r != 1 || u != 1 {
				t.Fatalf("markRoomRead(0)=%d %d, want the marker kept at 1", r, u)
			}
			if r, u, _ := markAs(alice, 1_000_000); r != 5 || u != 0 {
				t.Fatalf("markRoomRead(1e6)=%d %d, want it clamped to the room's 5", r, u)
			}
			if got := roomUnread(alice); got != 0 {
				t.Fatalf("unreadCount after marking=%v, want 0", got)
			}
			mu.Lock()
			n := len(told)
			last := told[n-1]
			mu.Unlock()
			if n != 3 || last != fmt.Sprintf("%s %s 5", f.alice.ID, f.roomA.ID) {
				t.Fatalf("OnRoomRead told %d times, last %q", n, last)
			}
			for _, tt := range []struct {
				name string
				c    *client
				room any
				seq  int
				msg  string
				code any
			}{
				{"NotParticipant", carol, f.roomA.ID, 1, edusphere.MsgPermissionDenied, gql.CodePermissionDenied},
				{"UnknownRoom", alice, uuid.New(), 1, edusphere.MsgRoomNotFound, gql.CodeNotFound},
				{"Anonymous", anon, f.roomA.ID, 1, edusphere.MsgLoginRequired, nil},
				{"Negative", alice, f.roomA.ID, -1, "seq must not be negative.", nil},
			} {
				t.Run(tt.name, func(t *testing.T) {
					e := tt.c.do(mark, map[string]any{"room": tt.room, "seq": tt.seq}).firstError(t)
					if e.Message != tt.msg || e.Extensions["code"] != tt.code {
						t.Fatalf("error=%q %v, want %q %v", e.Message, e.Extensions, tt.msg, tt.code)
					}
				})
			}
			if r, _, _ := markAs(alice, 5); r != 5 {
				t.Fatalf("marker=%d after refused marks, want 5", r)
			}
		})
	})
}
