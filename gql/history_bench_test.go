package gql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql/seed"
	"github.com/edusphere/edusphere/testdb"
)

// seedRoomSQL fills a room with n messages by user in one INSERT, numbered
// 1..n in the room's sequence, one millisecond apart, as the store would
// have numbered them (docs/data.md, "Room sequences"); the benchmark needs
// a million of them, which one CreateMessage each would take minutes for.
// The ids are made-up version 4 UUIDs marked with tag.
func seedRoomSQL(tb testing.TB, path string, room, user uuid.UUID, n int) {
	tb.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `PRAGMA busy_timeout = 10000`); err != nil {
		tb.Fatal(err)
	}
	const created = `printf('2026-01-01T%02d:%02d:%02d.%06dZ', i / 3600000, (i / 60000) % 60, (i / 1000) % 60, (i % 1000) * 1000)`
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO core_message (id, user_id, room_id, body, edited, updated, created, created_seq, seq)
		SELECT printf('%08x-0000-4000-8000-%012x', ?4, i), ?2, ?3, 'message ' || i, 0, `+created+`, `+created+`, i, i FROM n`,
		n, user.String(), room.String(), time.Now().Unix()&0xffffffff); err != nil {
		tb.Fatalf("seed messages: %v", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE edusphere_room_seq SET seq = ?1,
		last_created = (SELECT max(created) FROM core_message WHERE room_id = ?2) WHERE room_id = ?2`, n, room.String()); err != nil {
		tb.Fatalf("seed sequence: %v", err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkMessagePage pages a room of 1,000 and of 1,000,000 messages
// (SQLite file): the newest page of 50, and the page of 50 before a
// message in the middle of the room. Keyset pages cost the same at both
// sizes (docs/events.md, "History paging").
func BenchmarkMessagePage(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "paging.db")
			h := testdb.OpenSQLite(b, path)
			ctx := context.Background()
			u := testdb.MustCreateUser(b, ctx, h.Services, &edusphere.User{Email: "pager@example.com", Username: "pager", Name: "Pager", IsActive: true})
			room := testdb.MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: u.ID, Name: "Big Room", TopicName: "Paging"})
			start := time.Now()
			seedRoomSQL(b, path, room.ID, u.ID, n)
			b.Logf("seeded %d messages in %v", n, time.Since(start).Round(time.Millisecond))
			srv := newServer(b, h)
			c := srv.client(b)
			// The cursor: the newest message of the middle page.
			mid := fetchPageB(b, c, room, n/2)
			for _, bc := range []struct {
				name   string
				before any
			}{{"newest", nil}, {"middle", mid}} {
				b.Run(bc.name, func(b *testing.B) {
					vars := map[string]any{"h": "pager", "r": room.Slug, "last": 50, "before": bc.before}
					for b.Loop() {
						var data struct{ MessagePage pageAnswer }
						c.do(pageQuery, vars).noErrors(b).dataInto(b, &data)
						if len(data.MessagePage.Messages) != 50 {
							b.Fatalf("page of %d messages, want 50", len(data.MessagePage.Messages))
						}
					}
				})
			}
		})
	}
}

// fetchPageB returns the id of the message at the 1-based position pos of
// the room's history, through messagePage.
func fetchPageB(b *testing.B, c *client, room *edusphere.Room, pos int) string {
	b.Helper()
	var data struct{ MessagePage pageAnswer }
	c.do(`query($h: String!, $r: String!) { messagePage(hostSlug: $h, roomSlug: $r, last: 1) { messages { id seq } seq } }`,
		map[string]any{"h": "pager", "r": room.Slug}).noErrors(b).dataInto(b, &data)
	id := data.MessagePage.Messages[0].ID
	// The seeded ids number the messages: replace the counter part.
	return id[:len(id)-12] + fmt.Sprintf("%012x", pos)
}

// BenchmarkHomePageUnread compares, in one run, the home page as it is
// (Rooms and Topics) for a signed-in user who takes part in all 100 rooms
// with the same page that also asks every room's seq and unreadCount, the
// user having unread messages in each room. The second must stay within
// 1.5× of the first (docs/limits.md, "History and unread").
func BenchmarkHomePageUnread(b *testing.B) {
	tb := keepAlive{}
	h := testdb.OpenSQLite(tb, filepath.Join(tb.TempDir(), "unread.db"))
	ctx := context.Background()
	res, err := seed.Run(ctx, h.Services, seed.Options{Seed: 1, Users: 500, Messages: 10_000})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
	reader := testdb.MustCreateUser(b, ctx, h.Services, &edusphere.User{Email: "reader@example.com", Username: "reader", Name: "Reader", IsActive: true})
	for i, room := range res.Rooms {
		if _, err := h.Services.Rooms.JoinRoom(ctx, room.ID, reader.ID); err != nil {
			b.Fatal(err)
		}
		for j := range i%5 + 1 {
			testdb.MustCreateMessage(b, ctx, h.Services, &edusphere.Message{RoomID: room.ID, UserID: room.HostID, Body: fmt.Sprintf("unread %d", j)})
		}
	}
	srv := newServer(tb, h)
	tok := token(b, reader.Email, time.Hour)
	home := seed.HomePage()
	withUnread := [][]byte{withFields(b, home[0], "__typename\n  }\n}", "seq\n    unreadCount\n    __typename\n  }\n}"), home[1]}
	// The answer really carries the counts.
	c := srv.as(b, reader)
	var q struct{ Query string }
	if err := json.Unmarshal(withUnread[0], &q); err != nil {
		b.Fatal(err)
	}
	var data struct {
		Rooms []struct{ UnreadCount *int }
	}
	c.do(q.Query, nil).noErrors(b).dataInto(b, &data)
	if len(data.Rooms) != 100 || data.Rooms[0].UnreadCount == nil || *data.Rooms[0].UnreadCount == 0 {
		b.Fatalf("rooms=%d, first unreadCount=%v; want 100 rooms with unread messages", len(data.Rooms), data.Rooms[0].UnreadCount)
	}
	b.Run("today", func(b *testing.B) { benchPageAs(b, srv, tok, home) })
	b.Run("unread", func(b *testing.B) { benchPageAs(b, srv, tok, withUnread) })
}

// withFields rewrites the last occurrence of old in the query of a JSON
// request body.
func withFields(b *testing.B, body []byte, old, repl string) []byte {
	b.Helper()
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		b.Fatal(err)
	}
	qs := req["query"].(string)
	i := strings.LastIndex(qs, old)
	if i < 0 {
		b.Fatalf("%q not in %s", old, qs)
	}
	req["query"] = qs[:i] + repl + qs[i+len(old):]
	out, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
