package storetest

import (
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// testMembership checks private rooms, leaving, removal, hand-over and
// invitations (docs/data.md, Private rooms, Invitations).
func testMembership(t *testing.T, open opener) {
	// privateEnv: ann hosts the private room Secret, with a message, and
	// the public room Open; cat takes part in Secret; bob does not.
	type privateEnv struct {
		*env
		ann, bob, cat *edusphere.User
		secret, open  *edusphere.Room
	}
	setup := func(t *testing.T) privateEnv {
		e := newEnv(t, open)
		p := privateEnv{env: e, ann: e.user(t, "ann"), bob: e.user(t, "bob"), cat: e.user(t, "cat")}
		var err error
		p.secret, err = e.s.Rooms.CreateRoom(e.ctx, edusphere.RoomCreate{
			HostID: p.ann.ID, Name: "Secret Plans", TopicName: "Hidden", Description: "closed group", IsPrivate: true})
		mustOK(t, "CreateRoom(private)", err)
		if !p.secret.IsPrivate || p.secret.MembersCanInvite {
			t.Fatalf("CreateRoom(private)=%+v, want IsPrivate only", p.secret)
		}
		p.open = e.room(t, p.ann, "Open Plans", "Go")
		if p.open.IsPrivate {
			t.Fatalf("CreateRoom default IsPrivate=true, want false")
		}
		_, err = e.s.Rooms.JoinRoom(e.ctx, p.secret.ID, p.cat.ID)
		mustOK(t, "JoinRoom", err)
		MustCreateMessage(t, e.ctx, e.s, &edusphere.Message{RoomID: p.secret.ID, UserID: p.ann.ID, Body: "plans inside"})
		MustCreateMessage(t, e.ctx, e.s, &edusphere.Message{RoomID: p.open.ID, UserID: p.ann.ID, Body: "plans outside"})
		return p
	}
	roomIDs := func(rooms []*edusphere.Room) map[uuid.UUID]bool {
		m := map[uuid.UUID]bool{}
		for _, r := range rooms {
			m[r.ID] = true
		}
		return m
	}

	t.Run("PrivateVisibility", func(t *testing.T) {
		p := setup(t)
		hidden := "Hidden"
		ann, plans := "ann", "plans"
		filters := []struct {
			name string
			f    edusphere.RoomFilter
		}{
			{"All", edusphere.RoomFilter{}},
			{"Search", edusphere.RoomFilter{Search: &plans}},
			{"SearchTopic", edusphere.RoomFilter{Search: &hidden, SearchTopic: true}},
			{"Host", edusphere.RoomFilter{HostUsername: &ann}},
			{"Topic", edusphere.RoomFilter{Topics: []string{"Hidden"}}},
			{"ParticipatedByAnn", edusphere.RoomFilter{ParticipantID: &p.ann.ID}},
			{"NotParticipatedByBob", edusphere.RoomFilter{NotParticipantID: &p.bob.ID}},
			{"ByID", edusphere.RoomFilter{IDs: []uuid.UUID{p.secret.ID}}},
			{"Paged", edusphere.RoomFilter{Limit: 1, Offset: 0, Order: edusphere.RoomOrderNewest}},
		}
		viewers := []struct {
			name        string
			viewer      *uuid.UUID
			seesPrivate bool
		}{
			{"Outsider", &p.bob.ID, false},
			{"Anonymous", &uuid.Nil, false},
			{"Participant", &p.cat.ID, true},
			{"Host", &p.ann.ID, true},
			{"Unfiltered", nil, true},
		}
		for _, v := range viewers {
			for _, tt := range filters {
				t.Run(v.name+"/"+tt.name, func(t *testing.T) {
					f := tt.f
					f.VisibleTo = v.viewer
					rooms, total, err := p.s.Rooms.FindRooms(p.ctx, f)
					mustOK(t, "FindRooms", err)
					got := roomIDs(rooms)[p.secret.ID]
					if tt.name == "Paged" {
						// Secret is older than Open: a page of one shows Open;
						// the total counts Secret only for those who see it.
						want := 1
						if v.seesPrivate {
							want = 2
						}
						if total != want {
							t.Fatalf("total=%d, want %d", total, want)
						}
						return
					}
					if got != v.seesPrivate {
						t.Fatalf("FindRooms sees the private room: %v, want %v", got, v.seesPrivate)
					}
					if !v.seesPrivate {
						for _, r := range rooms {
							if r.IsPrivate {
								t.Fatalf("FindRooms returned private room %q", r.Name)
							}
						}
					}
				})
			}
			t.Run(v.name+"/Messages", func(t *testing.T) {
				for _, f := range []edusphere.MessageFilter{
					{UserID: &p.ann.ID},
					{Search: &plans},
					{RoomID: &p.secret.ID},
				} {
					f.VisibleTo = v.viewer
					msgs, total, err := p.s.Messages.FindMessages(p.ctx, f)
					mustOK(t, "FindMessages", err)
					seen := false
					for _, m := range msgs {
						seen = seen || m.RoomID == p.secret.ID
					}
					if seen != v.seesPrivate {
						t.Fatalf("FindMessages(%+v) sees the private room's message: %v, want %v (total %d)",
							f, seen, v.seesPrivate, total)
					}
				}
			})
		}
		// Topic counts: only visible rooms count, and a topic whose rooms
		// are all hidden is hidden; a topic without rooms stays.
		_, err := p.s.Topics.GetOrCreateTopic(p.ctx, "Empty")
		mustOK(t, "GetOrCreateTopic", err)
		for _, tt := range []struct {
			name        string
			viewer      *uuid.UUID
			hiddenCount int // -1: the topic is absent
		}{
			{"Outsider", &p.bob.ID, -1},
			{"Anonymous", &uuid.Nil, -1},
			{"Participant", &p.cat.ID, 1},
			{"Unfiltered", nil, 1},
		} {
			t.Run("Topics/"+tt.name, func(t *testing.T) {
				topics, total, err := p.s.Topics.FindTopics(p.ctx, edusphere.TopicFilter{VisibleTo: tt.viewer})
				mustOK(t, "FindTopics", err)
				counts := map[string]int{}
				for _, tp := range topics {
					counts[tp.Name] = tp.RoomCount
				}
				got, ok := counts["Hidden"]
				if !ok {
					got = -1
				}
				if got != tt.hiddenCount || counts["Go"] != 1 || total != len(topics) {
					t.Fatalf("FindTopics=%v (total %d), want Hidden=%d, Go=1", counts, total, tt.hiddenCount)
				}
				if _, ok := counts["Empty"]; !ok {
					t.Fatalf("FindTopics=%v lost the topic without rooms", counts)
				}
				one := 1
				topics, _, err = p.s.Topics.FindTopics(p.ctx, edusphere.TopicFilter{VisibleTo: tt.viewer, MinRooms: &one})
				mustOK(t, "FindTopics(MinRooms)", err)
				if len(topics) != 1+max(tt.hiddenCount, 0) {
					t.Fatalf("FindTopics(MinRooms 1)=%d topics, want %d", len(topics), 1+max(tt.hiddenCount, 0))
				}
			})
		}

		// The single-room rule: the private room is "Room not found" to bob
		// and to an anonymous caller, the public one to nobody.
		for _, tt := range []struct {
			name string
			user *edusphere.User
			room *edusphere.Room
			ok   bool
		}{
			{"BobSecret", p.bob, p.secret, false},
			{"AnonSecret", nil, p.secret, false},
			{"CatSecret", p.cat, p.secret, true},
			{"AnnSecret", p.ann, p.secret, true},
			{"BobOpen", p.bob, p.open, true},
			{"AnonOpen", nil, p.open, true},
		} {
			t.Run("Check"+tt.name, func(t *testing.T) {
				err := edusphere.CheckRoomVisible(p.ctx, p.s.Rooms, tt.user, tt.room)
				if tt.ok {
					mustOK(t, "CheckRoomVisible", err)
				} else {
					wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
				}
			})
		}
	})

	t.Run("UpdateFlags", func(t *testing.T) {
		p := setup(t)
		yes, no := true, false
		r, err := p.s.Rooms.UpdateRoom(p.ctx, p.secret.ID, edusphere.RoomUpdate{IsPrivate: &no, MembersCanInvite: &yes})
		mustOK(t, "UpdateRoom", err)
		if r.IsPrivate || !r.MembersCanInvite {
			t.Fatalf("UpdateRoom=%+v, want public, members invite", r)
		}
		got, err := p.s.Rooms.FindRoomByID(p.ctx, p.secret.ID)
		mustOK(t, "FindRoomByID", err)
		if got.IsPrivate || !got.MembersCanInvite {
			t.Fatalf("FindRoomByID=%+v, want the stored flags", got)
		}
		rooms, _, err := p.s.Rooms.FindRooms(p.ctx, edusphere.RoomFilter{VisibleTo: &p.bob.ID})
		mustOK(t, "FindRooms", err)
		if !roomIDs(rooms)[p.secret.ID] {
			t.Fatalf("a room made public is still hidden")
		}
		// Other updates keep the flags.
		desc := "new"
		r, err = p.s.Rooms.UpdateRoom(p.ctx, p.secret.ID, edusphere.RoomUpdate{Description: &desc})
		mustOK(t, "UpdateRoom", err)
		if r.IsPrivate || !r.MembersCanInvite {
			t.Fatalf("UpdateRoom(description)=%+v changed the flags", r)
		}
		private := true
		rooms, _, err = p.s.Rooms.FindRooms(p.ctx, edusphere.RoomFilter{Private: &private})
		mustOK(t, "FindRooms(private)", err)
		if len(rooms) != 0 {
			t.Fatalf("FindRooms(Private)=%d rooms, want 0", len(rooms))
		}
	})

	t.Run("RemoveParticipant", func(t *testing.T) {
		p := setup(t)
		for _, tt := range []struct {
			name       string
			room, user uuid.UUID
			code, msg  string
		}{
			{"ErrHost", p.secret.ID, p.ann.ID, edusphere.EINVALID, edusphere.MsgHostCannotBeRemoved},
			{"ErrNotParticipant", p.secret.ID, p.bob.ID, edusphere.ENOTFOUND, edusphere.MsgNotParticipant},
			{"ErrUnknownRoom", uuid.New(), p.cat.ID, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantErr(t, p.s.Rooms.RemoveParticipant(p.ctx, tt.room, tt.user), tt.code, tt.msg)
			})
		}
		mustOK(t, "RemoveParticipant", p.s.Rooms.RemoveParticipant(p.ctx, p.secret.ID, p.cat.ID))
		ok, err := p.s.Rooms.IsParticipant(p.ctx, p.secret.ID, p.cat.ID)
		mustOK(t, "IsParticipant", err)
		r, err := p.s.Rooms.FindRoomByID(p.ctx, p.secret.ID)
		mustOK(t, "FindRoomByID", err)
		if ok || r.ParticipantCount != 1 {
			t.Fatalf("after removal: participant=%v count=%d, want false, 1", ok, r.ParticipantCount)
		}
		// Removed, cat sees nothing of the private room any more.
		rooms, _, err := p.s.Rooms.FindRooms(p.ctx, edusphere.RoomFilter{VisibleTo: &p.cat.ID})
		mustOK(t, "FindRooms", err)
		msgs, _, err := p.s.Messages.FindMessages(p.ctx, edusphere.MessageFilter{RoomID: &p.secret.ID, VisibleTo: &p.cat.ID})
		mustOK(t, "FindMessages", err)
		if roomIDs(rooms)[p.secret.ID] || len(msgs) != 0 {
			t.Fatalf("a removed participant still sees the private room (%d rooms, %d messages)", len(rooms), len(msgs))
		}
		wantErr(t, p.s.Rooms.RemoveParticipant(p.ctx, p.secret.ID, p.cat.ID), edusphere.ENOTFOUND, edusphere.MsgNotParticipant)
	})

	t.Run("TransferRoom", func(t *testing.T) {
		p := setup(t)
		for _, tt := range []struct {
			name       string
			room, user uuid.UUID
			code, msg  string
		}{
			{"ErrSelf", p.secret.ID, p.ann.ID, edusphere.EINVALID, edusphere.MsgTransferToSelf},
			{"ErrNotParticipant", p.secret.ID, p.bob.ID, edusphere.EINVALID, edusphere.MsgNotParticipant},
			{"ErrUnknownRoom", uuid.New(), p.cat.ID, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := p.s.Rooms.TransferRoom(p.ctx, tt.room, tt.user)
				wantErr(t, err, tt.code, tt.msg)
			})
		}
		r, err := p.s.Rooms.TransferRoom(p.ctx, p.secret.ID, p.cat.ID)
		mustOK(t, "TransferRoom", err)
		if r.HostID != p.cat.ID || r.Slug != p.secret.Slug || !r.IsPrivate {
			t.Fatalf("TransferRoom=%+v, want cat hosting, slug and privacy kept", r)
		}
		got, err := p.s.Rooms.FindRoomBySlug(p.ctx, "cat", p.secret.Slug)
		mustOK(t, "FindRoomBySlug(new host)", err)
		if got.ID != p.secret.ID {
			t.Fatalf("FindRoomBySlug found %v, want the handed-over room", got.ID)
		}
		// ann stays a participant and may now leave.
		mustOK(t, "RemoveParticipant(old host)", p.s.Rooms.RemoveParticipant(p.ctx, p.secret.ID, p.ann.ID))

		t.Run("SlugTaken", func(t *testing.T) {
			// bob has "Room  A" (slug room-a): taking over ann's "Room A"
			// needs a new slug; the names differ, so no conflict.
			e := newEnv(t, open)
			ann, bob := e.user(t, "ann"), e.user(t, "bob")
			a := e.room(t, ann, "Room A", "Go")
			e.room(t, bob, "Room  A", "Go")
			_, err := e.s.Rooms.JoinRoom(e.ctx, a.ID, bob.ID)
			mustOK(t, "JoinRoom", err)
			r, err := e.s.Rooms.TransferRoom(e.ctx, a.ID, bob.ID)
			mustOK(t, "TransferRoom", err)
			if r.HostID != bob.ID || !slugSuffixRe("room-a").MatchString(r.Slug) {
				t.Fatalf("TransferRoom=%+v, want bob hosting under a suffixed slug", r)
			}
		})
		t.Run("ErrNameTaken", func(t *testing.T) {
			e := newEnv(t, open)
			ann, bob := e.user(t, "ann"), e.user(t, "bob")
			a := e.room(t, ann, "Room A", "Go")
			e.room(t, bob, "ROOM A", "Go")
			_, err := e.s.Rooms.JoinRoom(e.ctx, a.ID, bob.ID)
			mustOK(t, "JoinRoom", err)
			_, err = e.s.Rooms.TransferRoom(e.ctx, a.ID, bob.ID)
			wantErr(t, err, edusphere.ECONFLICT, "")
			got, err := e.s.Rooms.FindRoomByID(e.ctx, a.ID)
			mustOK(t, "FindRoomByID", err)
			if got.HostID != ann.ID {
				t.Fatalf("a refused hand-over changed the host")
			}
		})
	})

	t.Run("Invitations", func(t *testing.T) {
		p := setup(t)
		e := p.env
		e.h.Clock.Set(epoch)
		inv := &edusphere.Invitation{RoomID: p.secret.ID, UserID: p.bob.ID, InviterID: p.ann.ID}
		mustOK(t, "CreateInvitation", e.s.Invitations.CreateInvitation(e.ctx, inv))
		if inv.ID == uuid.Nil {
			t.Fatalf("CreateInvitation set no id")
		}
		wantTime(t, "Created", inv.Created, epochUS)
		for _, tt := range []struct {
			name      string
			inv       edusphere.Invitation
			code, msg string
		}{
			{"ErrDuplicate", edusphere.Invitation{RoomID: p.secret.ID, UserID: p.bob.ID, InviterID: p.cat.ID},
				edusphere.ECONFLICT, edusphere.MsgAlreadyInvited},
			{"ErrParticipant", edusphere.Invitation{RoomID: p.secret.ID, UserID: p.cat.ID, InviterID: p.ann.ID},
				edusphere.ECONFLICT, edusphere.MsgAlreadyParticipant},
			{"ErrUnknownUser", edusphere.Invitation{RoomID: p.secret.ID, UserID: uuid.New(), InviterID: p.ann.ID},
				edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
			{"ErrUnknownRoom", edusphere.Invitation{RoomID: uuid.New(), UserID: p.bob.ID, InviterID: p.ann.ID},
				edusphere.ENOTFOUND, edusphere.MsgRoomNotFound},
		} {
			t.Run(tt.name, func(t *testing.T) {
				inv := tt.inv
				wantErr(t, e.s.Invitations.CreateInvitation(e.ctx, &inv), tt.code, tt.msg)
			})
		}
		for _, f := range []edusphere.InvitationFilter{{UserID: &p.bob.ID}, {RoomID: &p.secret.ID}, {InviterID: &p.ann.ID}} {
			list, total, err := e.s.Invitations.FindInvitations(e.ctx, f)
			mustOK(t, "FindInvitations", err)
			if total != 1 || len(list) != 1 || list[0].ID != inv.ID || list[0].UserID != p.bob.ID || list[0].InviterID != p.ann.ID {
				t.Fatalf("FindInvitations(%+v)=%d %+v, want bob's invitation", f, total, list)
			}
		}
		list, _, err := e.s.Invitations.FindInvitations(e.ctx, edusphere.InvitationFilter{UserID: &p.cat.ID})
		mustOK(t, "FindInvitations(cat)", err)
		if len(list) != 0 {
			t.Fatalf("FindInvitations(cat)=%d, want 0", len(list))
		}

		r, err := e.s.Invitations.AcceptInvitation(e.ctx, inv.ID)
		mustOK(t, "AcceptInvitation", err)
		if r.ID != p.secret.ID || r.ParticipantCount != 3 {
			t.Fatalf("AcceptInvitation=%+v, want the room with 3 participants", r)
		}
		ok, err := e.s.Rooms.IsParticipant(e.ctx, p.secret.ID, p.bob.ID)
		mustOK(t, "IsParticipant", err)
		if !ok {
			t.Fatalf("accepting did not join")
		}
		_, err = e.s.Invitations.AcceptInvitation(e.ctx, inv.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgInvitationNotFound)
		_, err = e.s.Invitations.FindInvitationByID(e.ctx, inv.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgInvitationNotFound)

		// Declining (or revoking) deletes; a room's deletion takes its
		// invitations along.
		dan := e.user(t, "dan")
		decl := &edusphere.Invitation{RoomID: p.secret.ID, UserID: dan.ID, InviterID: p.ann.ID}
		mustOK(t, "CreateInvitation", e.s.Invitations.CreateInvitation(e.ctx, decl))
		mustOK(t, "DeleteInvitation", e.s.Invitations.DeleteInvitation(e.ctx, decl.ID))
		wantErr(t, e.s.Invitations.DeleteInvitation(e.ctx, decl.ID), edusphere.ENOTFOUND, edusphere.MsgInvitationNotFound)
		ok, err = e.s.Rooms.IsParticipant(e.ctx, p.secret.ID, dan.ID)
		mustOK(t, "IsParticipant", err)
		if ok {
			t.Fatalf("declining joined")
		}
		gone := &edusphere.Invitation{RoomID: p.open.ID, UserID: dan.ID, InviterID: p.ann.ID}
		mustOK(t, "CreateInvitation", e.s.Invitations.CreateInvitation(e.ctx, gone))
		mustOK(t, "DeleteRoom", e.s.Rooms.DeleteRoom(e.ctx, p.open.ID))
		_, err = e.s.Invitations.FindInvitationByID(e.ctx, gone.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgInvitationNotFound)
	})

	t.Run("InvitationRate", func(t *testing.T) {
		e := newEnv(t, open)
		e.h.Clock.Set(epoch)
		ann := e.user(t, "ann")
		room := e.room(t, ann, "Busy", "Go")
		invite := func() error {
			u := MustCreateUser(t, e.ctx, e.s, nil)
			return e.s.Invitations.CreateInvitation(e.ctx, &edusphere.Invitation{RoomID: room.ID, UserID: u.ID, InviterID: ann.ID})
		}
		for i := 0; i < edusphere.MaxInvitationsPerWindow; i++ {
			mustOK(t, "CreateInvitation", invite())
		}
		wantErr(t, invite(), edusphere.ETOOMANYREQUEST, edusphere.MsgInvitationRateLimit)
		e.h.Clock.Add(edusphere.InvitationWindow + time.Second)
		mustOK(t, "CreateInvitation after the window", invite())
		_, total, err := e.s.Invitations.FindInvitations(e.ctx, edusphere.InvitationFilter{RoomID: &room.ID})
		mustOK(t, "FindInvitations", err)
		if total != edusphere.MaxInvitationsPerWindow+1 {
			t.Fatalf("pending=%d, want %d", total, edusphere.MaxInvitationsPerWindow+1)
		}
	})
}
