package storetest

import (
	"sync"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func testReadMarkers(t *testing.T, open opener) {
	t.Run("Unread", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		guest := e.user(t, "guest")
		r := e.room(t, host, "Chat", "Go")
		e.commit(t, creates(r, host, "before", 4)...) // seq 1..4
		e.join(t, r, guest)
		state := func(user *edusphere.User) *edusphere.ReadState {
			t.Helper()
			got, err := e.s.ReadMarkers.FindReadStates(e.ctx, user.ID, []uuid.UUID{r.ID})
			mustOK(t, "FindReadStates", err)
			if got[r.ID] == nil {
				t.Fatalf("FindReadStates=%v, want the room", got)
			}
			return got[r.ID]
		}
		want := func(user *edusphere.User, seq int64, unread int) {
			t.Helper()
			if st := state(user); st.Seq != seq || st.Unread != unread || st.RoomID != r.ID || st.RoomSeq < seq {
				t.Fatalf("%s's state=%+v, want seq %d, unread %d", user.Username, st, seq, unread)
			}
		}
		// Joining starts the marker at the room's number: history is read.
		want(guest, 4, 0)
		// The host's marker moved with the host's own messages.
		want(host, 4, 0)

		res := e.commit(t, creates(r, host, "new", 3)...) // 5..7
		want(guest, 4, 3)
		want(host, 7, 0)
		// Posting marks the room read up to the post for its author.
		g := e.commit(t, creates(r, guest, "reply", 1)...) // 8
		want(guest, 8, 0)
		want(host, 7, 1)

		mark := func(user *edusphere.User, seq int64) *edusphere.ReadState {
			t.Helper()
			st, err := e.s.ReadMarkers.MarkRead(e.ctx, user.ID, r.ID, seq)
			mustOK(t, "MarkRead", err)
			return st
		}
		e.commit(t, creates(r, host, "more", 2)...) // 9, 10
		want(guest, 8, 2)
		if st := mark(guest, 9); st.Seq != 9 || st.Unread != 1 {
			t.Fatalf("MarkRead(9)=%+v, want seq 9, unread 1", st)
		}
		if st := mark(guest, 5); st.Seq != 9 || st.Unread != 1 {
			t.Fatalf("MarkRead(5)=%+v, want the marker kept at 9: never backwards", st)
		}
		if st := mark(guest, 1000); st.Seq != 10 || st.Unread != 0 || st.RoomSeq != 10 {
			t.Fatalf("MarkRead(1000)=%+v, want it capped at the room's 10", st)
		}
		// An edit does not make a message unread again; a deletion of an
		// unread message takes it off the count.
		_, err := e.s.Messages.UpdateMessage(e.ctx, g[0].Message.ID, edusphere.MessageUpdate{Body: ptr("edited")}) // 11
		mustOK(t, "UpdateMessage", err)
		want(host, 10, 0)
		late := e.commit(t, creates(r, host, "late", 2)...) // 12, 13
		want(guest, 10, 2)
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, late[0].Message.ID))
		want(guest, 10, 1)
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, res[0].Message.ID)) // read already
		want(guest, 10, 1)

		t.Run("CappedCount", func(t *testing.T) {
			e.commit(t, creates(r, host, "flood", edusphere.UnreadCap+20)...)
			if st := state(guest); st.Unread != edusphere.UnreadCap {
				t.Fatalf("Unread=%d, want the cap %d", st.Unread, edusphere.UnreadCap)
			}
		})
		t.Run("ErrNotParticipant", func(t *testing.T) {
			stranger := e.user(t, "stranger")
			_, err := e.s.ReadMarkers.MarkRead(e.ctx, stranger.ID, r.ID, 1)
			wantErr(t, err, edusphere.EFORBIDDEN, edusphere.MsgPermissionDenied)
			got, err := e.s.ReadMarkers.FindReadStates(e.ctx, stranger.ID, []uuid.UUID{r.ID})
			mustOK(t, "FindReadStates", err)
			if len(got) != 0 {
				t.Fatalf("FindReadStates(stranger)=%v, want none", got)
			}
		})
		t.Run("ErrRoomNotFound", func(t *testing.T) {
			_, err := e.s.ReadMarkers.MarkRead(e.ctx, guest.ID, uuid.New(), 1)
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		})
		t.Run("ErrNegative", func(t *testing.T) {
			_, err := e.s.ReadMarkers.MarkRead(e.ctx, guest.ID, r.ID, -1)
			wantErr(t, err, edusphere.EINVALID, "")
		})
		t.Run("ErrTooManyRooms", func(t *testing.T) {
			_, err := e.s.ReadMarkers.FindReadStates(e.ctx, guest.ID, make([]uuid.UUID, edusphere.MaxReadStates+1))
			wantErr(t, err, edusphere.EINVALID, "")
		})
	})

	t.Run("AllRooms", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob")
		rooms := []*edusphere.Room{e.room(t, ann, "One", "Go"), e.room(t, ann, "Two", "Go"), e.room(t, bob, "Three", "Go")}
		e.join(t, rooms[2], ann)
		lonely := e.room(t, bob, "Four", "Go")
		for i, r := range append(rooms, lonely) {
			e.commit(t, creates(r, bob, "b", i+1)...)
		}
		got, err := e.s.ReadMarkers.FindReadStates(e.ctx, ann.ID, nil)
		mustOK(t, "FindReadStates", err)
		if len(got) != 3 {
			t.Fatalf("FindReadStates(all)=%v, want ann's 3 rooms", got)
		}
		for i, r := range rooms {
			if st := got[r.ID]; st == nil || st.Unread != i+1 {
				t.Fatalf("room %s state=%+v, want %d unread", r.Name, st, i+1)
			}
		}
		// Leaving a room (here: the room deleted) takes the marker along.
		mustOK(t, "DeleteRoom", e.s.Rooms.DeleteRoom(e.ctx, rooms[0].ID))
		got, err = e.s.ReadMarkers.FindReadStates(e.ctx, ann.ID, nil)
		mustOK(t, "FindReadStates", err)
		if len(got) != 2 || got[rooms[0].ID] != nil {
			t.Fatalf("FindReadStates after deleting a room=%v", got)
		}
	})

	t.Run("RoomSeqs", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		one, two := e.room(t, ann, "One", "Go"), e.room(t, ann, "Two", "Go")
		e.commit(t, creates(one, ann, "m", 3)...)
		gone := uuid.New()
		got, err := e.s.ReadMarkers.RoomSeqs(e.ctx, []uuid.UUID{one.ID, two.ID, gone})
		mustOK(t, "RoomSeqs", err)
		if len(got) != 2 || got[one.ID] != 3 || got[two.ID] != 0 {
			t.Fatalf("RoomSeqs=%v, want one 3, two 0 and no unknown room", got)
		}
		_, err = e.s.ReadMarkers.RoomSeqs(e.ctx, make([]uuid.UUID, edusphere.MaxReadStates+1))
		wantErr(t, err, edusphere.EINVALID, "")
	})

	t.Run("ConcurrentMarks", func(t *testing.T) {
		// Marks racing each other leave the highest.
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		guest := e.user(t, "guest")
		e.join(t, r, guest)
		e.commit(t, creates(r, host, "m", 40)...)
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				if _, err := e.s.ReadMarkers.MarkRead(e.ctx, guest.ID, r.ID, int64(40-i)); err != nil {
					t.Errorf("MarkRead: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := e.s.ReadMarkers.FindReadStates(e.ctx, guest.ID, []uuid.UUID{r.ID})
		mustOK(t, "FindReadStates", err)
		if st := got[r.ID]; st.Seq != 40 || st.Unread != 0 {
			t.Fatalf("state=%+v, want seq 40", st)
		}
	})
}
