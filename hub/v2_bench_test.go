package hub_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
)

// BenchmarkV2CatchUp measures one subscription that replays 1,000 missed
// events (docs/events.md, "Subscribing"): from the subscribe frame to the
// subscribed frame at the client, over loopback, on each store. Half the
// missed changes are creations, a quarter edits of earlier messages and a
// quarter deletions, so the catch-up reads messages, tombstones and authors.
//
//	go test -run X -bench V2CatchUp -benchtime 20x ./hub/
func BenchmarkV2CatchUp(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			h := testdb.SQLite(b)
			if kind == "postgres" {
				h = testdb.Postgres(b)
			}
			e := newEnv(b, h, hub.Config{}, nil)
			f := newFixture(b, h.Services)
			ctx := context.Background()
			// 500 messages seen before since, then the 1,000 missed
			// changes: 250 edits and 250 deletions of those and 500 new
			// messages, none compacted away.
			post := func(n int) []edusphere.ChatOp {
				var ops []edusphere.ChatOp
				for i := range n {
					u := f.ada
					if i%2 == 1 {
						u = f.bob
					}
					ops = append(ops, edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: f.room.ID, UserID: u.ID, Body: "a message of some ordinary length, typed in a study room"})
				}
				return ops
			}
			seen := h.Services.Messages.CommitChat(ctx, post(500))
			var ops []edusphere.ChatOp
			for i, r := range seen {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
				if i%2 == 0 {
					ops = append(ops, edusphere.ChatOp{Kind: edusphere.ChatUpdate, MessageID: r.Message.ID, Body: "edited"})
				} else {
					ops = append(ops, edusphere.ChatOp{Kind: edusphere.ChatDelete, MessageID: r.Message.ID})
				}
			}
			for _, r := range h.Services.Messages.CommitChat(ctx, append(ops, post(500)...)) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
			ws, _, err := e.dialRaw(dialOpts{path: "/ws/v2", cookie: f.bob.ID.String()})
			if err != nil {
				b.Fatal(err)
			}
			defer ws.CloseNow()
			ws.SetReadLimit(1 << 20)
			req, _ := json.Marshal(map[string]any{"type": "subscribe", "room": f.room.ID, "since": 500})
			events := 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := ws.Write(ctx, websocket.MessageText, req); err != nil {
					b.Fatal(err)
				}
				for {
					_, data, err := ws.Read(ctx)
					if err != nil {
						b.Fatal(err)
					}
					var fr struct {
						Type      string `json:"type"`
						Recovered bool   `json:"recovered"`
					}
					if err := json.Unmarshal(data, &fr); err != nil {
						b.Fatal(err)
					}
					if fr.Type == "subscribed" {
						if !fr.Recovered {
							b.Fatal("not recovered")
						}
						break
					}
					events++
				}
			}
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
		})
	}
}
