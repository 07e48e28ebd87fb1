package hub_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

func TestV2Handshake(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ctx := context.Background()
	inactive := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "gone"})
	off := false
	if _, err := h.Services.Users.UpdateUser(ctx, inactive.ID, edusphere.UserUpdate{IsActive: &off}); err != nil {
		t.Fatalf("UpdateUser=%v, want nil", err)
	}
	for _, tt := range []struct {
		name string
		opts dialOpts
		want int
	}{
		{"OK", dialOpts{path: "/ws/v2", cookie: f.bob.ID.String()}, 101},
		{"OKQueryIgnored", dialOpts{path: "/ws/v2?x=1", cookie: f.bob.ID.String(), origin: "http://127.0.0.1:8000"}, 101},
		{"ErrNoOrigin", dialOpts{path: "/ws/v2", cookie: f.bob.ID.String(), origin: "-"}, 403},
		{"ErrForeignOrigin", dialOpts{path: "/ws/v2", cookie: f.bob.ID.String(), origin: "http://localhost.evil.example"}, 403},
		{"ErrNoCookie", dialOpts{path: "/ws/v2"}, 403},
		{"ErrBadCookie", dialOpts{path: "/ws/v2", cookie: "nope"}, 403},
		{"ErrUnknownUser", dialOpts{path: "/ws/v2", cookie: uuid.NewString()}, 403},
		{"ErrInactive", dialOpts{path: "/ws/v2", cookie: inactive.ID.String()}, 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws, res, err := e.dialRaw(tt.opts)
			if tt.want == 101 {
				if err != nil {
					t.Fatalf("dial: %v, want accepted", err)
				}
				ws.CloseNow()
				return
			}
			if err == nil {
				ws.CloseNow()
				t.Fatalf("dial accepted, want HTTP %d", tt.want)
			}
			if res == nil || res.StatusCode != tt.want {
				t.Fatalf("dial: %v %v, want HTTP %d", res, err, tt.want)
			}
		})
	}
	t.Run("ErrShuttingDown", func(t *testing.T) {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := e.hub.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
		_, res, err := e.dialRaw(dialOpts{path: "/ws/v2", cookie: f.bob.ID.String()})
		if err == nil || res == nil || res.StatusCode != 503 {
			t.Fatalf("dial after Shutdown: %v %v, want HTTP 503", res, err)
		}
	})
}

func TestV2Frames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		ada, bob := e.dialV2(f.ada), e.dialV2(f.bob)
		ada.subscribe(t, f.room.ID, 0)
		bob.subscribe(t, f.room.ID, 0)

		var adaMsg uuid.UUID
		t.Run("Send", func(t *testing.T) {
			ada.send(t, `{"type":"send","room":"`+f.room.ID.String()+`","message":"hi \ud83d\ude00","ref":"m1"}`)
			ev := bob.next(t)
			if ev.str("type") != "message.created" || ev.str("room") != f.room.ID.String() || ev.seq() != 1 {
				t.Fatalf("bob got %v, want message.created at 1", ev)
			}
			m := ev.msg()
			user, _ := m["user"].(map[string]any)
			if m.str("body") != "hi 😀" || user["username"] != "ada" || user["avatar"] != "" || m["edited"] != false {
				t.Fatalf("message=%v, want ada's body with her user object", m)
			}
			own := ada.next(t)
			ack := ada.next(t)
			if own.str("type") != "message.created" || ack.str("type") != "ack" || ack.str("ref") != "m1" || ack.seq() != 1 || ack.str("id") != m.str("id") {
				t.Fatalf("sender got %v then %v, want its event then the ack with id and seq", own, ack)
			}
			adaMsg = uuid.MustParse(m.str("id"))
		})

		t.Run("Edit", func(t *testing.T) {
			ada.sendJSON(t, map[string]any{"type": "edit", "id": adaMsg, "message": "edited", "ref": 7})
			if f := ada.next(t); f.str("error") != hub.MsgInvalidFormat {
				t.Fatalf("numeric ref: %v, want %q", f, hub.MsgInvalidFormat)
			}
			ada.sendJSON(t, map[string]any{"type": "edit", "id": adaMsg, "message": "edited", "ref": "e1"})
			ev := bob.next(t)
			if ev.str("type") != "message.updated" || ev.seq() != 2 || ev.msg().str("body") != "edited" || ev.msg()["edited"] != true {
				t.Fatalf("bob got %v, want message.updated at 2", ev)
			}
			ada.next(t)
			if ack := ada.next(t); ack.str("type") != "ack" || ack.seq() != 2 {
				t.Fatalf("ack=%v", ack)
			}
		})

		t.Run("Errors", func(t *testing.T) {
			room := f.room.ID.String()
			other := f.other.ID.String()
			for _, tt := range []struct {
				name, frame, want string
			}{
				{"NotJSON", `{"type":`, hub.MsgInvalidFormat},
				{"NotObject", `["subscribe"]`, hub.MsgInvalidFormat},
				{"Null", `null`, hub.MsgInvalidFormat},
				{"LongRef", `{"type":"ping","ref":"` + strings.Repeat("r", 65) + `"}`, hub.MsgInvalidFormat},
				{"NoType", `{"room":"` + room + `"}`, hub.MsgUnknownType},
				{"NumberType", `{"type":1}`, hub.MsgUnknownType},
				{"UnknownType", `{"type":"text","message":"x"}`, hub.MsgUnknownType},
				{"SubscribeNoRoom", `{"type":"subscribe"}`, hub.MsgInvalidFormat},
				{"SubscribeBadRoom", `{"type":"subscribe","room":"x"}`, hub.MsgRoomNotFound},
				{"SubscribeUnknownRoom", `{"type":"subscribe","room":"` + uuid.NewString() + `"}`, hub.MsgRoomNotFound},
				{"SubscribeNotParticipant", `{"type":"subscribe","room":"` + other + `"}`, hub.MsgRoomNotFound},
				{"SubscribeNegativeSince", `{"type":"subscribe","room":"` + room + `","since":-1}`, hub.MsgInvalidFormat},
				{"SubscribeStringSince", `{"type":"subscribe","room":"` + room + `","since":"1"}`, hub.MsgInvalidFormat},
				{"SendNotSubscribed", `{"type":"send","room":"` + other + `","message":"x"}`, hub.MsgNotSubscribed},
				{"SendBadRoom", `{"type":"send","room":7,"message":"x"}`, hub.MsgRoomNotFound},
				{"SendEmpty", `{"type":"send","room":"` + room + `","message":""}`, hub.MsgTooLong},
				{"SendTooLong", `{"type":"send","room":"` + room + `","message":"` + strings.Repeat("é", 501) + `"}`, hub.MsgTooLong},
				{"SendNoMessage", `{"type":"send","room":"` + room + `"}`, hub.MsgTooLong},
				{"EditOthers", `{"type":"edit","id":"` + adaMsg.String() + `","message":"x"}`, hub.MsgEditOwn},
				{"DeleteOthers", `{"type":"delete","id":"` + adaMsg.String() + `"}`, hub.MsgDeleteOwn},
				{"EditUnknown", `{"type":"edit","id":"` + uuid.NewString() + `","message":"x"}`, hub.MsgNotFound},
				{"DeleteBadID", `{"type":"delete","id":"nope"}`, hub.MsgNotFound},
				{"TypingNotSubscribed", `{"type":"typing","room":"` + other + `"}`, hub.MsgNotSubscribed},
			} {
				t.Run(tt.name, func(t *testing.T) {
					bob.send(t, tt.frame)
					got := bob.next(t)
					if got.str("type") != "error" || got.str("error") != tt.want {
						t.Fatalf("answer=%v, want error %q", got, tt.want)
					}
				})
			}
			bob.sendType(t, websocket.MessageBinary, `{"type":"ping"}`)
			if got := bob.next(t); got.str("error") != hub.MsgInvalidFormat {
				t.Fatalf("binary frame: %v", got)
			}
			if n := len(messages(t, h.Services, f.room.ID)); n != 1 {
				t.Fatalf("messages=%d after refused frames, want 1", n)
			}
			ada.silent(t, 50*time.Millisecond)
		})

		t.Run("PingTyping", func(t *testing.T) {
			bob.send(t, `{"type":"ping","ref":"p"}`)
			if got := bob.next(t); got.str("type") != "pong" || got.str("ref") != "p" {
				t.Fatalf("ping answered %v", got)
			}
			bob.send(t, `{"type":"typing","room":"`+f.room.ID.String()+`"}`) // no hook: ignored
			bob.silent(t, 50*time.Millisecond)
		})

		t.Run("DeleteAndUnsubscribe", func(t *testing.T) {
			ada.sendJSON(t, map[string]any{"type": "delete", "id": adaMsg, "ref": "d"})
			if ev := bob.next(t); ev.str("type") != "message.deleted" || ev.seq() != 3 || ev.str("id") != adaMsg.String() {
				t.Fatalf("bob got %v, want message.deleted at 3", ev)
			}
			ada.next(t)
			ada.next(t)
			bob.sendJSON(t, map[string]any{"type": "unsubscribe", "room": f.room.ID, "ref": "u"})
			if got := bob.next(t); got.str("type") != "unsubscribed" || got.str("ref") != "u" {
				t.Fatalf("unsubscribe answered %v", got)
			}
			ada.sendJSON(t, map[string]any{"type": "send", "room": f.room.ID, "message": "after"})
			ada.next(t)
			ada.next(t)
			// Unsubscribed but a participant: an unread frame instead.
			if got := bob.next(t); got.str("type") != "unread" || got.seq() != 4 || got.str("author") != f.ada.ID.String() {
				t.Fatalf("bob got %v, want unread at 4", got)
			}
			bob.sendJSON(t, map[string]any{"type": "send", "room": f.room.ID, "message": "x"})
			if got := bob.next(t); got.str("error") != hub.MsgNotSubscribed {
				t.Fatalf("send after unsubscribe: %v", got)
			}
		})
	})
}

func TestV2CatchUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		ctx := edusphere.NewContextWithUser(context.Background(), f.ada)
		m1 := e.post(t, f.ada, f.room.ID, "one") // 1
		m2 := e.post(t, f.bob, f.room.ID, "two") // 2
		body := "one, edited"
		if _, err := e.services.Messages.UpdateMessage(ctx, m1.ID, edusphere.MessageUpdate{Body: &body}); err != nil { // 3
			t.Fatal(err)
		}
		if err := e.services.Messages.DeleteMessage(ctx, m2.ID); err != nil { // 4
			t.Fatal(err)
		}
		m3 := e.post(t, f.ada, f.room.ID, "three") // 5

		for _, tt := range []struct {
			name      string
			since     int64
			want      []string // type@seq:id
			seq       int64
			recovered bool
		}{
			{"FromStart", 0, []string{"message.created@3:" + m1.ID.String(), "message.deleted@4:" + m2.ID.String(), "message.created@5:" + m3.ID.String()}, 5, true},
			{"FromOne", 1, []string{"message.updated@3:" + m1.ID.String(), "message.deleted@4:" + m2.ID.String(), "message.created@5:" + m3.ID.String()}, 5, true},
			{"FromFour", 4, []string{"message.created@5:" + m3.ID.String()}, 5, true},
			{"UpToDate", 5, nil, 5, true},
			{"Ahead", 9, nil, 5, false},
			{"NoSince", -1, nil, 5, false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				c := e.dialV2(f.bob)
				frames := c.subscribe(t, f.room.ID, tt.since)
				last := frames[len(frames)-1]
				if last.seq() != tt.seq || last["recovered"] != tt.recovered || last.str("ref") != "sub" {
					t.Fatalf("subscribed=%v, want seq %d recovered %v", last, tt.seq, tt.recovered)
				}
				var got []string
				for _, fr := range frames[:len(frames)-1] {
					id := fr.str("id")
					if m := fr.msg(); m != nil {
						id = m.str("id")
					}
					got = append(got, fmt.Sprintf("%s@%d:%s", fr.str("type"), fr.seq(), id))
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Fatalf("catch-up=%v, want %v", got, tt.want)
				}
				if tt.name == "FromStart" {
					if u, _ := frames[0].msg()["user"].(map[string]any); u["username"] != "ada" || frames[0].msg().str("body") != body {
						t.Fatalf("replayed message=%v, want its current body and author", frames[0].msg())
					}
				}
				c.ws.CloseNow()
			})
		}

		t.Run("LiveAfter", func(t *testing.T) {
			c := e.dialV2(f.bob)
			c.subscribe(t, f.room.ID, 5)
			e.post(t, f.ada, f.room.ID, "live")
			if ev := c.next(t); ev.str("type") != "message.created" || ev.seq() != 6 {
				t.Fatalf("live=%v, want message.created at 6", ev)
			}
		})

		t.Run("TooFarBehind", func(t *testing.T) {
			ops := make([]edusphere.ChatOp, edusphere.DefaultChangesLimit+1)
			for i := range ops {
				ops[i] = edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: f.room.ID, UserID: f.ada.ID, Body: "bulk"}
			}
			for _, r := range h.Services.Messages.CommitChat(context.Background(), ops) {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
			seq := int64(6 + len(ops))
			c := e.dialV2(f.bob)
			frames := c.subscribe(t, f.room.ID, 0)
			if len(frames) != 1 || frames[0]["recovered"] != false || frames[0].seq() != seq {
				t.Fatalf("frames=%s, want only subscribed recovered:false at %d", describe(frames), seq)
			}
			// Exactly the limit still catches up.
			frames = c.subscribe(t, f.room.ID, seq-int64(edusphere.DefaultChangesLimit))
			if len(frames) != edusphere.DefaultChangesLimit+1 || frames[len(frames)-1]["recovered"] != true {
				t.Fatalf("frames=%d, want %d events and subscribed", len(frames), edusphere.DefaultChangesLimit)
			}
		})
	})
}

// TestV2Order publishes message events out of order, twice and with a gap
// straight through the broker, and checks each subscription delivers every
// number once and in order, reading a missing one from the database.
func TestV2Order(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	c := e.dialV2(f.bob)
	c.subscribe(t, f.room.ID, 0)
	ctx := context.Background()

	// Stored without an announcement; the test announces them itself.
	var ms []*edusphere.Message
	for i := range 4 {
		m := &edusphere.Message{UserID: f.ada.ID, RoomID: f.room.ID, Body: fmt.Sprint("m", i)}
		if err := e.raw.Messages.CreateMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	publish := func(m *edusphere.Message) {
		ev := edusphere.Event{Type: edusphere.EventMessageCreated, RoomID: m.RoomID, UserID: m.UserID, Seq: m.Seq, V2: hub.V2Created(m, f.ada, m.Seq)}
		if err := e.broker.Publish(ctx, edusphere.RoomChannel(m.RoomID), ev); err != nil {
			t.Fatal(err)
		}
	}
	publish(ms[1]) // 2 before 1: held
	publish(ms[0])
	publish(ms[0]) // a duplicate: dropped
	publish(ms[3]) // 4 without 3: held, then 3 is read from the database
	start := time.Now()
	var seqs []int64
	for range 4 {
		seqs = append(seqs, c.until(t, "message.created").seq())
	}
	if fmt.Sprint(seqs) != "[1 2 3 4]" {
		t.Fatalf("seqs=%v, want [1 2 3 4]", seqs)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("3 came after %v, want it read after the hold", d)
	}
	publish(ms[2]) // late: already delivered by the repair
	c.silent(t, 100*time.Millisecond)

	t.Run("Gap", func(t *testing.T) {
		m := &edusphere.Message{UserID: f.ada.ID, RoomID: f.room.ID, Body: "lost"}
		if err := e.raw.Messages.CreateMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		// The broker reports a loss: the subscription reads what it missed.
		if err := e.broker.Publish(ctx, edusphere.RoomChannel(f.room.ID), edusphere.Event{Type: edusphere.EventGap}); err != nil {
			t.Fatal(err)
		}
		if ev := c.next(t); ev.str("type") != "message.created" || ev.seq() != 5 || ev.msg().str("body") != "lost" {
			t.Fatalf("after a gap got %v, want the lost message at 5", ev)
		}
	})
}

func TestV2RoomEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		e := newEnv(t, h, hub.Config{}, nil)
		f := newFixture(t, h.Services)
		ctx := edusphere.NewContextWithUser(context.Background(), f.ada)
		bob := e.dialV2(f.bob) // a participant, subscribed to nothing
		eve := e.dialV2(f.eve) // takes part in nothing yet
		ada := e.dialV2(f.ada)
		ada.subscribe(t, f.room.ID, 0)

		t.Run("Updated", func(t *testing.T) {
			name := "Go Study Group"
			if _, err := e.services.Rooms.UpdateRoom(ctx, f.room.ID, edusphere.RoomUpdate{Name: &name}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []*client{bob, ada} {
				if ev := c.next(t); ev.str("type") != "room.updated" || ev.str("room") != f.room.ID.String() || ev.str("name") != name || ev.str("slug") == "" {
					t.Fatalf("got %v, want room.updated", ev)
				}
			}
			eve.silent(t, 50*time.Millisecond)
		})

		t.Run("Joined", func(t *testing.T) {
			if _, err := e.services.Rooms.JoinRoom(edusphere.NewContextWithUser(context.Background(), f.eve), f.room.ID, f.eve.ID); err != nil {
				t.Fatal(err)
			}
			for _, c := range []*client{bob, ada, eve} {
				ev := c.next(t)
				if u, _ := ev["user"].(map[string]any); ev.str("type") != "participant.joined" || u["username"] != "eve" {
					t.Fatalf("got %v, want participant.joined of eve", ev)
				}
			}
			eve.silent(t, 50*time.Millisecond) // once, not also through the room
			// Eve now counts the room's unread messages.
			deadline := time.Now().Add(5 * time.Second)
			for {
				e.post(t, f.ada, f.room.ID, "welcome")
				ada.next(t)
				bob.next(t)
				if ev, err := eve.tryRead(200 * time.Millisecond); err == nil {
					if fr := frame(decode(t, ev)); fr.str("type") != "unread" {
						t.Fatalf("eve got %v, want unread", fr)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("eve never got unread frames of the room she joined")
				}
			}
			eve.subscribe(t, f.room.ID, -1)
		})

		t.Run("Left", func(t *testing.T) {
			e.notifier.ParticipantLeft(ctx, f.room.ID, f.eve)
			for _, c := range []*client{bob, ada, eve} {
				if ev := c.next(t); ev.str("type") != "participant.left" {
					t.Fatalf("got %v, want participant.left", ev)
				}
			}
			eve.sendJSON(t, map[string]any{"type": "send", "room": f.room.ID, "message": "x"})
			if ev := eve.next(t); ev.str("error") != hub.MsgNotSubscribed {
				t.Fatalf("send after leaving: %v, want %q", ev, hub.MsgNotSubscribed)
			}
		})

		t.Run("Read", func(t *testing.T) {
			e.notifier.RoomRead(ctx, f.bob.ID, &edusphere.ReadState{RoomID: f.room.ID, Seq: 3, Unread: 2})
			ev := bob.next(t)
			if ev.str("type") != "unread" || ev["read"] != float64(3) || ev["count"] != float64(2) {
				t.Fatalf("got %v, want unread with read 3 count 2", ev)
			}
			ada.silent(t, 50*time.Millisecond)
		})

		t.Run("Deleted", func(t *testing.T) {
			if err := e.services.Rooms.DeleteRoom(ctx, f.room.ID); err != nil {
				t.Fatal(err)
			}
			for _, c := range []*client{bob, ada} {
				if ev := c.next(t); ev.str("type") != "room.deleted" || ev.str("room") != f.room.ID.String() {
					t.Fatalf("got %v, want room.deleted", ev)
				}
			}
			ada.sendJSON(t, map[string]any{"type": "send", "room": f.room.ID, "message": "x"})
			if ev := ada.next(t); ev.str("error") != hub.MsgNotSubscribed {
				t.Fatalf("send after deletion: %v", ev)
			}
			ada.send(t, `{"type":"ping"}`) // the socket lives on
			if ev := ada.next(t); ev.str("type") != "pong" {
				t.Fatalf("got %v, want pong", ev)
			}
		})
	})
}

func TestV2Limits(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{RateLimit: auth.Limit{Count: 3, Per: time.Hour}, SessionCheck: 50 * time.Millisecond}, nil)
	f := newFixture(t, h.Services)

	t.Run("RateLimit", func(t *testing.T) {
		c := e.dialV2(f.bob)
		for i := range 3 {
			c.sendJSON(t, map[string]any{"type": "ping", "ref": fmt.Sprint(i)})
			if ev := c.next(t); ev.str("type") != "pong" {
				t.Fatalf("ping %d: %v", i, ev)
			}
		}
		c.send(t, `{"type":"ping","ref":"x"}`)
		if ev := c.next(t); ev.str("error") != hub.MsgRateLimited || ev.str("ref") != "x" {
			t.Fatalf("4th frame: %v, want %q", ev, hub.MsgRateLimited)
		}
		// Shared with the user's chat sockets.
		chat := e.dial(f.bob, f.room)
		chat.send(t, `{"message":"x"}`)
		if m := chat.readJSON(t); m["error"] != hub.MsgRateLimited {
			t.Fatalf("chat frame: %v, want rate limited", m)
		}
	})

	t.Run("TooBig", func(t *testing.T) {
		// A small limit, so the whole frame leaves in one write: a frame
		// bigger than the socket buffers can meet the server's close
		// half-written and end in a reset instead of a close frame.
		e := newEnv(t, h, hub.Config{MaxFrameBytes: 1024}, nil)
		c := e.dialV2(f.ada)
		c.send(t, `{"type":"ping","ref":"`+strings.Repeat("x", 2000)+`"}`)
		if code := c.expectClose(t); code != websocket.StatusMessageTooBig {
			t.Fatalf("close=%d, want 1009", code)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		ws, _, err := e.dialRaw(dialOpts{path: "/ws/v2", cookie: f.ada.ID.String() + "/7/0.3"})
		if err != nil {
			t.Fatal(err)
		}
		c := (&client{t: t, ws: ws}).start()
		defer ws.CloseNow()
		if code := c.expectClose(t); code != hub.StatusSessionEnded {
			t.Fatalf("close=%d, want 4401 once the token expired", code)
		}
	})

	t.Run("Disabled", func(t *testing.T) {
		c := e.dialV2(f.ada)
		e.notifier.UserDisabled(context.Background(), f.ada.ID)
		if code := c.expectClose(t); code != hub.StatusUserDisabled {
			t.Fatalf("close=%d, want 4403", code)
		}
	})

	t.Run("SessionEnds", func(t *testing.T) {
		c := e.dialV2(f.eve)
		e.auth.revoke(1)
		if code := c.expectClose(t); code != hub.StatusSessionEnded {
			t.Fatalf("close=%d, want 4401", code)
		}
	})
}

func TestV2Subscriptions(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ctx := context.Background()
	rooms := make([]uuid.UUID, 0, 101)
	for i := range 101 {
		r := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: f.eve.ID, Name: fmt.Sprint("r", i), TopicName: "Go"})
		rooms = append(rooms, r.ID)
	}
	c := e.dialV2(f.eve)
	for _, r := range rooms[:100] {
		c.subscribe(t, r, -1)
	}
	c.sendJSON(t, map[string]any{"type": "subscribe", "room": rooms[100]})
	if ev := c.next(t); ev.str("error") != hub.MsgTooManySubs {
		t.Fatalf("101st subscription: %v, want %q", ev, hub.MsgTooManySubs)
	}
	c.subscribe(t, rooms[0], 0) // subscribing again is not one more
	c.sendJSON(t, map[string]any{"type": "unsubscribe", "room": rooms[1]})
	c.until(t, "unsubscribed")
	c.subscribe(t, rooms[100], -1)
}

// typingHook records typing frames and refuses every second one.
type typingHook struct {
	calls chan uuid.UUID
	n     int
}

func (h *typingHook) Typing(ctx context.Context, user *edusphere.User, room uuid.UUID) error {
	h.n++
	h.calls <- room
	if h.n%2 == 0 {
		return edusphere.Errorf(edusphere.EINVALID, "Too many typing frames.")
	}
	return nil
}

func TestV2TypingAndRemoval(t *testing.T) {
	h := testdb.SQLite(t)
	hook := &typingHook{calls: make(chan uuid.UUID, 4)}
	e := newEnv(t, h, hub.Config{Typing: hook}, nil)
	f := newFixture(t, h.Services)
	bob := e.dialV2(f.bob)
	bob.subscribe(t, f.room.ID, -1)

	bob.sendJSON(t, map[string]any{"type": "typing", "room": f.room.ID, "ref": "t1"})
	if got := <-hook.calls; got != f.room.ID {
		t.Fatalf("hook got room %s, want %s", got, f.room.ID)
	}
	bob.silent(t, 50*time.Millisecond) // accepted: no answer
	bob.sendJSON(t, map[string]any{"type": "typing", "room": f.room.ID, "ref": "t2"})
	<-hook.calls
	if ev := bob.next(t); ev.str("error") != "Too many typing frames." || ev.str("ref") != "t2" {
		t.Fatalf("refused typing: %v, want the hook's message", ev)
	}

	// Removed by the host: the subscription ends, and so do unread frames.
	e.notifier.ParticipantRemoved(context.Background(), f.room.ID, f.bob)
	if ev := bob.next(t); ev.str("type") != "participant.removed" {
		t.Fatalf("got %v, want participant.removed", ev)
	}
	bob.silent(t, 50*time.Millisecond) // once, not also through the room
	e.post(t, f.ada, f.room.ID, "after the removal")
	bob.silent(t, 100*time.Millisecond)
	bob.sendJSON(t, map[string]any{"type": "typing", "room": f.room.ID})
	if ev := bob.next(t); ev.str("error") != hub.MsgNotSubscribed {
		t.Fatalf("typing after removal: %v", ev)
	}
}
