package gql_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/testdb"
)

// countingPresence counts the batched reads GraphQL makes.
type countingPresence struct {
	*presence.Service
	online, lastSeen atomic.Int32
}

func (p *countingPresence) Online(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]edusphere.OnlineList, error) {
	p.online.Add(1)
	return p.Service.Online(ctx, ids)
}

func (p *countingPresence) LastSeen(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]time.Time, error) {
	p.lastSeen.Add(1)
	return p.Service.LastSeen(ctx, ids)
}

func TestPresenceFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		svc := presence.New(presence.Config{Broker: inmem.NewBroker(), Users: h.Services.Users, Rooms: h.Services.Rooms})
		t.Cleanup(func() { svc.Close(context.Background()) })
		p := &countingPresence{Service: svc}
		srv := newServer(t, h, func(c *gql.Config) { c.Presence = p })

		svc.Enter(f.alice.ID, f.roomA.ID)
		svc.Enter(f.bob.ID, f.roomA.ID)
		svc.Enter(f.bob.ID, f.roomB.ID)
		deadline := time.Now().Add(5 * time.Second)
		for {
			on, err := svc.Online(context.Background(), []uuid.UUID{f.roomA.ID, f.roomB.ID})
			if err == nil && on[f.roomA.ID].Count == 2 && on[f.roomB.ID].Count == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Online=%+v, %v; want 2 and 1", on, err)
			}
			time.Sleep(10 * time.Millisecond)
		}

		const q = `{ rooms { name onlineCount online { username lastSeen } participants { username lastSeen } } }`
		type user struct {
			Username string  `json:"username"`
			LastSeen *string `json:"lastSeen"`
		}
		type room struct {
			Name         string  `json:"name"`
			OnlineCount  *int    `json:"onlineCount"`
			Online       *[]user `json:"online"`
			Participants []user  `json:"participants"`
		}
		read := func(c *client) map[string]room {
			t.Helper()
			var data struct{ Rooms []room }
			c.do(q, nil).noErrors(t).dataInto(t, &data)
			out := map[string]room{}
			for _, r := range data.Rooms {
				out[r.Name] = r
			}
			return out
		}

		tests := []struct {
			name       string
			as         *edusphere.User
			room       string
			wantCount  int // -1: null
			wantOnline []string
			wantSeen   bool
		}{
			{"ParticipantSeesOnline", f.alice, "Go Study", 2, []string{"alice", "bob"}, true},
			{"NonParticipantSeesNull", f.alice, "Rust Club", -1, nil, true},
			{"HostSeesOwnRoom", f.bob, "Rust Club", 1, []string{"bob"}, true},
			{"StrangerSeesNull", f.carol, "Go Study", -1, nil, true},
			{"AnonymousSeesNull", nil, "Go Study", -1, nil, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := srv.client(t)
				if tt.as != nil {
					c = srv.as(t, tt.as)
				}
				before, seenBefore := p.online.Load(), p.lastSeen.Load()
				rooms := read(c)
				r := rooms[tt.room]
				if tt.wantCount < 0 {
					if r.OnlineCount != nil || r.Online != nil {
						t.Fatalf("onlineCount=%v online=%v, want null", r.OnlineCount, r.Online)
					}
				} else {
					if r.OnlineCount == nil || *r.OnlineCount != tt.wantCount || r.Online == nil {
						t.Fatalf("onlineCount=%v online=%v, want %d", r.OnlineCount, r.Online, tt.wantCount)
					}
					var got []string
					for _, u := range *r.Online {
						got = append(got, u.Username)
					}
					if !equalStrings(got, tt.wantOnline) {
						t.Fatalf("online=%v, want %v", got, tt.wantOnline)
					}
					// One batched presence read for every room of the list.
					if n := p.online.Load() - before; n != 1 {
						t.Fatalf("Online calls=%d, want 1", n)
					}
				}
				// lastSeen is batched per list of users, not read per user.
				if n := p.lastSeen.Load() - seenBefore; n > 3 {
					t.Fatalf("LastSeen calls=%d, want at most one per list", n)
				}
				for _, u := range r.Participants {
					if seen := u.LastSeen != nil; seen != tt.wantSeen {
						t.Fatalf("lastSeen of %s=%v, want set=%v", u.Username, u.LastSeen, tt.wantSeen)
					}
					if u.LastSeen != nil {
						ts, err := time.Parse(time.RFC3339, *u.LastSeen)
						if err != nil || time.Since(ts) > time.Minute {
							t.Fatalf("lastSeen=%q (%v), want about now", *u.LastSeen, err)
						}
					}
				}
			})
		}

		// carol was never online: her lastSeen is null, even to a signed-in caller.
		var data struct {
			User struct {
				LastSeen *string `json:"lastSeen"`
			} `json:"user"`
		}
		srv.as(t, f.alice).do(`{ user(userSlug: "carol") { lastSeen } }`, nil).noErrors(t).dataInto(t, &data)
		if data.User.LastSeen != nil {
			t.Fatalf("carol lastSeen=%v, want null", *data.User.LastSeen)
		}
	})
}

func TestPresenceFieldsWithoutService(t *testing.T) {
	h := testdb.SQLite(t)
	f := newFixture(t, h)
	srv := newServer(t, h)
	r := srv.as(t, f.alice).do(`{ room(hostSlug: "alice", roomSlug: "`+f.roomA.Slug+`") { onlineCount online { username } host { lastSeen } } }`, nil).noErrors(t)
	if want := `{"room":{"onlineCount":null,"online":null,"host":{"lastSeen":null}}}`; string(r.Data) != want {
		t.Fatalf("data=%s, want %s", r.Data, want)
	}
}
