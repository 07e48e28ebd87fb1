package hub_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

func TestHandshake(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ctx := context.Background()
	inactive := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "gone"})
	off := false
	if _, err := h.Services.Users.UpdateUser(ctx, inactive.ID, edusphere.UserUpdate{IsActive: &off}); err != nil {
		t.Fatalf("UpdateUser=%v, want nil", err)
	}
	room := "/ws/chat/ada/" + f.room.Slug

	for _, tt := range []struct {
		name string
		opts dialOpts
		want int // HTTP status; 101 for an accepted socket
	}{
		{"OK", dialOpts{path: room, cookie: f.bob.ID.String()}, 101},
		{"OKHost", dialOpts{path: room, cookie: f.ada.ID.String(), origin: "http://127.0.0.1"}, 101},
		{"OKQueryIgnored", dialOpts{path: room + "?x=1", cookie: f.bob.ID.String(), origin: "https://localhost:8443"}, 101},
		{"ErrNoOrigin", dialOpts{path: room, cookie: f.bob.ID.String(), origin: "-"}, 403},
		{"ErrForeignOrigin", dialOpts{path: room, cookie: f.bob.ID.String(), origin: "http://evil.example"}, 403},
		{"ErrLookAlikeOrigin", dialOpts{path: room, cookie: f.bob.ID.String(), origin: "http://localhost.evil.example"}, 403},
		{"ErrLookAlikePathOrigin", dialOpts{path: room, cookie: f.bob.ID.String(), origin: "http://evil.example/localhost"}, 403},
		{"ErrUserInfoOrigin", dialOpts{path: room, cookie: f.bob.ID.String(), origin: "http://localhost@evil.example"}, 403},
		{"ErrNullOrigin", dialOpts{path: room, cookie: f.bob.ID.String(), origin: "null"}, 403},
		{"ErrTrailingSlash", dialOpts{path: room + "/", cookie: f.bob.ID.String()}, 404},
		{"ErrShortPath", dialOpts{path: "/ws/chat/ada", cookie: f.bob.ID.String()}, 404},
		{"ErrBadSegment", dialOpts{path: "/ws/chat/ada/go.study", cookie: f.bob.ID.String()}, 404},
		{"ErrAnonymous", dialOpts{path: room}, 403},
		{"ErrBadToken", dialOpts{path: room, cookie: "garbage"}, 403},
		{"ErrUnknownUser", dialOpts{path: room, cookie: uuid.NewString()}, 403},
		{"ErrInactive", dialOpts{path: room, cookie: inactive.ID.String()}, 403},
		{"ErrUnknownRoom", dialOpts{path: "/ws/chat/ada/nope", cookie: f.bob.ID.String()}, 403},
		{"ErrWrongHost", dialOpts{path: "/ws/chat/bob/" + f.room.Slug, cookie: f.bob.ID.String()}, 403},
		{"ErrNotParticipant", dialOpts{path: room, cookie: f.eve.ID.String()}, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws, res, err := e.dialRaw(tt.opts)
			if tt.want == 101 {
				if err != nil {
					t.Fatalf("Dial=%v, want accepted", err)
				}
				ws.Close(websocket.StatusNormalClosure, "")
				return
			}
			if err == nil {
				ws.CloseNow()
				t.Fatalf("Dial accepted, want HTTP %d", tt.want)
			}
			if res == nil || res.StatusCode != tt.want {
				t.Fatalf("status=%v, want %d", res, tt.want)
			}
			if b, _ := io.ReadAll(res.Body); len(b) != 0 {
				t.Fatalf("body=%q, want empty", b)
			}
		})
	}
	t.Run("ErrPlainHTTP", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.srv.URL+room, nil)
		req.Header.Set("Origin", "http://localhost")
		req.Header.Set("Cookie", "JWT="+f.bob.ID.String())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET=%v", err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusSwitchingProtocols || res.StatusCode < 400 {
			t.Fatalf("status=%d, want a 4xx refusal of a non-WebSocket request", res.StatusCode)
		}
	})
}

func TestLocalOrigin(t *testing.T) {
	for origin, want := range map[string]bool{
		"http://localhost": true, "http://localhost:5173": true, "https://127.0.0.1:8443": true,
		"ws://localhost": true, "": false, "localhost": false, "http://127.0.0.2": false,
		"http://LOCALHOST.evil": false, "http://[::1]": false, "http://localhost@evil.example": false,
	} {
		if got := hub.LocalOrigin(origin); got != want {
			t.Errorf("LocalOrigin(%q)=%v, want %v", origin, got, want)
		}
	}
}

// iso mirrors the DateTime rendering (docs/graphql.md, Scalars) for expectations.
func iso(t time.Time) string {
	s := t.UTC().Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "+00:00"
}

func TestChat(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		ctx := context.Background()
		ada, bob := e.dial(f.ada, f.room), e.dial(f.bob, f.room)
		outsider := e.dial(f.ada, f.other)

		t.Run("Text", func(t *testing.T) {
			h.Clock.Set(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
			ada.send(t, `{"message":"h\u00e9llo \ud83d\ude00 \"q\"","type":"text","timestamp":"2026-03-04T05:06:07.000Z"}`)
			got := bob.read(t)
			ms := messages(t, h.Services, f.room.ID)
			if len(ms) != 1 {
				t.Fatalf("messages=%d when the frame arrived, want 1 (persisted before published)", len(ms))
			}
			m := ms[0]
			want := `{"type": "chat_message", "action": "new", "id": "` + m.ID.String() + `", "user": "ada", "user_id": "` + f.ada.ID.String() +
				`", "body": "h\u00e9llo \ud83d\ude00 \"q\"", "created": "2026-03-04T05:06:07+00:00", "edited": false, "updated": "2026-03-04T05:06:07+00:00", "userAvatar": null}`
			if got != want {
				t.Fatalf("frame=\n%s\nwant\n%s", got, want)
			}
			if m.Body != "héllo 😀 \"q\"" {
				t.Fatalf("Body=%q, want the sent text", m.Body)
			}
			if sender := ada.read(t); sender != want {
				t.Fatalf("sender frame=%s, want the same frame", sender)
			}
			outsider.silent(t, 100*time.Millisecond)
		})

		t.Run("DefaultTypeAndAvatar", func(t *testing.T) {
			h.Clock.Set(time.Date(2026, 3, 4, 5, 6, 7, 120000000, time.UTC))
			avatar := "avatars/b.png"
			u, err := h.Services.Users.UpdateUser(ctx, f.bob.ID, edusphere.UserUpdate{Avatar: &avatar})
			if err != nil {
				t.Fatalf("UpdateUser=%v", err)
			}
			bob2 := e.dial(u, f.room)
			bob2.send(t, `{"message":"  spaced  "}`)
			m := bob2.readJSON(t)
			if m["userAvatar"] != "avatars/b.png" || m["body"] != "  spaced  " || m["created"] != "2026-03-04T05:06:07.120000+00:00" {
				t.Fatalf("frame=%v, want avatar, untrimmed body and 6-digit fraction", m)
			}
			ada.read(t)
			bob.read(t)
			bob2.ws.Close(websocket.StatusNormalClosure, "")
		})

		t.Run("Boundary", func(t *testing.T) {
			ada.send(t, `{"message":"`+strings.Repeat("é", 500)+`"}`)
			if m := ada.readJSON(t); m["action"] != "new" {
				t.Fatalf("frame=%v, want new for 500 code points", m)
			}
			bob.read(t)
		})

		own := testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: f.room.ID, UserID: f.ada.ID, Body: "mine"})
		theirs := testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: f.room.ID, UserID: f.bob.ID, Body: "bob's"})
		elsewhere := testdb.MustCreateMessage(t, ctx, h.Services, &edusphere.Message{RoomID: f.other.ID, UserID: f.ada.ID, Body: "other room"})

		errs := []struct {
			name, frame, want string
			binary            bool
		}{
			{"ErrMissingMessage", `{"type":"text"}`, hub.MsgTooLong, false},
			{"ErrNullMessage", `{"type":"text","message":null}`, hub.MsgTooLong, false},
			{"ErrEmptyMessage", `{"message":""}`, hub.MsgTooLong, false},
			{"ErrLongMessage", `{"message":"` + strings.Repeat("a", 501) + `"}`, hub.MsgTooLong, false},
			{"ErrNumberMessage", `{"message":123}`, hub.MsgTooLong, false},
			{"ErrBoolMessage", `{"message":true}`, hub.MsgTooLong, false},
			{"ErrArrayMessage", `{"message":["a"]}`, hub.MsgTooLong, false},
			{"ErrUpdateNoID", `{"type":"update","message":"x"}`, hub.MsgNotFound, false},
			{"ErrUpdateNullID", `{"type":"update","messageId":null,"message":"x"}`, hub.MsgNotFound, false},
			{"ErrUpdateBadUUID", `{"type":"update","messageId":"nope","message":"x"}`, hub.MsgNotFound, false},
			{"ErrUpdateNumberID", `{"type":"update","messageId":7,"message":"x"}`, hub.MsgNotFound, false},
			{"ErrUpdateUnknown", `{"type":"update","messageId":"` + uuid.NewString() + `","message":"x"}`, hub.MsgNotFound, false},
			{"ErrUpdateOtherRoom", `{"type":"update","messageId":"` + elsewhere.ID.String() + `","message":"x"}`, hub.MsgNotFound, false},
			{"ErrUpdateNotOwn", `{"type":"update","messageId":"` + theirs.ID.String() + `","message":"x"}`, hub.MsgEditOwn, false},
			{"ErrUpdateEmpty", `{"type":"update","messageId":"` + own.ID.String() + `","message":""}`, hub.MsgTooLong, false},
			{"ErrUpdateMissingBody", `{"type":"update","messageId":"` + own.ID.String() + `"}`, hub.MsgTooLong, false},
			{"ErrUpdateLong", `{"type":"update","messageId":"` + own.ID.String() + `","message":"` + strings.Repeat("a", 501) + `"}`, hub.MsgTooLong, false},
			{"ErrDeleteNoID", `{"type":"delete"}`, hub.MsgNotFound, false},
			{"ErrDeleteBadUUID", `{"type":"delete","messageId":"12"}`, hub.MsgNotFound, false},
			{"ErrDeleteOtherRoom", `{"type":"delete","messageId":"` + elsewhere.ID.String() + `"}`, hub.MsgNotFound, false},
			{"ErrDeleteNotOwn", `{"type":"delete","messageId":"` + theirs.ID.String() + `"}`, hub.MsgDeleteOwn, false},
			{"ErrUnknownType", `{"type":"shout","message":"x"}`, hub.MsgUnknownType, false},
			{"ErrNumberType", `{"type":5,"message":"x"}`, hub.MsgUnknownType, false},
			{"ErrNullType", `{"type":null,"message":"x"}`, hub.MsgUnknownType, false},
			{"ErrMalformed", `{"message":`, hub.MsgInvalidFormat, false},
			{"ErrArray", `[1,2]`, hub.MsgInvalidFormat, false},
			{"ErrString", `"text"`, hub.MsgInvalidFormat, false},
			{"ErrNull", `null`, hub.MsgInvalidFormat, false},
			{"ErrBinary", `{"message":"hi"}`, hub.MsgInvalidFormat, true},
		}
		for _, tt := range errs {
			t.Run(tt.name, func(t *testing.T) {
				before := messages(t, h.Services, f.room.ID)
				if tt.binary {
					ada.sendType(t, websocket.MessageBinary, tt.frame)
				} else {
					ada.send(t, tt.frame)
				}
				want := `{"error": "` + tt.want + `"}`
				if got := ada.read(t); got != want {
					t.Fatalf("frame=%s, want %s", got, want)
				}
				bob.silent(t, 50*time.Millisecond) // errors go to the sender only
				after := messages(t, h.Services, f.room.ID)
				if len(after) != len(before) {
					t.Fatalf("messages=%d, want %d (no change)", len(after), len(before))
				}
				for i := range after {
					if after[i].Body != before[i].Body || after[i].Edited != before[i].Edited {
						t.Fatalf("message %d changed: %+v, was %+v", i, after[i], before[i])
					}
				}
			})
		}

		t.Run("Update", func(t *testing.T) {
			h.Clock.Set(time.Date(2026, 5, 6, 7, 8, 9, 654321000, time.UTC))
			ada.send(t, `{"type":"update","messageId":"`+strings.ToUpper(own.ID.String())+`","message":"ünïcode edit","timestamp":"x"}`)
			want := `{"type": "chat_message", "action": "update", "id": "` + own.ID.String() +
				`", "body": "\u00fcn\u00efcode edit", "edited": true, "updated": "2026-05-06T07:08:09.654321+00:00"}`
			if got := bob.read(t); got != want {
				t.Fatalf("frame=\n%s\nwant\n%s", got, want)
			}
			ada.read(t)
			m, err := h.Services.Messages.FindMessageByID(ctx, own.ID)
			if err != nil || m.Body != "ünïcode edit" || !m.Edited {
				t.Fatalf("stored=%+v, %v; want edited body", m, err)
			}
		})

		t.Run("Delete", func(t *testing.T) {
			ada.send(t, `{"type":"delete","messageId":"`+own.ID.String()+`"}`)
			want := `{"type": "chat_message", "action": "delete", "id": "` + own.ID.String() + `"}`
			if got := bob.read(t); got != want {
				t.Fatalf("frame=%s, want %s", got, want)
			}
			ada.read(t)
			if _, err := h.Services.Messages.FindMessageByID(ctx, own.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("FindMessageByID=%v, want ENOTFOUND", err)
			}
			ada.send(t, `{"type":"delete","messageId":"`+own.ID.String()+`"}`)
			if got := ada.read(t); got != `{"error": "Message not found."}` {
				t.Fatalf("second delete frame=%s, want not found", got)
			}
		})

		t.Run("WrappedServices", func(t *testing.T) {
			// GraphQL's updateMessage and deleteMessage use the wrapped services.
			body := "from graphql"
			m, err := e.services.Messages.UpdateMessage(ctx, theirs.ID, edusphere.MessageUpdate{Body: &body})
			if err != nil {
				t.Fatalf("UpdateMessage=%v", err)
			}
			want := `{"type": "chat_message", "action": "update", "id": "` + theirs.ID.String() + `", "body": "from graphql", "edited": true, "updated": "` + iso(m.Updated) + `"}`
			for _, c := range []*client{ada, bob} {
				if got := c.read(t); got != want {
					t.Fatalf("frame=%s, want %s", got, want)
				}
			}
			if err := e.services.Messages.DeleteMessage(ctx, theirs.ID); err != nil {
				t.Fatalf("DeleteMessage=%v", err)
			}
			if got := bob.readJSON(t); got["action"] != "delete" || got["id"] != theirs.ID.String() {
				t.Fatalf("frame=%v, want delete of %s", got, theirs.ID)
			}
			ada.read(t)
			created := &edusphere.Message{RoomID: f.room.ID, UserID: f.bob.ID, Body: "server side"}
			if err := e.services.Messages.CreateMessage(ctx, created); err != nil {
				t.Fatalf("CreateMessage=%v", err)
			}
			if got := ada.readJSON(t); got["user"] != "bob" || got["id"] != created.ID.String() {
				t.Fatalf("frame=%v, want bob's new message", got)
			}
			bob.read(t)
			outsider.silent(t, 50*time.Millisecond)
		})

		t.Run("StaysOpen", func(t *testing.T) {
			ada.send(t, `not json at all`)
			ada.read(t)
			ada.send(t, `{"message":"still here"}`)
			if m := bob.readJSON(t); m["body"] != "still here" {
				t.Fatalf("frame=%v, want the message after an error", m)
			}
			ada.read(t)
		})
	})
}
