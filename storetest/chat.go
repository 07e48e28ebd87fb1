package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// errInjected is the failure the tests inject into whole transactions.
var errInjected = errors.New("injected transaction failure")

func testCommitChat(t *testing.T, open opener) {
	t.Run("EachOpItsOwnResult", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob")
		r := e.room(t, ann, "Chat", "Go")
		other := e.room(t, ann, "Other", "Go")
		e.join(t, r, bob)
		pre := e.commit(t, append(creates(r, ann, "ann", 3), creates(r, bob, "bob", 1)...)...) // seq 1..4
		annMsg, bobMsg := pre[0].Message.ID, pre[3].Message.ID
		long := strings.Repeat("x", 501)
		ops := []struct {
			op   edusphere.ChatOp
			code string
			msg  string
			seq  int64
		}{
			{edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: bob.ID, Body: "hi"}, "", "", 5},
			{edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: bob.ID, Body: long}, edusphere.EINVALID,
				repr("body", edusphere.MsgMaxLength(500, 501)), 0},
			{edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: uuid.New(), UserID: bob.ID, Body: "x"}, edusphere.ENOTFOUND,
				edusphere.MsgRoomNotFound, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: uuid.New(), Body: "x"}, edusphere.ENOTFOUND,
				edusphere.MsgUserNotFound, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: ann.ID, MessageID: annMsg, Body: "edit"}, "", "", 6},
			{edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: ann.ID, MessageID: bobMsg, Body: "edit"},
				edusphere.EFORBIDDEN, edusphere.MsgPermissionDenied, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: ann.ID, MessageID: annMsg, Body: ""},
				edusphere.EINVALID, repr("body", edusphere.MsgBlank), 0},
			{edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: other.ID, UserID: ann.ID, MessageID: annMsg, Body: "x"},
				edusphere.ENOTFOUND, edusphere.MsgMessageNotFound, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatUpdate, RoomID: r.ID, UserID: ann.ID, MessageID: uuid.New(), Body: "x"},
				edusphere.ENOTFOUND, edusphere.MsgMessageNotFound, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: bob.ID, MessageID: annMsg},
				edusphere.EFORBIDDEN, edusphere.MsgPermissionDenied, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: bob.ID, MessageID: bobMsg}, "", "", 7},
			{edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: bob.ID, MessageID: bobMsg},
				edusphere.ENOTFOUND, edusphere.MsgMessageNotFound, 0},
			{edusphere.ChatOp{Kind: 0}, edusphere.EINVALID, edusphere.MsgUnknownChatOp, 0},
			{edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: other.ID, UserID: ann.ID, Body: "there"}, "", "", 1},
			{edusphere.ChatOp{Kind: edusphere.ChatUpdate, UserID: ann.ID, MessageID: annMsg, Body: "any room"}, "", "", 8},
		}
		batch := make([]edusphere.ChatOp, len(ops))
		for i, o := range ops {
			batch[i] = o.op
		}
		res := e.s.Messages.CommitChat(e.ctx, batch)
		if len(res) != len(ops) {
			t.Fatalf("%d results for %d ops", len(res), len(ops))
		}
		for i, o := range ops {
			r := res[i]
			if o.code == "" {
				mustOK(t, fmt.Sprintf("op %d", i), r.Err)
			} else {
				wantErr(t, r.Err, o.code, o.msg)
			}
			if r.Seq != o.seq {
				t.Fatalf("op %d Seq=%d, want %d", i, r.Seq, o.seq)
			}
		}
		if m := res[14].Message; m.Body != "any room" || m.Seq != 8 || m.CreatedSeq != 1 || !m.Edited {
			t.Fatalf("updated message=%+v", m)
		}
		if tb := res[10].Tombstone; tb.ID != bobMsg || tb.Seq != 7 || tb.UserID != bob.ID {
			t.Fatalf("tombstone=%+v", tb)
		}
		rc := e.changes(t, r, 4)
		wantStrings(t, "changes", changeSummary(rc.Changes), []string{"created:5:hi", "deleted:7:" + bobMsg.String(),
			"updated:8:any room"})
	})

	t.Run("TransactionFailureRetried", func(t *testing.T) {
		// The first transaction fails as a whole after writing everything:
		// the ops are retried and each is stored once.
		e := newEnv(t, open)
		host := e.user(t, "host")
		r := e.room(t, host, "Chat", "Go")
		var calls atomic.Int32
		e.h.SetBeforeChatCommit(func(ops []edusphere.ChatOp) error {
			if calls.Add(1) == 1 {
				return errInjected
			}
			return nil
		})
		t.Cleanup(func() { e.h.SetBeforeChatCommit(nil) })
		res := e.commit(t, creates(r, host, "m", 6)...)
		for i, x := range res {
			if x.Seq != int64(i+1) {
				t.Fatalf("result %d Seq=%d, want %d", i, x.Seq, i+1)
			}
		}
		_, n, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{RoomID: &r.ID})
		mustOK(t, "FindMessages", err)
		wantTotal(t, n, 6)
		if c := calls.Load(); c != 3 {
			t.Fatalf("%d transactions, want 3: the failed one and its two halves", c)
		}
	})

	t.Run("ConcurrentWithFailures", func(t *testing.T) {
		e := newEnv(t, open)
		ChatUnderFailures(t, e.ctx, e.h)
	})
}

// ChatUnderFailures has many goroutines commit chat batches through the
// handles (all on one database) while single ops fail on their own (bad
// bodies, unknown messages, wrong authors) and one transaction in five
// of several ops fails as a whole. Then every op must have got exactly one result, every
// acknowledged message must be stored exactly once, and each room's
// sequence must be exactly the acknowledged changes, gapless: nothing
// acknowledged missing, nothing unacknowledged stored.
func ChatUnderFailures(t *testing.T, ctx context.Context, handles ...*Store) {
	var txs, injected atomic.Int64
	for _, h := range handles {
		h.SetBeforeChatCommit(func(ops []edusphere.ChatOp) error {
			// Transactions of several ops only: a lone op is retried once,
			// and two injections in a row would fail it for good.
			if txs.Add(1)%5 == 0 && len(ops) > 1 {
				injected.Add(1)
				return errInjected
			}
			return nil
		})
	}
	t.Cleanup(func() {
		for _, h := range handles {
			h.SetBeforeChatCommit(nil)
		}
	})
	s0 := handles[0].Services
	users := []*edusphere.User{MustCreateUser(t, ctx, s0, nil), MustCreateUser(t, ctx, s0, nil)}
	rooms := []*edusphere.Room{
		MustCreateRoom(t, ctx, s0, edusphere.RoomCreate{HostID: users[0].ID}),
		MustCreateRoom(t, ctx, s0, edusphere.RoomCreate{HostID: users[1].ID}),
	}
	const workers, batches, perBatch = 6, 12, 8
	type acked struct {
		room uuid.UUID
		seq  int64
	}
	var (
		mu      sync.Mutex
		seqs    []acked
		created = make(map[uuid.UUID]string) // acknowledged, not deleted: id to body
		failed  = make(map[string]bool)      // bodies of failed creates
	)
	var wg sync.WaitGroup
	for w := range workers {
		s := handles[w%len(handles)].Services
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []*edusphere.Message // this worker's acknowledged messages
			for b := range batches {
				ops := make([]edusphere.ChatOp, perBatch)
				for i := range ops {
					user := users[rng.IntN(2)]
					room := rooms[rng.IntN(2)]
					body := fmt.Sprintf("w%d-b%d-o%d", w, b, i)
					ops[i] = edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: room.ID, UserID: user.ID, Body: body}
					switch x := rng.IntN(10); {
					case x == 0:
						ops[i].Body = "" // bad body
					case x == 1:
						ops[i].Kind, ops[i].MessageID = edusphere.ChatDelete, uuid.New() // unknown message
					case x <= 4 && len(mine) > 0:
						m := mine[rng.IntN(len(mine))]
						ops[i].MessageID, ops[i].RoomID = m.ID, m.RoomID
						if x == 2 {
							ops[i].Kind, ops[i].UserID = edusphere.ChatDelete, m.UserID
						} else { // an edit, by a random user: wrong author half the time
							ops[i].Kind = edusphere.ChatUpdate
						}
					}
				}
				res := s.Messages.CommitChat(ctx, ops)
				if len(res) != len(ops) {
					t.Errorf("%d results for %d ops", len(res), len(ops))
					return
				}
				mu.Lock()
				for i, r := range res {
					op := ops[i]
					if r.Err != nil {
						if edusphere.ErrorCode(r.Err) == edusphere.EINTERNAL {
							t.Errorf("op %v: internal error %v", op.Kind, r.Err)
						}
						if op.Kind == edusphere.ChatCreate {
							failed[op.Body] = true
						}
						continue
					}
					seqs = append(seqs, acked{r.RoomID(), r.Seq})
					switch op.Kind {
					case edusphere.ChatCreate:
						created[r.Message.ID] = r.Message.Body
						mine = append(mine, r.Message)
					case edusphere.ChatUpdate:
						if _, ok := created[op.MessageID]; !ok {
							t.Errorf("update of %v acknowledged after its deletion", op.MessageID)
						}
						created[op.MessageID] = r.Message.Body
					case edusphere.ChatDelete:
						delete(created, op.MessageID)
						mine = slices.DeleteFunc(mine, func(m *edusphere.Message) bool { return m.ID == op.MessageID })
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if injected.Load() == 0 {
		t.Fatalf("%d transactions and no failure injected", txs.Load())
	}
	for _, room := range rooms {
		var got []int64
		for _, a := range seqs {
			if a.room == room.ID {
				got = append(got, a.seq)
			}
		}
		slices.Sort(got)
		for i, seq := range got {
			if seq != int64(i+1) {
				t.Fatalf("room %s: acknowledged numbers %v…, want 1, 2, 3… without gaps or repeats", room.Name, got[:i+1])
			}
		}
		v, err := handles[0].MessagesVersion(ctx, room.ID)
		mustOK(t, "MessagesVersion", err)
		if v != int64(len(got)) {
			t.Fatalf("room %s is at %d, but %d changes were acknowledged", room.Name, v, len(got))
		}
	}
	var stored []*edusphere.Message
	for _, room := range rooms {
		msgs, _, err := s0.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID})
		mustOK(t, "FindMessages", err)
		stored = append(stored, msgs...)
	}
	if len(stored) != len(created) {
		t.Fatalf("%d messages stored, %d acknowledged and not deleted", len(stored), len(created))
	}
	for _, m := range stored {
		if body, ok := created[m.ID]; !ok || body != m.Body {
			t.Fatalf("stored %v %q, acknowledged %q (%v)", m.ID, m.Body, body, ok)
		}
		if failed[m.Body] {
			t.Fatalf("stored %q, whose create failed", m.Body)
		}
	}
}
