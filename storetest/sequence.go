package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// changes reads the room's changes after since with the default limit.
func (e *env) changes(t *testing.T, room *edusphere.Room, since int64) *edusphere.RoomChanges {
	t.Helper()
	rc, err := e.s.Messages.ChangesSince(e.ctx, room.ID, since, 0)
	mustOK(t, "ChangesSince", err)
	return rc
}

// commit runs ops through CommitChat and fails t on any op's error.
func (e *env) commit(t *testing.T, ops ...edusphere.ChatOp) []edusphere.ChatResult {
	t.Helper()
	res := e.s.Messages.CommitChat(e.ctx, ops)
	if len(res) != len(ops) {
		t.Fatalf("CommitChat gave %d results for %d ops", len(res), len(ops))
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("CommitChat result %d: %v", i, r.Err)
		}
	}
	return res
}

// creates returns n ChatCreate ops in room by user, bodies prefix0, prefix1…
func creates(room *edusphere.Room, user *edusphere.User, prefix string, n int) []edusphere.ChatOp {
	ops := make([]edusphere.ChatOp, n)
	for i := range ops {
		ops[i] = edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: room.ID, UserID: user.ID, Body: fmt.Sprintf("%s%d", prefix, i)}
	}
	return ops
}

// changeSummary renders changes as "kind:seq:body" for comparisons.
func changeSummary(cs []edusphere.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		switch c.Kind {
		case edusphere.ChangeDeleted:
			out[i] = fmt.Sprintf("deleted:%d:%s", c.Seq, c.Tombstone.ID)
		default:
			out[i] = fmt.Sprintf("%s:%d:%s", c.Kind, c.Seq, c.Message.Body)
		}
	}
	return out
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s=%q, want %q", what, got, want)
	}
}

func testSequences(t *testing.T, open opener) {
	t.Run("EveryChangeNumbered", func(t *testing.T) {
		// New, edited and deleted messages, through the single-op methods
		// GraphQL and the admin use, each take the room's next number.
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		other := e.room(t, host, "Other", "Go")
		v, err := e.h.MessagesVersion(e.ctx, r.ID)
		mustOK(t, "MessagesVersion", err)
		if v != 0 {
			t.Fatalf("MessagesVersion of a new room=%d, want 0", v)
		}
		a := e.message(t, r, host, "a")
		e.message(t, other, host, "elsewhere")
		b := e.message(t, r, host, "b")
		upd, err := e.s.Messages.UpdateMessage(e.ctx, a.ID, edusphere.MessageUpdate{Body: ptr("a2")})
		mustOK(t, "UpdateMessage", err)
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, b.ID))
		if a.CreatedSeq != 1 || b.CreatedSeq != 2 || upd.Seq != 3 || upd.CreatedSeq != 1 {
			t.Fatalf("a=%d, b=%d, update=%d/%d, want 1, 2, 3/1", a.CreatedSeq, b.CreatedSeq, upd.Seq, upd.CreatedSeq)
		}
		rc := e.changes(t, r, 0)
		if rc.Seq != 4 || rc.TooFarBehind {
			t.Fatalf("ChangesSince(0)=%+v, want Seq 4", rc)
		}
		wantStrings(t, "changes", changeSummary(rc.Changes), []string{"created:3:a2", "deleted:4:" + b.ID.String()})
		if tb := rc.Changes[1].Tombstone; tb.CreatedSeq != 2 || !tb.Created.Equal(b.Created) || tb.UserID != host.ID || tb.RoomID != r.ID {
			t.Fatalf("tombstone=%+v, want the message's place and author", tb)
		}
		if v, _ := e.h.MessagesVersion(e.ctx, r.ID); v != 4 {
			t.Fatalf("MessagesVersion=%d, want the room's sequence 4", v)
		}
		// The contract's reads never show tombstones.
		got, n, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{RoomID: &r.ID})
		mustOK(t, "FindMessages", err)
		wantTotal(t, n, 1)
		wantIDs(t, "FindMessages", messageIDs(got), []uuid.UUID{a.ID})
		if got[0].Seq != 3 || got[0].CreatedSeq != 1 {
			t.Fatalf("FindMessages=%+v, want Seq 3, CreatedSeq 1", got[0])
		}
	})

	t.Run("CatchUp", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		res := e.commit(t, creates(r, host, "m", 5)...) // seq 1..5
		m := func(i int) uuid.UUID { return res[i].Message.ID }
		e.commit(t,
			edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: host.ID, MessageID: m(0), Body: "m0 edited"}, // 6
			edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: host.ID, MessageID: m(4), Body: "m4 edited"}, // 7
			edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: host.ID, MessageID: m(1)},                    // 8
			edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: host.ID, MessageID: m(4), Body: "m4 again"},  // 9
		)
		for _, tt := range []struct {
			name  string
			since int64
			want  []string
		}{
			// m4, created after 3 and edited twice since, is one "created"
			// entry at its latest number; m0 is an edit of a message the
			// subscriber has.
			{"Compacted", 3, []string{"created:4:m3", "updated:6:m0 edited", "deleted:8:" + m(1).String(), "created:9:m4 again"}},
			{"FromStart", 0, []string{"created:3:m2", "created:4:m3", "created:6:m0 edited", "deleted:8:" + m(1).String(),
				"created:9:m4 again"}},
			{"UpToDate", 9, []string{}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				rc := e.changes(t, r, tt.since)
				if rc.Seq != 9 || rc.Since != tt.since || rc.TooFarBehind || rc.RoomID != r.ID {
					t.Fatalf("ChangesSince=%+v, want Seq 9", rc)
				}
				wantStrings(t, "changes", changeSummary(rc.Changes), tt.want)
			})
		}
		t.Run("TooFarBehind", func(t *testing.T) {
			rc, err := e.s.Messages.ChangesSince(e.ctx, r.ID, 5, 3)
			mustOK(t, "ChangesSince", err)
			if !rc.TooFarBehind || rc.Seq != 9 || len(rc.Changes) != 0 {
				t.Fatalf("ChangesSince(5, limit 3)=%+v, want TooFarBehind at 9", rc)
			}
			rc, err = e.s.Messages.ChangesSince(e.ctx, r.ID, 6, 3)
			mustOK(t, "ChangesSince", err)
			if rc.TooFarBehind || len(rc.Changes) != 2 {
				t.Fatalf("ChangesSince(6, limit 3)=%+v, want the 3 changes, compacted to 2", rc)
			}
		})
		t.Run("AheadOfRoomIsTooFarBehind", func(t *testing.T) {
			rc := e.changes(t, r, 10)
			if !rc.TooFarBehind || rc.Seq != 9 {
				t.Fatalf("ChangesSince(10)=%+v, want TooFarBehind at 9", rc)
			}
		})
		t.Run("ErrNegativeSince", func(t *testing.T) {
			_, err := e.s.Messages.ChangesSince(e.ctx, r.ID, -1, 0)
			wantErr(t, err, edusphere.EINVALID, "")
		})
		t.Run("ErrLimitTooHigh", func(t *testing.T) {
			_, err := e.s.Messages.ChangesSince(e.ctx, r.ID, 0, edusphere.MaxChangesLimit+1)
			wantErr(t, err, edusphere.EINVALID, "")
		})
		t.Run("ErrRoomNotFound", func(t *testing.T) {
			_, err := e.s.Messages.ChangesSince(e.ctx, uuid.New(), 0, 0)
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		})
	})

	t.Run("CreatedFollowsSequence", func(t *testing.T) {
		// A clock standing still, or running behind the room's latest
		// message, still gives each new message a later creation time.
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		e.h.Clock.Set(epoch)
		first := e.commit(t, creates(r, host, "a", 3)...)
		e.h.Clock.Add(-time.Hour)
		late := e.message(t, r, host, "late")
		for i, res := range first {
			wantTime(t, "Created", res.Message.Created, epochUS.Add(time.Duration(i)*time.Microsecond))
		}
		wantTime(t, "Created", late.Created, epochUS.Add(3*time.Microsecond))
		got, _, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{RoomID: &r.ID})
		mustOK(t, "FindMessages", err)
		for i, m := range got {
			if m.CreatedSeq != int64(i+1) {
				t.Fatalf("history order: message %d has CreatedSeq %d", i, m.CreatedSeq)
			}
		}
	})

	t.Run("ConcurrentWriters", func(t *testing.T) {
		e := newEnv(t, open)
		sharedSequences(t, e.ctx, e.h, e.h)
	})
}

// RunShared checks two handles on one database, as two server processes
// have: chat writes through both at once to the same rooms get gapless,
// unique numbers per room, a reader never sees a number before the ones
// below it, and creation order is sequence order; and ChatUnderFailures
// holds across them. The sqlite and postgres tests call it with two
// handles on one file or database.
func RunShared(t *testing.T, a, b *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t.Run("Sequences", func(t *testing.T) { sharedSequences(t, ctx, a, b) })
	t.Run("ChatUnderFailures", func(t *testing.T) { ChatUnderFailures(t, ctx, a, b) })
	t.Run("ReadStates", func(t *testing.T) { sharedReadStates(t, ctx, a, b) })
}

// sharedReadStates checks that unread counts read through a follow changes
// made through b, however a keeps them.
func sharedReadStates(t *testing.T, ctx context.Context, a, b *Store) {
	host := MustCreateUser(t, ctx, b.Services, nil)
	reader := MustCreateUser(t, ctx, b.Services, nil)
	room := MustCreateRoom(t, ctx, b.Services, edusphere.RoomCreate{HostID: host.ID})
	if _, err := b.Services.Rooms.JoinRoom(ctx, room.ID, reader.ID); err != nil {
		t.Fatalf("JoinRoom=%v", err)
	}
	want := func(seq int64, n int) {
		t.Helper()
		for range 2 { // the second read may come from what the first kept
			got, err := a.Services.ReadMarkers.FindReadStates(ctx, reader.ID, []uuid.UUID{room.ID})
			mustOK(t, "FindReadStates", err)
			if st := got[room.ID]; st == nil || st.Seq != seq || st.Unread != n {
				t.Fatalf("state=%+v, want seq %d, unread %d", st, seq, n)
			}
		}
	}
	want(0, 0)
	msgs := b.Services.Messages.CommitChat(ctx, creates(room, host, "m", 3))
	want(0, 3)
	mustOK(t, "DeleteMessage", b.Services.Messages.DeleteMessage(ctx, msgs[0].Message.ID))
	want(0, 2)
	if _, err := b.Services.ReadMarkers.MarkRead(ctx, reader.ID, room.ID, 3); err != nil {
		t.Fatalf("MarkRead=%v", err)
	}
	want(3, 0)
}

// sharedSequences runs writers through a and b (goroutines, and on two
// handles two processes) against two rooms, while a reader polls each
// room's changes: every poll must continue exactly where the last ended.
func sharedSequences(t *testing.T, ctx context.Context, a, b *Store) {
	const writers, rounds, batch = 4, 10, 5 // per room: 4*10*5 = 200 messages
	host := MustCreateUser(t, ctx, a.Services, nil)
	rooms := []*edusphere.Room{
		MustCreateRoom(t, ctx, a.Services, edusphere.RoomCreate{HostID: host.ID, Name: "One"}),
		MustCreateRoom(t, ctx, a.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Two"}),
	}
	total := int64(writers * rounds * batch)
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*batch*len(rooms)+len(rooms))
	for w := range writers {
		s := []*Store{a, b}[w%2].Services
		wg.Go(func() {
			for i := range rounds {
				// Every third round writes one message per room through
				// CreateMessage, the single-op path, and the rest batched.
				single := i%3 == 2
				var ops []edusphere.ChatOp
				for j := range batch {
					if single && j == 0 {
						continue
					}
					for _, r := range rooms { // both rooms in one transaction
						ops = append(ops, edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: host.ID,
							Body: fmt.Sprintf("w%d-%d-%d", w, i, j)})
					}
				}
				if single {
					for _, r := range rooms {
						m := &edusphere.Message{RoomID: r.ID, UserID: host.ID, Body: "single"}
						if err := s.Messages.CreateMessage(ctx, m); err != nil {
							errs <- err
						}
					}
				}
				for _, r := range s.Messages.CommitChat(ctx, ops) {
					if r.Err != nil {
						errs <- r.Err
					}
				}
			}
		})
	}
	for _, r := range rooms {
		wg.Go(func() {
			// The reader polls through the other handle until it has seen
			// every message.
			since := int64(0)
			for since < total && ctx.Err() == nil {
				rc, err := b.Services.Messages.ChangesSince(ctx, r.ID, since, edusphere.MaxChangesLimit)
				if err != nil {
					errs <- err
					return
				}
				for _, c := range rc.Changes {
					if c.Kind != edusphere.ChangeCreated || c.Seq != since+1 {
						errs <- fmt.Errorf("room %s: after %d the reader saw %s %d", r.Name, since, c.Kind, c.Seq)
						return
					}
					since = c.Seq
				}
				if since != rc.Seq {
					errs <- fmt.Errorf("room %s: changes end at %d, room at %d", r.Name, since, rc.Seq)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, r := range rooms {
		msgs, n, err := a.Services.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &r.ID})
		mustOK(t, "FindMessages", err)
		if int64(n) != total {
			t.Fatalf("room %s holds %d messages, want %d", r.Name, n, total)
		}
		// History order, (created, id), is sequence order: 1, 2, 3…
		for i, m := range msgs {
			if m.CreatedSeq != int64(i+1) || m.Seq != m.CreatedSeq {
				t.Fatalf("room %s: message %d of history has CreatedSeq %d, Seq %d", r.Name, i, m.CreatedSeq, m.Seq)
			}
			if i > 0 && !m.Created.After(msgs[i-1].Created) {
				t.Fatalf("room %s: created %v not after %v", r.Name, m.Created, msgs[i-1].Created)
			}
		}
	}
}

func testTombstones(t *testing.T, open opener) {
	t.Run("UserDeletionCascade", func(t *testing.T) {
		// A deleted user's messages in other people's rooms become
		// tombstones with numbers of those rooms; the rooms the user hosted
		// go with their sequences and messages.
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob")
		annRoom := e.room(t, ann, "Anns", "Go")
		bobRoom := e.room(t, bob, "Bobs", "Go")
		e.join(t, annRoom, bob)
		keep := e.message(t, annRoom, ann, "ann stays")
		gone := []*edusphere.Message{e.message(t, annRoom, bob, "bob 1"), e.message(t, annRoom, bob, "bob 2")}
		e.message(t, bobRoom, bob, "in his own room")
		e.message(t, annRoom, ann, "ann again") // seq 4
		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, bob.ID))

		rc := e.changes(t, annRoom, 4)
		wantStrings(t, "changes", changeSummary(rc.Changes), []string{
			"deleted:5:" + gone[0].ID.String(), "deleted:6:" + gone[1].ID.String()})
		for i, c := range rc.Changes {
			if tb := c.Tombstone; tb.UserID != bob.ID || tb.CreatedSeq != gone[i].CreatedSeq || !tb.Created.Equal(gone[i].Created) {
				t.Fatalf("tombstone=%+v, want bob's message %d", tb, i)
			}
		}
		if v, _ := e.h.MessagesVersion(e.ctx, annRoom.ID); v != 6 {
			t.Fatalf("MessagesVersion=%d, want 6", v)
		}
		_, err := e.s.Messages.ChangesSince(e.ctx, bobRoom.ID, 0, 0)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		_, err = e.h.MessagesVersion(e.ctx, bobRoom.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		got, _, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{})
		mustOK(t, "FindMessages", err)
		if len(got) != 2 || got[0].ID != keep.ID {
			t.Fatalf("FindMessages=%v, want ann's two messages only", messageIDs(got))
		}
		// The deleted messages still place a paging cursor.
		page, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: annRoom.ID, Before: &gone[1].ID})
		mustOK(t, "FindHistory", err)
		wantIDs(t, "FindHistory", messageIDs(page.Messages), []uuid.UUID{keep.ID})
	})

	t.Run("RoomDeletion", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		m := e.message(t, r, host, "x")
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, m.ID))
		e.message(t, r, host, "y")
		mustOK(t, "DeleteRoom", e.s.Rooms.DeleteRoom(e.ctx, r.ID))
		_, err := e.s.Messages.ChangesSince(e.ctx, r.ID, 0, 0)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		_, err = e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: r.ID})
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		// The room's tombstones went with it: their ids are free again.
		r2 := e.room(t, host, "Chat", "Go")
		reuse := &edusphere.Message{ID: m.ID, RoomID: r2.ID, UserID: host.ID, Body: "again"}
		mustOK(t, "CreateMessage(reused id of a deleted room)", e.s.Messages.CreateMessage(e.ctx, reuse))
	})

	t.Run("ErrPresetIDInUse", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		m := e.message(t, r, host, "x")
		dup := &edusphere.Message{ID: m.ID, RoomID: r.ID, UserID: host.ID, Body: "y"}
		wantErr(t, e.s.Messages.CreateMessage(e.ctx, dup), edusphere.ECONFLICT, "")
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, m.ID))
		// The tombstone keeps the id: a new message under it would hide
		// the deletion from catch-up.
		wantErr(t, e.s.Messages.CreateMessage(e.ctx, dup), edusphere.ECONFLICT, "")
	})

	t.Run("Window", func(t *testing.T) {
		// A room keeps the tombstones of its latest TombstoneWindow numbers;
		// older ones go as new ones come, by the write path and by cascades.
		e := newEnv(t, open)
		host := e.user(t, "host")
		g1, g2 := e.user(t, "guest1"), e.user(t, "guest2")
		r := e.room(t, host, "Chat", "Go")
		e.join(t, r, g1)
		e.join(t, r, g2)
		first := e.commit(t, append(creates(r, host, "a", 2), append(creates(r, g1, "x", 1), creates(r, g2, "y", 1)...)...)...)
		a0, a1, x := first[0].Message.ID, first[1].Message.ID, first[2].Message.ID
		cursorKept := func(id uuid.UUID, want bool) {
			t.Helper()
			_, err := e.s.Messages.FindHistory(e.ctx, edusphere.HistoryQuery{RoomID: r.ID, Before: &id})
			if want {
				mustOK(t, "FindHistory(before a kept tombstone)", err)
			} else {
				wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
			}
		}
		e.commit(t, edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: host.ID, MessageID: a0}) // 5
		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, g1.ID))                                             // the cascade: 6
		e.commit(t, creates(r, host, "fill", edusphere.TombstoneWindow-2)...)                                   // 7..10,004
		cursorKept(a0, true)
		cursorKept(x, true)
		e.commit(t, edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: host.ID, MessageID: a1}) // 10,005
		cursorKept(a0, false)
		cursorKept(x, true)
		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, g2.ID)) // the cascade: 10,006
		cursorKept(x, false)
		cursorKept(a1, true)

		rc, err := e.s.Messages.ChangesSince(e.ctx, r.ID, 5, edusphere.MaxChangesLimit)
		mustOK(t, "ChangesSince", err)
		if !rc.TooFarBehind || rc.Seq != edusphere.TombstoneWindow+6 {
			t.Fatalf("ChangesSince(5)=%+v, want TooFarBehind past the window", rc.Seq)
		}
		rc, err = e.s.Messages.ChangesSince(e.ctx, r.ID, 6, edusphere.MaxChangesLimit)
		mustOK(t, "ChangesSince", err)
		if n := len(rc.Changes); rc.TooFarBehind || n != edusphere.TombstoneWindow || rc.Changes[n-1].Kind != edusphere.ChangeDeleted {
			t.Fatalf("ChangesSince(6): %d changes, want %d ending with a deletion", n, edusphere.TombstoneWindow)
		}
	})
}
