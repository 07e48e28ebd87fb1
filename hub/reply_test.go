package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
)

// TestReply sends replies over /ws/chat: the optional "reply_to" of a
// "text" frame, the "reply_to" object of the broadcast, and the error
// frames of a bad one, on both stores.
func TestReply(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		ctx := context.Background()
		ada, bob := e.dial(f.ada, f.room), e.dial(f.bob, f.room)
		h.Clock.Set(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
		parent := testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: f.room.ID, UserID: f.ada.ID, Body: "Why <b>?"})
		elsewhere := testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: f.other.ID, UserID: f.ada.ID, Body: "x"})

		bob.send(t, `{"message":"because","reply_to":"`+parent.ID.String()+`"}`)
		got := ada.read(t)
		ms := messages(t, h.Services, f.room.ID)
		m := ms[len(ms)-1]
		if m.ReplyID() != parent.ID {
			t.Fatalf("stored ReplyTo=%v, want %v", m.ReplyTo, parent.ID)
		}
		want := `{"type": "chat_message", "action": "new", "id": "` + m.ID.String() + `", "user": "bob", "user_id": "` + f.bob.ID.String() +
			`", "body": "because", "created": "2026-03-04T05:06:07.000001+00:00", "edited": false, "updated": "2026-03-04T05:06:07.000001+00:00", "userAvatar": null` +
			`, "reply_to": {"id": "` + parent.ID.String() + `", "user": "ada", "user_id": "` + f.ada.ID.String() + `", "excerpt": "Why <b>?", "deleted": false}}`
		if got != want {
			t.Fatalf("frame=\n%s\nwant\n%s", got, want)
		}
		bob.read(t)

		for _, tc := range []struct{ name, frame string }{
			{"ErrOtherRoom", `{"message":"x","reply_to":"` + elsewhere.ID.String() + `"}`},
			{"ErrUnknown", `{"message":"x","reply_to":"` + f.eve.ID.String() + `"}`},
			{"ErrNotUUID", `{"message":"x","reply_to":"nope"}`},
			{"ErrNotString", `{"message":"x","reply_to":12}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(messages(t, h.Services, f.room.ID))
				bob.send(t, tc.frame)
				if got := bob.read(t); got != `{"error": "Message not found."}` {
					t.Fatalf("frame=%s, want the not-found error", got)
				}
				if n := len(messages(t, h.Services, f.room.ID)); n != before {
					t.Fatalf("messages=%d, want %d: a refused reply was stored", n, before)
				}
				ada.silent(t, 50*time.Millisecond)
			})
		}

		t.Run("NullIsPlain", func(t *testing.T) {
			bob.send(t, `{"message":"plain","reply_to":null}`)
			if m := decode(t, ada.read(t)); m["reply_to"] != nil || m["body"] != "plain" {
				t.Fatalf("frame=%v, want a plain message", m)
			}
			bob.read(t)
		})
	})
}
