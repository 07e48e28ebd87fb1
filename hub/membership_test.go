package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// membershipBroker is the in-memory broker, keeping what was published.
type membershipBroker struct {
	*inmem.Broker
	mu     sync.Mutex
	events map[string][]edusphere.Event
}

func (b *membershipBroker) Publish(ctx context.Context, channel string, ev edusphere.Event) error {
	b.mu.Lock()
	if b.events == nil {
		b.events = map[string][]edusphere.Event{}
	}
	b.events[channel] = append(b.events[channel], ev)
	b.mu.Unlock()
	return b.Broker.Publish(ctx, channel, ev)
}

// v2 returns the event-socket frames published on channel with type typ.
func (b *membershipBroker) v2(t *testing.T, channel, typ string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, ev := range b.events[channel] {
		if ev.Type != typ || ev.V2 == nil {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(ev.V2, &m); err != nil {
			t.Fatalf("decode v2 frame %s: %v", ev.V2, err)
		}
		out = append(out, m)
	}
	return out
}

func TestParticipantGone(t *testing.T) {
	for _, tt := range []struct {
		name  string
		actor func(f fixture) *edusphere.User
		typ   string
	}{
		{"Removed", func(f fixture) *edusphere.User { return f.ada }, edusphere.EventParticipantRemoved},
		{"Left", func(f fixture) *edusphere.User { return f.bob }, edusphere.EventParticipantLeft},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := testdb.SQLite(t)
			b := &membershipBroker{Broker: inmem.NewBroker()}
			t.Cleanup(func() { b.Close() })
			e := newEnv(t, h, hub.Config{}, b)
			f := newFixture(t, h.Services)
			if _, err := h.Services.Rooms.JoinRoom(context.Background(), f.other.ID, f.bob.ID); err != nil {
				t.Fatal(err)
			}
			bob1, bob2 := e.dial(f.bob, f.room), e.dial(f.bob, f.room)
			bobOther, ada := e.dial(f.bob, f.other), e.dial(f.ada, f.room)

			ctx := edusphere.NewContextWithUser(context.Background(), tt.actor(f))
			if err := e.services.Rooms.RemoveParticipant(ctx, f.room.ID, f.bob.ID); err != nil {
				t.Fatalf("RemoveParticipant=%v", err)
			}
			for _, c := range []*client{bob1, bob2} {
				if code := c.expectClose(t); code != hub.StatusRemoved {
					t.Fatalf("close code=%d, want %d", code, hub.StatusRemoved)
				}
			}
			// The room's other sockets and bob's other room carry on.
			for _, c := range []*client{ada, bobOther} {
				c.send(t, `{"message":"still here"}`)
				if m := c.readJSON(t); m["body"] != "still here" {
					t.Fatalf("frame=%v, want the socket still working", m)
				}
			}
			// A new handshake is refused like any non-participant's.
			_, res, err := e.dialRaw(dialOpts{path: "/ws/chat/ada/" + f.room.Slug, cookie: f.bob.ID.String()})
			if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
				t.Fatalf("handshake after removal: err=%v res=%v, want 403", err, res)
			}
			// The event sockets hear of it on the room's and bob's channels.
			for _, ch := range []string{edusphere.RoomChannel(f.room.ID), edusphere.UserChannel(f.bob.ID)} {
				frames := b.v2(t, ch, tt.typ)
				if len(frames) != 1 {
					t.Fatalf("%s: %d %s frames, want 1", ch, len(frames), tt.typ)
				}
				fr := frames[0]
				user, _ := fr["user"].(map[string]any)
				if fr["type"] != tt.typ || fr["room"] != f.room.ID.String() || user["id"] != f.bob.ID.String() ||
					user["username"] != "bob" {
					t.Fatalf("%s: frame=%v", ch, fr)
				}
				if _, ok := user["avatar"]; !ok {
					t.Fatalf("%s: frame=%v has no avatar key", ch, fr)
				}
			}
		})
	}
}

func TestPrivateRoomHandshake(t *testing.T) {
	h := testdb.SQLite(t)
	e := newEnv(t, h, hub.Config{}, nil)
	f := newFixture(t, h.Services)
	ctx := context.Background()
	secret := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{
		HostID: f.ada.ID, Name: "Secret", TopicName: "Go", IsPrivate: true})
	for _, tt := range []struct {
		name, path string
		user       *edusphere.User
	}{
		{"Outsider", "/ws/chat/ada/" + secret.Slug, f.eve},
		{"UnknownRoom", "/ws/chat/ada/no-such-room", f.eve},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := e.dialRaw(dialOpts{path: tt.path, cookie: tt.user.ID.String()})
			if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
				t.Fatalf("err=%v res=%v, want 403 as for an unknown room", err, res)
			}
		})
	}
	ada := e.dial(f.ada, secret)
	ada.send(t, `{"message":"members only"}`)
	if m := ada.readJSON(t); m["body"] != "members only" {
		t.Fatalf("frame=%v, want the host's socket working", m)
	}
}

// TestRemovedAcrossProcesses removes a participant in one process and
// checks that their socket held by another process closes.
func TestRemovedAcrossProcesses(t *testing.T) {
	redisURL, prefix := testdb.Redis(t)
	h := testdb.Postgres(t)
	f := newFixture(t, h.Services)
	p1 := process(t, h.DSN, redisURL, prefix)
	p2 := process(t, h.DSN, redisURL, prefix)
	bob := p1.dial(f.bob, f.room)
	ada := p2.dial(f.ada, f.room)
	ctx := edusphere.NewContextWithUser(context.Background(), f.ada)
	if err := p2.services.Rooms.RemoveParticipant(ctx, f.room.ID, f.bob.ID); err != nil {
		t.Fatalf("RemoveParticipant=%v", err)
	}
	if code := bob.expectClose(t); code != hub.StatusRemoved {
		t.Fatalf("close code=%d, want %d", code, hub.StatusRemoved)
	}
	ada.send(t, `{"message":"after"}`)
	if m := ada.readJSON(t); m["body"] != "after" {
		t.Fatalf("frame=%v, want ada's socket working", m)
	}
}

func TestInvitationFrames(t *testing.T) {
	h := testdb.SQLite(t)
	b := &membershipBroker{Broker: inmem.NewBroker()}
	t.Cleanup(func() { b.Close() })
	e := newEnv(t, h, hub.Config{}, b)
	f := newFixture(t, h.Services)
	ctx := edusphere.NewContextWithUser(context.Background(), f.ada)
	invs := e.services.Invitations
	inv := &edusphere.Invitation{RoomID: f.room.ID, UserID: f.eve.ID, InviterID: f.ada.ID}
	if err := invs.CreateInvitation(ctx, inv); err != nil {
		t.Fatalf("CreateInvitation=%v", err)
	}
	if _, err := invs.AcceptInvitation(ctx, inv.ID); err != nil {
		t.Fatalf("AcceptInvitation=%v", err)
	}
	other := &edusphere.Invitation{RoomID: f.other.ID, UserID: f.eve.ID, InviterID: f.ada.ID}
	if err := invs.CreateInvitation(ctx, other); err != nil {
		t.Fatalf("CreateInvitation=%v", err)
	}
	if err := invs.DeleteInvitation(ctx, other.ID); err != nil {
		t.Fatalf("DeleteInvitation=%v", err)
	}
	frames := b.v2(t, edusphere.UserChannel(f.eve.ID), edusphere.EventInvitation)
	var got []string
	for _, fr := range frames {
		got = append(got, fmt.Sprint(fr["action"], " ", fr["room"]))
	}
	want := []string{"created " + f.room.ID.String(), "accepted " + f.room.ID.String(),
		"created " + f.other.ID.String(), "revoked " + f.other.ID.String()}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("invitation frames=%v, want %v", got, want)
	}
	first := frames[0]
	by, _ := first["invitedBy"].(map[string]any)
	if first["roomName"] != f.room.Name || first["roomSlug"] != f.room.Slug || by["username"] != "ada" || first["id"] != inv.ID.String() {
		t.Fatalf("created frame=%v", first)
	}
	joined := b.v2(t, edusphere.RoomChannel(f.room.ID), "participant.joined")
	if len(joined) != 1 || joined[0]["user"].(map[string]any)["username"] != "eve" {
		t.Fatalf("participant.joined frames=%v, want eve's", joined)
	}
}
