package chatplan_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/chatplan"
	"github.com/google/uuid"
)

var now = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// fixture is a room with one message by ann, as a store would read it.
type fixture struct {
	room, other, ann, bob, msg uuid.UUID
	st                         chatplan.State
}

func newFixture(last time.Time) *fixture {
	f := &fixture{room: uuid.New(), other: uuid.New(), ann: uuid.New(), bob: uuid.New(), msg: uuid.New()}
	f.st = chatplan.State{
		Now:   now,
		Rooms: map[uuid.UUID]chatplan.Room{f.room: {Seq: 7, LastCreated: last}, f.other: {Seq: 2}},
		Users: map[uuid.UUID]bool{f.ann: true, f.bob: true},
		Messages: map[uuid.UUID]*edusphere.Message{f.msg: {
			ID: f.msg, UserID: f.ann, RoomID: f.room, Body: "old", Created: last, Updated: last, CreatedSeq: 7, Seq: 7,
		}},
		Taken: map[uuid.UUID]bool{},
	}
	return f
}

func op(kind edusphere.ChatOpKind, room, user, msg uuid.UUID, body string) edusphere.ChatOp {
	return edusphere.ChatOp{Kind: kind, RoomID: room, UserID: user, MessageID: msg, Body: body}
}

func TestMake_Errors(t *testing.T) {
	f := newFixture(now.Add(-time.Hour))
	long := string(make([]rune, 501))
	for _, tt := range []struct {
		name string
		op   edusphere.ChatOp
		code string
		msg  string
	}{
		{"CreateErrBodyFirst", op(edusphere.ChatCreate, uuid.New(), uuid.New(), uuid.Nil, ""), edusphere.EINVALID,
			"{'body': ['This field cannot be blank.']}"},
		{"CreateErrNullRoom", op(edusphere.ChatCreate, uuid.Nil, f.ann, uuid.Nil, "x"), edusphere.EINVALID,
			"{'room': ['This field cannot be null.']}"},
		{"CreateErrRoomBeforeUser", op(edusphere.ChatCreate, uuid.New(), uuid.New(), uuid.Nil, "x"), edusphere.ENOTFOUND,
			edusphere.MsgRoomNotFound},
		{"CreateErrUser", op(edusphere.ChatCreate, f.room, uuid.New(), uuid.Nil, "x"), edusphere.ENOTFOUND,
			edusphere.MsgUserNotFound},
		{"CreateErrPresetTaken", op(edusphere.ChatCreate, f.room, f.ann, f.msg, "x"), edusphere.ECONFLICT, "Already exists."},
		{"UpdateErrNotFoundBeforeAuthorAndBody", op(edusphere.ChatUpdate, f.room, f.bob, uuid.New(), ""), edusphere.ENOTFOUND,
			edusphere.MsgMessageNotFound},
		{"UpdateErrOtherRoom", op(edusphere.ChatUpdate, f.other, f.ann, f.msg, "x"), edusphere.ENOTFOUND,
			edusphere.MsgMessageNotFound},
		{"UpdateErrAuthorBeforeBody", op(edusphere.ChatUpdate, f.room, f.bob, f.msg, long), edusphere.EFORBIDDEN,
			edusphere.MsgPermissionDenied},
		{"UpdateErrBody", op(edusphere.ChatUpdate, f.room, f.ann, f.msg, long), edusphere.EINVALID,
			"{'body': ['Ensure this value has at most 500 characters (it has 501).']}"},
		{"DeleteErrNotFound", op(edusphere.ChatDelete, f.room, f.ann, uuid.New(), ""), edusphere.ENOTFOUND,
			edusphere.MsgMessageNotFound},
		{"DeleteErrAuthor", op(edusphere.ChatDelete, f.room, f.bob, f.msg, ""), edusphere.EFORBIDDEN,
			edusphere.MsgPermissionDenied},
		{"ErrUnknownKind", edusphere.ChatOp{Kind: 9}, edusphere.EINVALID, edusphere.MsgUnknownChatOp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ops := chatplan.Prepare([]edusphere.ChatOp{tt.op})
			if tt.op.Kind == edusphere.ChatCreate && tt.op.MessageID == f.msg {
				f.st.Taken[f.msg] = true
			}
			p := chatplan.Make(ops, f.st)
			err := p.Results[0].Err
			if edusphere.ErrorCode(err) != tt.code || edusphere.ErrorMessage(err) != tt.msg {
				t.Fatalf("Err=%v, want %s %q", err, tt.code, tt.msg)
			}
			if len(p.Inserts)+len(p.Updates)+len(p.Tombstones)+len(p.Rooms)+len(p.Markers) != 0 {
				t.Fatalf("plan=%+v, want nothing written for a failed op", p)
			}
		})
	}
}

func TestMake_Sequences(t *testing.T) {
	t.Run("InOpOrderPerRoom", func(t *testing.T) {
		f := newFixture(now.Add(-time.Hour))
		ops := chatplan.Prepare([]edusphere.ChatOp{
			op(edusphere.ChatCreate, f.room, f.bob, uuid.Nil, "a"),
			op(edusphere.ChatCreate, f.other, f.bob, uuid.Nil, "b"),
			op(edusphere.ChatUpdate, f.room, f.bob, f.msg, "nope"), // not the author: takes no number
			op(edusphere.ChatUpdate, f.room, f.ann, f.msg, "new"),
			op(edusphere.ChatCreate, f.room, f.ann, uuid.Nil, "c"),
			op(edusphere.ChatDelete, f.room, f.ann, f.msg, ""),
		})
		p := chatplan.Make(ops, f.st)
		want := []int64{8, 3, 0, 9, 10, 11}
		for i, r := range p.Results {
			if r.Seq != want[i] {
				t.Fatalf("Results[%d].Seq=%d (err %v), want %d", i, r.Seq, r.Err, want[i])
			}
		}
		if len(p.Inserts) != 3 || len(p.Updates) != 0 || len(p.Tombstones) != 1 || len(p.Deletes) != 1 {
			t.Fatalf("plan inserts=%d updates=%d tombstones=%d deletes=%d, want 3 0 1 1 (the edit is superseded)",
				len(p.Inserts), len(p.Updates), len(p.Tombstones), len(p.Deletes))
		}
		if tb := p.Tombstones[0]; tb.ID != f.msg || tb.Seq != 11 || tb.CreatedSeq != 7 || !tb.Deleted.Equal(now) {
			t.Fatalf("tombstone=%+v", tb)
		}
		if len(p.Rooms) != 2 || p.Rooms[0].RoomID.String() > p.Rooms[1].RoomID.String() {
			t.Fatalf("rooms=%+v, want both, in id order", p.Rooms)
		}
		for _, r := range p.Rooms {
			if want := map[uuid.UUID]int64{f.room: 11, f.other: 3}[r.RoomID]; r.Seq != want {
				t.Fatalf("room seq=%d, want %d", r.Seq, want)
			}
		}
		if len(p.Markers) != 3 {
			t.Fatalf("markers=%+v, want bob in both rooms and ann in one", p.Markers)
		}
	})

	t.Run("CreatedStrictlyIncreasing", func(t *testing.T) {
		// The room's latest message is in the future of this process's
		// clock (another process's clock runs ahead): new ones follow it.
		ahead := now.Add(time.Second)
		f := newFixture(ahead)
		ops := chatplan.Prepare([]edusphere.ChatOp{
			op(edusphere.ChatCreate, f.room, f.ann, uuid.Nil, "a"),
			op(edusphere.ChatCreate, f.room, f.ann, uuid.Nil, "b"),
			op(edusphere.ChatCreate, f.other, f.ann, uuid.Nil, "c"),
		})
		p := chatplan.Make(ops, f.st)
		for i, want := range []time.Time{ahead.Add(time.Microsecond), ahead.Add(2 * time.Microsecond), now} {
			if m := p.Results[i].Message; !m.Created.Equal(want) || !m.Updated.Equal(want) {
				t.Fatalf("Results[%d] created=%v, want %v", i, m.Created, want)
			}
		}
		if r := p.Rooms; r[0].LastCreated.IsZero() || r[1].LastCreated.IsZero() {
			t.Fatalf("rooms=%+v, want last created kept", r)
		}
	})

	t.Run("CreateThenDeleteInOneBatch", func(t *testing.T) {
		f := newFixture(now.Add(-time.Hour))
		id := uuid.New()
		ops := chatplan.Prepare([]edusphere.ChatOp{
			op(edusphere.ChatCreate, f.room, f.ann, id, "a"),
			op(edusphere.ChatUpdate, f.room, f.ann, id, "b"),
			op(edusphere.ChatDelete, f.room, f.ann, id, ""),
			op(edusphere.ChatDelete, f.room, f.ann, id, ""),
		})
		p := chatplan.Make(ops, f.st)
		if p.Results[1].Message.Body != "b" || p.Results[1].Message.CreatedSeq != 8 || p.Results[1].Seq != 9 {
			t.Fatalf("update result=%+v", p.Results[1].Message)
		}
		if p.Results[2].Tombstone.Seq != 10 || p.Results[3].Err == nil {
			t.Fatalf("results=%+v, want the second delete not found", p.Results)
		}
		if len(p.Inserts) != 0 || len(p.Deletes) != 0 || len(p.Tombstones) != 1 {
			t.Fatalf("plan=%+v, want only the tombstone written", p)
		}
	})

	t.Run("PruneAfterWindow", func(t *testing.T) {
		f := newFixture(now)
		f.st.Rooms[f.room] = chatplan.Room{Seq: edusphere.TombstoneWindow + 4}
		p := chatplan.Make(chatplan.Prepare([]edusphere.ChatOp{op(edusphere.ChatDelete, f.room, f.ann, f.msg, "")}), f.st)
		if got := p.Rooms[0].Prune; got != 5 {
			t.Fatalf("Prune=%d, want 5", got)
		}
	})
}

func TestPrepare(t *testing.T) {
	preset := uuid.New()
	ops := chatplan.Prepare([]edusphere.ChatOp{
		{Kind: edusphere.ChatCreate}, {Kind: edusphere.ChatCreate}, {Kind: edusphere.ChatCreate, MessageID: preset},
	})
	if ops[0].MessageID == uuid.Nil || ops[0].Preset || ops[0].MessageID.Version() != 7 {
		t.Fatalf("ops[0]=%+v, want a fresh version 7 id", ops[0])
	}
	if ops[1].MessageID.String() <= ops[0].MessageID.String() {
		t.Fatalf("fresh ids %v, %v, want increasing", ops[0].MessageID, ops[1].MessageID)
	}
	if ops[2].MessageID != preset || !ops[2].Preset {
		t.Fatalf("ops[2]=%+v, want the preset id kept and checked", ops[2])
	}
}

func TestCommit(t *testing.T) {
	// A fake store: an op whose body is "bad" fails the whole transaction.
	// Each call records the bodies it committed together.
	type call []string
	run := func(bodies []string, failOnce bool) ([]edusphere.ChatResult, []call) {
		var calls []call
		failed := false
		commit := func(ctx context.Context, ops []chatplan.Op) ([]edusphere.ChatResult, error) {
			var c call
			for _, op := range ops {
				c = append(c, op.Body)
			}
			calls = append(calls, c)
			if failOnce && !failed {
				failed = true
				return nil, errors.New("connection reset")
			}
			for _, op := range ops {
				if op.Body == "bad" {
					return nil, edusphere.NotFound(edusphere.MsgUserNotFound)
				}
			}
			res := make([]edusphere.ChatResult, len(ops))
			for i, op := range ops {
				res[i].Message = &edusphere.Message{Body: op.Body}
			}
			return res, nil
		}
		ops := make([]edusphere.ChatOp, len(bodies))
		for i, b := range bodies {
			ops[i] = edusphere.ChatOp{Kind: edusphere.ChatCreate, Body: b}
		}
		return chatplan.Commit(context.Background(), chatplan.Prepare(ops), commit), calls
	}
	for _, tt := range []struct {
		name     string
		bodies   []string
		failOnce bool
		calls    string
	}{
		{"OneTransaction", []string{"a", "b", "c"}, false, "[[a b c]]"},
		{"BadOpFailsAlone", []string{"a", "b", "bad", "d"}, false, "[[a b bad d] [a b] [bad d] [bad] [d]]"},
		{"TransientFailureRetried", []string{"a", "b", "c"}, true, "[[a b c] [a] [b c]]"},
		{"SingleOpRetriedOnce", []string{"a"}, true, "[[a] [a]]"},
		{"SingleBadOpNotRetried", []string{"bad"}, false, "[[bad]]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, calls := run(tt.bodies, tt.failOnce)
			if got := fmt.Sprint(calls); got != tt.calls {
				t.Fatalf("transactions=%s, want %s", got, tt.calls)
			}
			if len(res) != len(tt.bodies) {
				t.Fatalf("%d results for %d ops", len(res), len(tt.bodies))
			}
			for i, b := range tt.bodies {
				if b == "bad" {
					if edusphere.ErrorCode(res[i].Err) != edusphere.ENOTFOUND {
						t.Fatalf("Results[%d].Err=%v, want the op's own error", i, res[i].Err)
					}
				} else if res[i].Err != nil || res[i].Message.Body != b {
					t.Fatalf("Results[%d]=%+v, want %q committed", i, res[i], b)
				}
			}
		})
	}
	t.Run("ErrContextDone", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := chatplan.Commit(ctx, chatplan.Prepare(make([]edusphere.ChatOp, 3)),
			func(context.Context, []chatplan.Op) ([]edusphere.ChatResult, error) {
				t.Fatal("commit called after the context ended")
				return nil, nil
			})
		for _, r := range res {
			if !errors.Is(r.Err, context.Canceled) {
				t.Fatalf("Err=%v, want context.Canceled", r.Err)
			}
		}
	})
}
