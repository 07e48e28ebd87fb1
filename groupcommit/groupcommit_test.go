package groupcommit_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/groupcommit"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// committed is one OnCommit call.
type committed struct {
	op  edusphere.ChatOp
	tag any
	res edusphere.ChatResult
}

// recorder keeps OnCommit calls in order.
type recorder struct {
	mu    sync.Mutex
	calls []committed
}

func (r *recorder) onCommit(op edusphere.ChatOp, tag any, res edusphere.ChatResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, committed{op, tag, res})
}

func (r *recorder) all() []committed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// fixture is a database with two rooms and two users in both.
type fixture struct {
	h     *testdb.Handle
	ctx   context.Context
	users []*edusphere.User
	rooms []*edusphere.Room
}

func newFixture(t *testing.T, h *testdb.Handle) *fixture {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	f := &fixture{h: h, ctx: ctx}
	for range 2 {
		f.users = append(f.users, testdb.MustCreateUser(t, ctx, h.Services, nil))
	}
	for _, u := range f.users {
		r := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: u.ID})
		f.rooms = append(f.rooms, r)
	}
	return f
}

func (f *fixture) create(room int, body string) edusphere.ChatOp {
	return edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: f.rooms[room].ID, UserID: f.users[room].ID, Body: body}
}

// bodies returns the bodies stored in the fixture's rooms.
func (f *fixture) bodies(t *testing.T) map[string]int {
	t.Helper()
	out := make(map[string]int)
	for _, r := range f.rooms {
		msgs, _, err := f.h.Services.Messages.FindMessages(f.ctx, edusphere.MessageFilter{RoomID: &r.ID})
		if err != nil {
			t.Fatalf("FindMessages=%v", err)
		}
		for _, m := range msgs {
			out[m.Body]++
		}
	}
	return out
}

// TestManySubmitters has many goroutines submit ops, some failing on their
// own and one transaction in four (of several ops) failing as a whole, and checks the
// writer's promises: one answer per op, OnCommit once per committed op in
// sequence order per room, every acknowledged message stored exactly once
// and each room's sequence exactly the acknowledged changes.
func TestManySubmitters(t *testing.T) {
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprintf("Shards%d", shards), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, h *testdb.Handle) { manySubmitters(t, h, shards) })
		})
	}
}

func manySubmitters(t *testing.T, h *testdb.Handle, shards int) {
	f := newFixture(t, h)
	var txs atomic.Int64
	h.SetBeforeChatCommit(func(ops []edusphere.ChatOp) error {
		// Transactions of several ops only: a lone op is retried once, and
		// two injections in a row would fail it for good.
		if txs.Add(1)%4 == 0 && len(ops) > 1 {
			return errors.New("injected transaction failure")
		}
		return nil
	})
	t.Cleanup(func() { h.SetBeforeChatCommit(nil) })
	var rec recorder
	w := groupcommit.New(h.Services.Messages, groupcommit.Config{OnCommit: rec.onCommit, Shards: shards, MaxBatch: 16})
	defer w.Close()

	const submitters, perSubmitter = 24, 20
	type answer struct {
		op  edusphere.ChatOp
		tag string
		res edusphere.ChatResult
	}
	answers := make([][]answer, submitters)
	var wg sync.WaitGroup
	for s := range submitters {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s), 11))
			var mine []*edusphere.Message
			for i := range perSubmitter {
				room := rng.IntN(2)
				op := f.create(room, fmt.Sprintf("s%d-%d", s, i))
				switch x := rng.IntN(10); {
				case x == 0:
					op.Body = "" // a bad body
				case x == 1:
					op.Kind, op.MessageID = edusphere.ChatUpdate, uuid.New() // an unknown message
				case x <= 4 && len(mine) > 0:
					m := mine[rng.IntN(len(mine))]
					op.RoomID, op.MessageID = m.RoomID, m.ID
					op.UserID = f.users[rng.IntN(2)].ID // the wrong author half the time
					op.Kind = edusphere.ChatUpdate
					if x == 2 {
						op.Kind = edusphere.ChatDelete
					}
				}
				tag := fmt.Sprintf("tag-%d-%d", s, i)
				res, err := w.Submit(f.ctx, op, tag)
				if err != nil {
					t.Errorf("Submit=%v, want an answer", err)
					return
				}
				answers[s] = append(answers[s], answer{op, tag, res})
				if res.Err == nil && op.Kind == edusphere.ChatCreate {
					mine = append(mine, res.Message)
				} else if res.Err == nil && op.Kind == edusphere.ChatDelete {
					mine = slices.DeleteFunc(mine, func(m *edusphere.Message) bool { return m.ID == op.MessageID })
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// One answer per op; failures are the ops' own, never internal.
	acked := make(map[string]answer) // by tag
	created := make(map[uuid.UUID]string)
	for s := range answers {
		if len(answers[s]) != perSubmitter {
			t.Fatalf("submitter %d got %d answers for %d ops", s, len(answers[s]), perSubmitter)
		}
		for _, a := range answers[s] {
			if a.res.Err != nil {
				if edusphere.ErrorCode(a.res.Err) == edusphere.EINTERNAL {
					t.Fatalf("op %v: %v, want the op's own error", a.op.Kind, a.res.Err)
				}
				continue
			}
			acked[a.tag] = a
			switch a.op.Kind {
			case edusphere.ChatCreate:
				created[a.res.Message.ID] = a.res.Message.Body
			case edusphere.ChatUpdate:
				created[a.op.MessageID] = a.res.Message.Body
			}
		}
	}
	for _, as := range answers { // deletions last: an edit after a delete was refused
		for _, a := range as {
			if a.res.Err == nil && a.op.Kind == edusphere.ChatDelete {
				delete(created, a.op.MessageID)
			}
		}
	}
	// OnCommit once per acknowledged op, in sequence order per room.
	calls := rec.all()
	if len(calls) != len(acked) {
		t.Fatalf("OnCommit called %d times for %d committed ops", len(calls), len(acked))
	}
	last := make(map[uuid.UUID]int64)
	for _, c := range calls {
		a, ok := acked[c.tag.(string)]
		if !ok || a.res.Seq != c.res.Seq || a.op != c.op {
			t.Fatalf("OnCommit(%v, seq %d) does not match the submitter's answer %+v", c.tag, c.res.Seq, a.res)
		}
		room := c.res.RoomID()
		if c.res.Seq != last[room]+1 {
			t.Fatalf("room %v: OnCommit saw %d after %d, want every number once, in order", room, c.res.Seq, last[room])
		}
		last[room] = c.res.Seq
	}
	for _, r := range f.rooms {
		v, err := h.MessagesVersion(f.ctx, r.ID)
		if err != nil || v != last[r.ID] {
			t.Fatalf("room at %d (%v), want %d: the acknowledged changes exactly", v, err, last[r.ID])
		}
	}
	// Every acknowledged message is stored once, as acknowledged.
	stored := f.bodies(t)
	want := make(map[string]int)
	for _, body := range created {
		want[body]++
	}
	if fmt.Sprint(stored) != fmt.Sprint(want) {
		t.Fatalf("stored bodies=%v, want %v", stored, want)
	}
	if st := w.Stats(); st.Ops != submitters*perSubmitter {
		t.Fatalf("Stats=%+v, want %d ops", st, submitters*perSubmitter)
	}
}

// gate is a store whose CommitChat waits for release before each call, and
// tells when a call has started.
type gate struct {
	groupcommit.Store
	started chan []edusphere.ChatOp
	release chan struct{}
}

func newGate(s groupcommit.Store) *gate {
	return &gate{Store: s, started: make(chan []edusphere.ChatOp, 16), release: make(chan struct{})}
}

func (g *gate) CommitChat(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult {
	g.started <- ops
	<-g.release
	return g.Store.CommitChat(ctx, ops)
}

// eventually waits for cond, polling; a slow machine only makes it wait
// longer.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBatching(t *testing.T) {
	t.Run("WhatQueuesDuringACommitIsTheNextBatch", func(t *testing.T) {
		f := newFixture(t, testdb.SQLite(t))
		g := newGate(f.h.Services.Messages)
		w := groupcommit.New(g, groupcommit.Config{})
		defer w.Close()
		first := make(chan error, 1)
		go func() { _, err := w.Submit(f.ctx, f.create(0, "first"), nil); first <- err }()
		if ops := <-g.started; len(ops) != 1 {
			t.Fatalf("first batch of %d, want the lone op committed at once", len(ops))
		}
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				if res, err := w.Submit(f.ctx, f.create(i%2, fmt.Sprint("next", i)), nil); err != nil || res.Err != nil {
					t.Errorf("Submit=%v, %v", err, res.Err)
				}
			})
		}
		eventually(t, "10 queued ops", func() bool { return w.Stats().Queued == 10 })
		g.release <- struct{}{}
		if err := <-first; err != nil {
			t.Fatalf("Submit(first)=%v", err)
		}
		if ops := <-g.started; len(ops) != 10 {
			t.Fatalf("second batch of %d ops, want the 10 that queued meanwhile", len(ops))
		}
		g.release <- struct{}{}
		wg.Wait()
		if st := w.Stats(); st.Ops != 11 || st.Batches != 2 || st.Queued != 0 || st.Taken != 0 {
			t.Fatalf("Stats=%+v, want 11 ops in 2 batches", st)
		}
	})

	t.Run("MaxWaitFillsTheBatch", func(t *testing.T) {
		f := newFixture(t, testdb.SQLite(t))
		w := groupcommit.New(f.h.Services.Messages, groupcommit.Config{MaxBatch: 3, MaxWait: time.Hour})
		defer w.Close()
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() {
				if res, err := w.Submit(f.ctx, f.create(0, fmt.Sprint(i)), nil); err != nil || res.Err != nil {
					t.Errorf("Submit=%v, %v", err, res.Err)
				}
			})
		}
		wg.Wait()
		if st := w.Stats(); st.Batches != 1 || st.Ops != 3 {
			t.Fatalf("Stats=%+v, want one full batch of 3 (the wait ends when the batch is full)", st)
		}
	})

	t.Run("CloseEndsTheWait", func(t *testing.T) {
		f := newFixture(t, testdb.SQLite(t))
		w := groupcommit.New(f.h.Services.Messages, groupcommit.Config{MaxWait: time.Hour})
		done := make(chan error, 1)
		go func() {
			res, err := w.Submit(f.ctx, f.create(0, "lone"), nil)
			if err == nil {
				err = res.Err
			}
			done <- err
		}()
		eventually(t, "the op to be taken", func() bool { return w.Stats().Taken == 1 })
		mustOK(t, "Close", w.Close())
		if err := <-done; err != nil {
			t.Fatalf("Submit=%v, want it committed by Close", err)
		}
		if _, err := w.Submit(f.ctx, f.create(0, "late"), nil); !errors.Is(err, groupcommit.ErrClosed) {
			t.Fatalf("Submit after Close=%v, want ErrClosed", err)
		}
		if f.bodies(t)["late"] != 0 {
			t.Fatalf("an op submitted after Close was stored")
		}
	})
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s=%v", what, err)
	}
}

func TestCancel(t *testing.T) {
	t.Run("AfterTakenStillCommitsAndReports", func(t *testing.T) {
		f := newFixture(t, testdb.SQLite(t))
		g := newGate(f.h.Services.Messages)
		var rec recorder
		w := groupcommit.New(g, groupcommit.Config{OnCommit: rec.onCommit})
		defer w.Close()
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan error, 1)
		go func() { _, err := w.Submit(ctx, f.create(0, "taken"), "t"); done <- err }()
		<-g.started // the op is in a batch
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Submit=%v, want context.Canceled", err)
		}
		g.release <- struct{}{}
		eventually(t, "OnCommit", func() bool { return len(rec.all()) == 1 })
		if c := rec.all()[0]; c.tag != "t" || c.res.Message.Body != "taken" {
			t.Fatalf("OnCommit=%+v", c)
		}
		if f.bodies(t)["taken"] != 1 {
			t.Fatalf("the taken op is not stored once")
		}
	})

	t.Run("WhileQueuedDropsTheOp", func(t *testing.T) {
		f := newFixture(t, testdb.SQLite(t))
		g := newGate(f.h.Services.Messages)
		var rec recorder
		w := groupcommit.New(g, groupcommit.Config{OnCommit: rec.onCommit})
		defer w.Close()
		go w.Submit(f.ctx, f.create(0, "blocker"), nil)
		<-g.started // the writer is busy
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan error, 1)
		go func() { _, err := w.Submit(ctx, f.create(0, "dropped"), nil); done <- err }()
		eventually(t, "the op to be queued", func() bool { return w.Stats().Queued == 1 })
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Submit=%v, want context.Canceled", err)
		}
		g.release <- struct{}{}
		// A later op proves the writer went past the dropped one.
		go func() { <-g.started; g.release <- struct{}{} }()
		if res, err := w.Submit(f.ctx, f.create(0, "after"), nil); err != nil || res.Err != nil {
			t.Fatalf("Submit(after)=%v, %v", err, res.Err)
		}
		if b := f.bodies(t); b["dropped"] != 0 || b["after"] != 1 {
			t.Fatalf("stored %v, want the dropped op not stored", b)
		}
		for _, c := range rec.all() {
			if c.op.Body == "dropped" {
				t.Fatalf("OnCommit reported the dropped op")
			}
		}
	})
}

// TestEnqueue queues ops without waiting for them, some failing on their
// own and one dropped while queued, and checks that each op reaches
// exactly one of OnCommit and OnFail, in queue order, with a result that
// says why.
func TestEnqueue(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	g := newGate(f.h.Services.Messages)
	var mu sync.Mutex
	var heard []string
	hear := func(kind string) func(edusphere.ChatOp, any, edusphere.ChatResult) {
		return func(op edusphere.ChatOp, tag any, res edusphere.ChatResult) {
			mu.Lock()
			defer mu.Unlock()
			what := fmt.Sprintf("%s %v", kind, tag)
			switch {
			case errors.Is(res.Err, context.Canceled):
				what += " canceled"
			case res.Err != nil:
				what += " " + string(edusphere.ErrorCode(res.Err))
			}
			heard = append(heard, what)
		}
	}
	w := groupcommit.New(g, groupcommit.Config{OnCommit: hear("commit"), OnFail: hear("fail")})
	defer w.Close()

	mustOK(t, "Enqueue(first)", w.Enqueue(f.ctx, f.create(0, "first"), 0))
	<-g.started // the writer is busy with the first op
	dropCtx, drop := context.WithCancel(f.ctx)
	mustOK(t, "Enqueue(dropped)", w.Enqueue(dropCtx, f.create(0, "dropped"), 1))
	mustOK(t, "Enqueue(second)", w.Enqueue(f.ctx, f.create(0, "second"), 2))
	bad := edusphere.ChatOp{Kind: edusphere.ChatDelete, RoomID: f.rooms[0].ID, UserID: f.users[0].ID, MessageID: uuid.New()}
	mustOK(t, "Enqueue(unknown delete)", w.Enqueue(f.ctx, bad, 3))
	mustOK(t, "Enqueue(third)", w.Enqueue(f.ctx, f.create(0, "third"), 4))
	if st := w.Stats(); st.Queued != 4 || st.Taken != 1 {
		t.Fatalf("Stats=%+v, want 4 queued behind 1 taken", st)
	}
	drop()
	g.release <- struct{}{} // the first batch
	if ops := <-g.started; len(ops) != 3 {
		t.Fatalf("second batch of %d ops, want the 3 not dropped", len(ops))
	}
	g.release <- struct{}{}
	eventually(t, "every op's call", func() bool { mu.Lock(); defer mu.Unlock(); return len(heard) == 5 })
	want := []string{"commit 0", "fail 1 canceled", "commit 2", "fail 3 not_found", "commit 4"}
	if fmt.Sprint(heard) != fmt.Sprint(want) {
		t.Fatalf("calls %q, want %q", heard, want)
	}
	if b := f.bodies(t); b["first"] != 1 || b["second"] != 1 || b["third"] != 1 || b["dropped"] != 0 {
		t.Fatalf("stored %v", b)
	}
	w.Close()
	if err := w.Enqueue(f.ctx, f.create(0, "late"), 5); !errors.Is(err, groupcommit.ErrClosed) {
		t.Fatalf("Enqueue after Close=%v, want ErrClosed", err)
	}
}
