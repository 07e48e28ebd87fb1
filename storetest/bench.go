package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/groupcommit"
	"github.com/google/uuid"
)

// BigRoom is the size of the seeded room of the benchmarks.
const BigRoom = 1_000_000

// seedBatch is how many messages one seeding transaction writes.
const seedBatch = 50_000

// benchDB is a database for benchmarks: a room of `size` messages by 100
// users, plus ten quiet rooms the write benchmarks post to.
type benchDB struct {
	h     *Store
	big   *edusphere.Room
	users []*edusphere.User
	rooms []*edusphere.Room
	ids   []uuid.UUID // of the big room's messages, oldest first
}

// seedBench builds a benchDB of size messages in few large transactions.
func seedBench(tb testing.TB, h *Store, size int) *benchDB {
	ctx := context.Background()
	d := &benchDB{h: h, ids: make([]uuid.UUID, 0, size)}
	for range 100 {
		d.users = append(d.users, MustCreateUser(tb, ctx, h.Services, nil))
	}
	d.big = MustCreateRoom(tb, ctx, h.Services, edusphere.RoomCreate{HostID: d.users[0].ID})
	for i := range 10 {
		d.rooms = append(d.rooms, MustCreateRoom(tb, ctx, h.Services, edusphere.RoomCreate{HostID: d.users[i].ID}))
	}
	start := time.Now()
	for done := 0; done < size; {
		n := min(seedBatch, size-done)
		ops := make([]edusphere.ChatOp, n)
		for i := range ops {
			ops[i] = edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: d.big.ID,
				UserID: d.users[(done+i)%len(d.users)].ID, Body: fmt.Sprintf("seeded message %d", done+i)}
		}
		for i, r := range h.Services.Messages.CommitChat(ctx, ops) {
			if r.Err != nil {
				tb.Fatalf("seed message %d: %v", done+i, r.Err)
			}
			d.ids = append(d.ids, r.Message.ID)
		}
		done += n
	}
	if size >= seedBatch {
		tb.Logf("%s: seeded %d messages in %v", h.Name, size, time.Since(start).Round(time.Millisecond))
	}
	return d
}

// Bench runs the store benchmarks. open returns a fresh migrated database
// (for SQLite, a file, as the server uses); Bench opens two, an empty one
// and one seeded with a room of BigRoom messages, only when a benchmark
// that needs it runs.
func Bench(b *testing.B, open func(tb testing.TB) *Store) {
	// The shared databases live as long as the whole benchmark: they are
	// opened on b, and seeded by the first sub-benchmark needing them.
	var small, big *benchDB
	bigDB := func(sb *testing.B) *benchDB {
		if big == nil {
			big = seedBench(sb, open(b), BigRoom)
		}
		return big
	}
	smallDB := func(sb *testing.B) *benchDB {
		if small == nil {
			small = seedBench(sb, open(b), 1000)
		}
		return small
	}
	for _, size := range []struct {
		name string
		db   func(b *testing.B) *benchDB
	}{{"Messages=1000", smallDB}, {"Messages=1000000", bigDB}} {
		b.Run("History/"+size.name, func(b *testing.B) { benchHistory(b, size.db(b)) })
		b.Run("CatchUp1000/"+size.name, func(b *testing.B) { benchCatchUp(b, size.db(b)) })
	}
	for _, stored := range []struct {
		name string
		db   func(b *testing.B) *benchDB
	}{{"Stored=0", func(b *testing.B) *benchDB { return seedBench(b, open(b), 0) }}, {"Stored=1000000", bigDB}} {
		b.Run("Write/OneTxPerMessage/"+stored.name, func(b *testing.B) { benchWriteEach(b, stored.db(b)) })
		b.Run("Write/Batch100/"+stored.name, func(b *testing.B) { benchWriteBatch(b, stored.db(b), 100) })
		b.Run("Write/GroupCommit64/"+stored.name, func(b *testing.B) { benchGroupCommit(b, stored.db(b), 64) })
	}
	b.Run("HomePage100Rooms", func(b *testing.B) { benchHomePage(b, open(b)) })
	b.Run("RoomList1000Visible", func(b *testing.B) { benchVisibleRooms(b, open(b)) })
}

// benchHistory pages the big room: the newest page, and the page before a
// cursor in the middle of the history.
func benchHistory(b *testing.B, d *benchDB) {
	ctx := context.Background()
	mid := d.ids[len(d.ids)/2]
	for _, q := range []struct {
		name string
		q    edusphere.HistoryQuery
	}{
		{"Newest50", edusphere.HistoryQuery{RoomID: d.big.ID, Last: 50}},
		{"Middle50", edusphere.HistoryQuery{RoomID: d.big.ID, Last: 50, Before: &mid}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				page, err := d.h.Services.Messages.FindHistory(ctx, q.q)
				if err != nil || len(page.Messages) != 50 {
					b.Fatalf("FindHistory=%v, %v", page, err)
				}
			}
		})
	}
}

// benchCatchUp reads the room's latest 1,000 changes, as a subscriber
// 1,000 changes behind does.
func benchCatchUp(b *testing.B, d *benchDB) {
	ctx := context.Background()
	seq, err := d.h.MessagesVersion(ctx, d.big.ID)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rc, err := d.h.Services.Messages.ChangesSince(ctx, d.big.ID, seq-1000, 1000)
		if err != nil || len(rc.Changes) != 1000 {
			b.Fatalf("ChangesSince=%v", err)
		}
	}
}

// warmUp posts messages before a write benchmark measures, so that it
// measures the steady state: the rooms' index pages in the cache, and the
// write-ahead log of the seeding checkpointed.
func (d *benchDB) warmUp(b *testing.B) {
	ops := make([]edusphere.ChatOp, 5000)
	for i := range ops {
		ops[i] = d.benchOp(i)
	}
	for i := 0; i < len(ops); i += 100 {
		for _, r := range d.h.Services.Messages.CommitChat(context.Background(), ops[i:i+100]) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
}

// benchOp returns the i-th message a write benchmark posts: the ten quiet
// rooms in turn, each by its host.
func (d *benchDB) benchOp(i int) edusphere.ChatOp {
	r := d.rooms[i%len(d.rooms)]
	return edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: r.HostID, Body: "benchmark message"}
}

// reportRate reports messages per second besides the time per message,
// and per message since u0 the process's CPU time and its read and write
// system calls: on a machine shared with other work, wall time varies with
// the neighbours' load far more than these do.
func reportRate(b *testing.B, n int, u0 usage) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	if n == 0 {
		return
	}
	u := currentUsage()
	if cpu := u.cpu - u0.cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/msg")
	}
	if u.haveSyscalls {
		b.ReportMetric(float64(u.reads-u0.reads)/float64(n), "reads/msg")
		b.ReportMetric(float64(u.writes-u0.writes)/float64(n), "writes/msg")
	}
}

// benchWriteEach posts one message per transaction (CreateMessage).
func benchWriteEach(b *testing.B, d *benchDB) {
	ctx := context.Background()
	d.warmUp(b)
	n := 0
	u0 := currentUsage()
	for b.Loop() {
		op := d.benchOp(n)
		if err := d.h.Services.Messages.CreateMessage(ctx, &edusphere.Message{RoomID: op.RoomID, UserID: op.UserID, Body: op.Body}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportRate(b, n, u0)
}

// benchWriteBatch posts messages size to a transaction (CommitChat); one
// op of the benchmark is one message.
func benchWriteBatch(b *testing.B, d *benchDB, size int) {
	ctx := context.Background()
	ops := make([]edusphere.ChatOp, 0, size)
	d.warmUp(b)
	n := 0
	flush := func() {
		for _, r := range d.h.Services.Messages.CommitChat(ctx, ops) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		ops = ops[:0]
	}
	u0 := currentUsage()
	for b.Loop() {
		ops = append(ops, d.benchOp(n))
		n++
		if len(ops) == size {
			flush()
		}
	}
	if len(ops) > 0 {
		flush()
	}
	reportRate(b, n, u0)
}

// benchGroupCommit posts messages from `submitters` goroutines through a
// groupcommit.Writer with its defaults, as the chat sockets will.
func benchGroupCommit(b *testing.B, d *benchDB, submitters int) {
	ctx := context.Background()
	w := groupcommit.New(d.h.Services.Messages, groupcommit.Config{})
	defer w.Close()
	d.warmUp(b)
	work := make(chan edusphere.ChatOp, submitters)
	var wg sync.WaitGroup
	for range submitters {
		wg.Go(func() {
			for op := range work {
				if res, err := w.Submit(ctx, op, nil); err != nil || res.Err != nil {
					b.Errorf("Submit=%v, %v", err, res.Err)
				}
			}
		})
	}
	n := 0
	u0 := currentUsage()
	for b.Loop() {
		work <- d.benchOp(n)
		n++
	}
	close(work)
	wg.Wait()
	reportRate(b, n, u0)
	if st := w.Stats(); st.Batches > 0 {
		b.ReportMetric(float64(st.Ops)/float64(st.Batches), "msgs/batch")
	}
}

// benchHomePage compares, for a user in 100 rooms of 200 messages each,
// the home page's room list (FindRooms, 100 rooms) with the unread counts
// of those rooms (FindReadStates), half of them with more than UnreadCap
// unread.
func benchHomePage(b *testing.B, h *Store) {
	ctx := context.Background()
	me := MustCreateUser(b, ctx, h.Services, nil)
	other := MustCreateUser(b, ctx, h.Services, nil)
	ids := make([]uuid.UUID, 0, 100)
	for i := range 100 {
		r := MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: other.ID})
		if _, err := h.Services.Rooms.JoinRoom(ctx, r.ID, me.ID); err != nil {
			b.Fatal(err)
		}
		ops := make([]edusphere.ChatOp, 200)
		for j := range ops {
			ops[j] = edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: other.ID, Body: "hello"}
		}
		h.Services.Messages.CommitChat(ctx, ops)
		if i%2 == 0 {
			if _, err := h.Services.ReadMarkers.MarkRead(ctx, me.ID, r.ID, 190); err != nil {
				b.Fatal(err)
			}
		}
		ids = append(ids, r.ID)
	}
	b.Run("FindRooms", func(b *testing.B) {
		for b.Loop() {
			rooms, _, err := h.Services.Rooms.FindRooms(ctx, edusphere.RoomFilter{ParticipantID: &me.ID, Limit: 100})
			if err != nil || len(rooms) != 100 {
				b.Fatalf("FindRooms=%d, %v", len(rooms), err)
			}
		}
	})
	b.Run("FindReadStates", func(b *testing.B) {
		// A reload of the home page with nothing changed: the counts come
		// from what the store kept for the rooms' and markers' numbers.
		for b.Loop() {
			st, err := h.Services.ReadMarkers.FindReadStates(ctx, me.ID, ids)
			if err != nil || len(st) != 100 {
				b.Fatalf("FindReadStates=%d, %v", len(st), err)
			}
		}
	})
	b.Run("FindReadStatesAllChanged", func(b *testing.B) {
		// Every room changed since the last read: every count is counted
		// again. The edits are not timed.
		i := 0
		for b.Loop() {
			b.StopTimer()
			for _, id := range ids {
				op := edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: id, UserID: other.ID, Body: "more"}
				if i%2 == 0 {
					op = edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: id, UserID: me.ID, Body: "mine"}
				}
				h.Services.Messages.CommitChat(ctx, []edusphere.ChatOp{op})
			}
			i++
			b.StartTimer()
			st, err := h.Services.ReadMarkers.FindReadStates(ctx, me.ID, ids)
			if err != nil || len(st) != 100 {
				b.Fatalf("FindReadStates=%d, %v", len(st), err)
			}
		}
	})
}

// benchVisibleRooms measures the cost of the private-room rule on the home
// page's list: 1,000 rooms, every other one private, the viewer taking part
// in 50 of the private ones; the first page of 20 by popularity and its
// total, unfiltered (the admin) and as seen by the viewer.
func benchVisibleRooms(b *testing.B, h *Store) {
	ctx := context.Background()
	me := MustCreateUser(b, ctx, h.Services, nil)
	host := MustCreateUser(b, ctx, h.Services, nil)
	for i := range 1000 {
		r := MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: host.ID, IsPrivate: i%2 == 1})
		if i%20 == 1 {
			if _, err := h.Services.Rooms.JoinRoom(ctx, r.ID, me.ID); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, tt := range []struct {
		name      string
		viewer    *uuid.UUID
		wantTotal int
	}{
		{"Unfiltered", nil, 1000},
		{"AsViewer", &me.ID, 550},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				rooms, total, err := h.Services.Rooms.FindRooms(ctx, edusphere.RoomFilter{VisibleTo: tt.viewer, Limit: 20})
				if err != nil || len(rooms) != 20 || total != tt.wantTotal {
					b.Fatalf("FindRooms=%d (total %d), %v; want 20 of %d", len(rooms), total, err, tt.wantTotal)
				}
			}
		})
	}
}
