package gql_test

import (
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// TestPrivateRoomsAndInvitations walks a private room's life through the
// API on both stores: hidden from outsiders in every query, then an
// invitation, accepted; members inviting; leave, removal and hand-over.
func TestPrivateRoomsAndInvitations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		srv := newServer(t, h)
		as := func(u *edusphere.User) *client {
			if u == nil {
				return srv.client(t)
			}
			return srv.as(t, u)
		}
		// step sends query as u and checks the body holds each of want.
		step := func(name string, u *edusphere.User, query string, vars map[string]any, want ...string) *response {
			t.Helper()
			r := as(u).do(query, vars)
			if r.Status != 200 {
				t.Fatalf("%s: status=%d body=%s", name, r.Status, r.Body)
			}
			for _, w := range want {
				if !strings.Contains(r.Body, w) {
					t.Fatalf("%s: body=%s\nwant it to contain %s", name, r.Body, w)
				}
			}
			return r
		}
		// hidden checks that no answer to u mentions the private room.
		hidden := func(name string, u *edusphere.User, query string) {
			t.Helper()
			r := step(name, u, query, nil)
			for _, leak := range []string{"Secret Club", "secret-club", "hush", "Hush"} {
				if strings.Contains(r.Body, leak) {
					t.Fatalf("%s: body=%s leaks %q", name, r.Body, leak)
				}
			}
		}

		var created struct {
			CreateRoom struct {
				Room struct {
					ID        string `json:"id"`
					IsPrivate bool   `json:"isPrivate"`
				} `json:"room"`
			} `json:"createRoom"`
		}
		step("Create", f.alice, `mutation { createRoom(name: "Secret Club", topicName: "Hush", description: "hush", isPrivate: true) {
			room { id isPrivate membersCanInvite } } }`, nil, `"isPrivate":true,"membersCanInvite":false`).noErrors(t).dataInto(t, &created)
		roomID := created.CreateRoom.Room.ID
		step("Post", f.alice, `mutation { updateRoom(hostSlug: "alice", roomSlug: "secret-club", description: "hush hush") { room { isPrivate } } }`,
			nil, `"isPrivate":true`)
		testdb.MustCreateMessage(t, t.Context(), h.Services, &edusphere.Message{RoomID: mustUUID(t, roomID), UserID: f.alice.ID, Body: "hush now"})

		// Outsiders, logged in or not, see nothing of it.
		for _, u := range []*edusphere.User{nil, f.bob} {
			who := "Anonymous"
			if u != nil {
				who = u.Username
			}
			hidden(who+"/Rooms", u, `{ rooms { name } }`)
			hidden(who+"/Topics", u, `{ topics { name } }`)
			hidden(who+"/TopicsMinRooms", u, `{ topics(minRooms: 1) { name } }`)
			hidden(who+"/RoomsSearch", u, `{ rooms(search: "Secret") { name } }`)
			hidden(who+"/RoomsByHost", u, `{ rooms(hostSlug: "alice") { name slug } }`)
			hidden(who+"/RoomsByTopic", u, `{ rooms(topic: ["Hush"]) { name } }`)
			hidden(who+"/Participated", u, `{ roomsParticipatedByUser(userSlug: "alice") { name } }`)
			hidden(who+"/NotParticipated", u, `{ roomsNotParticipatedByUser(userSlug: "carol") { name } }`)
			hidden(who+"/MessagesByUser", u, `{ messagesByUser(userSlug: "alice") { body room { name } } }`)
			step(who+"/Room", u, `{ room(hostSlug: "alice", roomSlug: "secret-club") { name } }`, nil,
				`"message":"Room not found"`, `"data":{"room":null}`)
			step(who+"/MessagePage", u, `{ messagePage(hostSlug: "alice", roomSlug: "secret-club", last: 5) { messages { body } } }`, nil,
				`"message":"Room not found"`)
			step(who+"/Messages", u, `{ messages(hostSlug: "alice", roomSlug: "secret-club") { body } }`, nil,
				`"message":"Room not found"`)
		}
		step("ErrJoinHidden", f.bob, `mutation { joinRoom(hostSlug: "alice", roomSlug: "secret-club") { room { name } } }`, nil,
			`"message":"Room not found"`)
		step("ErrInviteHidden", f.bob, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "carol") { invitation { id } } }`,
			map[string]any{"r": roomID}, `"message":"Room not found"`)
		step("ErrLeaveHidden", f.bob, `mutation($r: UUID!) { leaveRoom(roomId: $r) { success } }`,
			map[string]any{"r": roomID}, `"message":"Room not found"`)
		step("HostSees", f.alice, `{ rooms(hostSlug: "alice") { name isPrivate } }`, nil, `{"name":"Secret Club","isPrivate":true}`)

		// The host invites bob; bob sees the invitation and accepts it.
		var invited struct {
			InviteToRoom struct {
				Invitation struct {
					ID string `json:"id"`
				} `json:"invitation"`
			} `json:"inviteToRoom"`
		}
		step("Invite", f.alice, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "bob") {
			invitation { id room { name } user { username } invitedBy { username } } } }`,
			map[string]any{"r": roomID}, `"room":{"name":"Secret Club"},"user":{"username":"bob"},"invitedBy":{"username":"alice"}`).
			noErrors(t).dataInto(t, &invited)
		inv := invited.InviteToRoom.Invitation.ID
		step("ErrInviteTwice", f.alice, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "bob") { invitation { id } } }`,
			map[string]any{"r": roomID}, edusphere.MsgAlreadyInvited)
		step("ErrInviteSelf", f.alice, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "alice") { invitation { id } } }`,
			map[string]any{"r": roomID}, edusphere.MsgCannotInviteYourself)
		step("ErrInviteUnknown", f.alice, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "nobody") { invitation { id } } }`,
			map[string]any{"r": roomID}, `"message":"User not found"`)
		step("MyInvitations", f.bob, `{ myInvitations { id room { name } invitedBy { username } } }`, nil,
			`"id":"`+inv+`","room":{"name":"Secret Club"},"invitedBy":{"username":"alice"}`)
		step("RoomInvitations", f.alice, `query($r: UUID!) { roomInvitations(roomId: $r) { user { username } } }`,
			map[string]any{"r": roomID}, `{"roomInvitations":[{"user":{"username":"bob"}}]}`)
		hidden("OthersInvitations", f.carol, `{ myInvitations { id room { name } } }`)
		step("ErrMyInvitationsAnonymous", nil, `{ myInvitations { id } }`, nil, edusphere.MsgLoginRequired)
		step("ErrAcceptOthers", f.carol, `mutation($i: UUID!) { acceptInvitation(invitationId: $i) { room { name } } }`,
			map[string]any{"i": inv}, `"message":"Invitation not found"`)
		step("ErrRevokeOthers", f.carol, `mutation($i: UUID!) { revokeInvitation(invitationId: $i) { success } }`,
			map[string]any{"i": inv}, `"message":"Invitation not found"`)
		step("Accept", f.bob, `mutation($i: UUID!) { acceptInvitation(invitationId: $i) { room { name participants { username } } } }`,
			map[string]any{"i": inv}, `"name":"Secret Club","participants":[{"username":"alice"},{"username":"bob"}]`)
		step("MemberSeesRoom", f.bob, `{ room(hostSlug: "alice", roomSlug: "secret-club") { name } }`, nil, `{"room":{"name":"Secret Club"}}`)
		step("MemberSeesMessages", f.bob, `{ messages(hostSlug: "alice", roomSlug: "secret-club") { body } }`, nil, `"body":"hush now"`)
		step("MemberSeesInList", f.bob, `{ rooms(search: "Secret") { name } }`, nil, `{"rooms":[{"name":"Secret Club"}]}`)

		// Members invite only when the host allows it.
		step("ErrMemberInvite", f.bob, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "carol") { invitation { id } } }`,
			map[string]any{"r": roomID}, `"message":"Permission denied"`)
		step("AllowMembers", f.alice, `mutation { updateRoom(hostSlug: "alice", roomSlug: "secret-club", membersCanInvite: true) {
			room { isPrivate membersCanInvite } } }`, nil, `"isPrivate":true,"membersCanInvite":true`)
		var second struct {
			InviteToRoom struct {
				Invitation struct {
					ID string `json:"id"`
				} `json:"invitation"`
			} `json:"inviteToRoom"`
		}
		step("MemberInvite", f.bob, `mutation($r: UUID!) { inviteToRoom(roomId: $r, username: "carol") { invitation { id } } }`,
			map[string]any{"r": roomID}).noErrors(t).dataInto(t, &second)
		step("HostRevokes", f.alice, `mutation($i: UUID!) { revokeInvitation(invitationId: $i) { success } }`,
			map[string]any{"i": second.InviteToRoom.Invitation.ID}, `{"revokeInvitation":{"success":true}}`)
		step("RevokedGone", f.carol, `{ myInvitations { id } }`, nil, `{"myInvitations":[]}`)

		// Leaving: the host may not; bob may, and the room hides again.
		step("ErrHostLeaves", f.alice, `mutation($r: UUID!) { leaveRoom(roomId: $r) { success } }`,
			map[string]any{"r": roomID}, edusphere.MsgHostCannotLeave)
		step("Leave", f.bob, `mutation($r: UUID!) { leaveRoom(roomId: $r) { success } }`,
			map[string]any{"r": roomID}, `{"leaveRoom":{"success":true}}`)
		step("GoneAfterLeave", f.bob, `{ room(hostSlug: "alice", roomSlug: "secret-club") { name } }`, nil, `"message":"Room not found"`)

		// Removal and hand-over in alice's public room, where bob takes part.
		roomA := map[string]any{"r": f.roomA.ID.String(), "u": f.bob.ID.String()}
		step("ErrRemoveNotHost", f.bob, `mutation($r: UUID!) { removeParticipant(roomId: $r, userId: "`+f.alice.ID.String()+`") { room { name } } }`,
			map[string]any{"r": f.roomA.ID.String()}, `"message":"Permission denied"`)
		step("ErrRemoveHost", f.alice, `mutation($r: UUID!) { removeParticipant(roomId: $r, userId: "`+f.alice.ID.String()+`") { room { name } } }`,
			map[string]any{"r": f.roomA.ID.String()}, edusphere.MsgHostCannotBeRemoved)
		step("Remove", f.alice, `mutation($r: UUID!, $u: UUID!) { removeParticipant(roomId: $r, userId: $u) { room { participants { username } } } }`,
			roomA, `{"removeParticipant":{"room":{"participants":[{"username":"alice"}]}}}`)
		step("ErrRemoveTwice", f.alice, `mutation($r: UUID!, $u: UUID!) { removeParticipant(roomId: $r, userId: $u) { room { name } } }`,
			roomA, edusphere.MsgNotParticipant)
		step("ErrTransferNonMember", f.alice, `mutation($r: UUID!, $u: UUID!) { transferRoom(roomId: $r, userId: $u) { room { name } } }`,
			roomA, edusphere.MsgNotParticipant)
		step("CarolJoins", f.carol, `mutation { joinRoom(hostSlug: "alice", roomSlug: "go-study") { room { name } } }`, nil, `"Go Study"`)
		step("ErrTransferNotHost", f.carol, `mutation($r: UUID!) { transferRoom(roomId: $r, userId: "`+f.carol.ID.String()+`") { room { name } } }`,
			map[string]any{"r": f.roomA.ID.String()}, `"message":"Permission denied"`)
		step("Transfer", f.alice, `mutation($r: UUID!) { transferRoom(roomId: $r, userId: "`+f.carol.ID.String()+`") { room { slug host { username } } } }`,
			map[string]any{"r": f.roomA.ID.String()}, `{"transferRoom":{"room":{"slug":"go-study","host":{"username":"carol"}}}}`)
		step("OldHostLeaves", f.alice, `mutation($r: UUID!) { leaveRoom(roomId: $r) { success } }`,
			map[string]any{"r": f.roomA.ID.String()}, `{"leaveRoom":{"success":true}}`)
		step("NewURL", nil, `{ room(hostSlug: "carol", roomSlug: "go-study") { participants { username } } }`, nil,
			`{"room":{"participants":[{"username":"carol"}]}}`)
	})
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatalf("parse uuid %q: %v", s, err)
	}
	return id
}

// TestInviteRevokeLoop invites and revokes over and over: the store counts
// pending invitations only, so without the per-user count of invitations
// sent the loop would flood the invitee with live invitations.
func TestInviteRevokeLoop(t *testing.T) {
	h := testdb.SQLite(t)
	f := newFixture(t, h)
	alice := newServer(t, h).as(t, f.alice)
	vars := map[string]any{"room": f.roomA.ID.String(), "user": f.carol.Username}
	const invite = `mutation($room: UUID!, $user: String!) { inviteToRoom(roomId: $room, username: $user) { invitation { id } } }`
	for i := range edusphere.MaxInvitationsPerWindow {
		var got struct {
			InviteToRoom struct {
				Invitation struct{ ID string }
			}
		}
		alice.do(invite, vars).noErrors(t).dataInto(t, &got)
		alice.do(`mutation($id: UUID!) { revokeInvitation(invitationId: $id) { success } }`,
			map[string]any{"id": got.InviteToRoom.Invitation.ID}).noErrors(t)
		if n := pendingInvitations(t, h, f.carol.ID); n != 0 {
			t.Fatalf("loop %d: %d pending, want 0 after the revoke", i, n)
		}
	}
	e := alice.do(invite, vars).firstError(t)
	if e.Message != edusphere.MsgInvitationRateLimit || e.Extensions["code"] != "TOO_MANY_REQUESTS" {
		t.Fatalf("invitation %d: error %q %v, want the rate limit", edusphere.MaxInvitationsPerWindow+1, e.Message, e.Extensions["code"])
	}
	if n := pendingInvitations(t, h, f.carol.ID); n != 0 {
		t.Fatalf("%d pending after the refused invitation, want 0", n)
	}
}

// pendingInvitations counts the pending invitations of user.
func pendingInvitations(t *testing.T, h *testdb.Handle, user uuid.UUID) int {
	t.Helper()
	invs, _, err := h.Services.Invitations.FindInvitations(t.Context(), edusphere.InvitationFilter{UserID: &user})
	if err != nil {
		t.Fatal(err)
	}
	return len(invs)
}
