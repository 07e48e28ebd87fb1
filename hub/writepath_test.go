package hub_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/groupcommit"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/redis"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// poisonPrefix marks bodies whose transaction always fails: the writer's
// store must isolate them, fail them alone, and commit their neighbours.
const poisonPrefix = "poison "

// failures is a BeforeChatCommit hook injecting whole-transaction
// failures: every transaction holding a poisoned body, and every second
// transaction of several ops (a transient failure its retry gets past).
type failures struct {
	multi    atomic.Int64 // transactions of several ops seen
	injected atomic.Int64 // transient failures injected
	poisoned atomic.Int64 // transactions failed for a poisoned body
}

func (f *failures) hook(ops []edusphere.ChatOp) error {
	for _, op := range ops {
		if strings.HasPrefix(op.Body, poisonPrefix) {
			f.poisoned.Add(1)
			return errors.New("injected: poisoned row")
		}
	}
	if len(ops) > 1 && f.multi.Add(1)%2 == 0 {
		f.injected.Add(1)
		return errors.New("injected: transaction failed")
	}
	return nil
}

// wpSender is one socket of the write-path test and what it sends.
type wpSender struct {
	name   string
	user   *edusphere.User
	room   *edusphere.Room
	own    *edusphere.Message // the sender's message, edited by "edit" frames
	theirs *edusphere.Message // another user's message in the room
	c      *client
	want   []wpAnswer // the answer each frame is owed, in send order
}

// wpAnswer is the one answer a frame is owed: an error text, or the
// sender's own broadcast ("new" or "update") with body.
type wpAnswer struct {
	err    string
	action string
	body   string
}

// frames builds n frames of every kind: posts, posts whose transaction
// always fails, edits of the sender's message and of another's, and
// deletes of unknown messages.
func (s *wpSender) frames(n int) []string {
	var out []string
	for j := range n {
		body := fmt.Sprintf("%s-%d", s.name, j)
		switch j % 6 {
		case 0, 1, 2:
			out = append(out, fmt.Sprintf(`{"message":%q}`, body))
			s.want = append(s.want, wpAnswer{action: "new", body: body})
		case 3:
			out = append(out, fmt.Sprintf(`{"message":%q}`, poisonPrefix+body))
			s.want = append(s.want, wpAnswer{err: hub.MsgInternal})
		case 4:
			if j%12 == 4 {
				out = append(out, fmt.Sprintf(`{"type":"update","messageId":%q,"message":%q}`, s.own.ID, "edit "+body))
				s.want = append(s.want, wpAnswer{action: "update", body: "edit " + body})
			} else {
				out = append(out, fmt.Sprintf(`{"type":"update","messageId":%q,"message":%q}`, s.theirs.ID, "edit "+body))
				s.want = append(s.want, wpAnswer{err: hub.MsgEditOwn})
			}
		case 5:
			out = append(out, fmt.Sprintf(`{"type":"delete","messageId":%q}`, uuid.New()))
			s.want = append(s.want, wpAnswer{err: hub.MsgNotFound})
		}
	}
	return out
}

// ownAnswer reports whether frame m answers one of s's frames: an error
// frame, or a broadcast of s's body.
func (s *wpSender) ownAnswer(m map[string]any) (wpAnswer, bool) {
	if e, ok := m["error"].(string); ok {
		return wpAnswer{err: e}, true
	}
	body, _ := m["body"].(string)
	action, _ := m["action"].(string)
	mine := strings.HasPrefix(body, s.name+"-") || strings.HasPrefix(body, "edit "+s.name+"-")
	if !mine {
		return wpAnswer{}, false
	}
	return wpAnswer{action: action, body: body}, true
}

// wpWorld is the users, rooms and messages of the write-path test.
type wpWorld struct {
	rooms   []*edusphere.Room
	senders []*wpSender
	// relaxed compares a sender's error frames and broadcasts as two
	// sequences: across processes they travel different ways.
	relaxed bool
}

// splitAnswers puts the error answers after the broadcasts, each in
// their order.
func splitAnswers(as []wpAnswer) []wpAnswer {
	var bs, es []wpAnswer
	for _, a := range as {
		if a.err != "" {
			es = append(es, a)
		} else {
			bs = append(bs, a)
		}
	}
	return append(bs, es...)
}

// newWPWorld makes rooms rooms of users senders each; every sender has a
// message of their own in their room, and knows another's.
func newWPWorld(t *testing.T, s edusphere.Services, rooms, users int) *wpWorld {
	t.Helper()
	ctx := context.Background()
	w := &wpWorld{}
	host := testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: "host"})
	for r := range rooms {
		room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, Name: fmt.Sprintf("Room %d", r), TopicName: "Go"})
		w.rooms = append(w.rooms, room)
		hosts := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: host.ID, Body: "welcome"})
		for u := range users {
			name := fmt.Sprintf("r%du%d", r, u)
			user := testdb.MustCreateUser(t, ctx, s, &edusphere.User{Username: name})
			if _, err := s.Rooms.JoinRoom(ctx, room.ID, user.ID); err != nil {
				t.Fatalf("JoinRoom=%v", err)
			}
			own := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: user.ID, Body: "own " + name})
			w.senders = append(w.senders, &wpSender{name: name, user: user, room: room, own: own, theirs: hosts})
		}
	}
	return w
}

// run dials every sender through dial (which picks its process), sends n
// frames from each at once, and checks the answers, the database and the
// order of every room.
func (w *wpWorld) run(t *testing.T, s edusphere.Services, n int, dial func(i int, u *edusphere.User, r *edusphere.Room) *client) {
	t.Helper()
	for i, snd := range w.senders {
		snd.c = dial(i, snd.user, snd.room)
	}
	var wg sync.WaitGroup
	for _, snd := range w.senders {
		frames := snd.frames(n)
		wg.Go(func() {
			for _, f := range frames {
				snd.c.send(t, f)
			}
		})
	}
	wg.Wait()

	// Every room's broadcasts are the posts and edits of its senders.
	perRoom := map[uuid.UUID]int{}
	for _, snd := range w.senders {
		for _, a := range snd.want {
			if a.err == "" {
				perRoom[snd.room.ID]++
			}
		}
	}
	// Read each socket until it has every broadcast of its room and an
	// answer to each of its frames, then check nothing more comes.
	got := make([][]map[string]any, len(w.senders))
	for i, snd := range w.senders {
		broadcasts, errs := 0, 0
		wantErrs := 0
		for _, a := range snd.want {
			if a.err != "" {
				wantErrs++
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		for broadcasts < perRoom[snd.room.ID] || errs < wantErrs {
			f, err := snd.c.tryRead(time.Until(deadline))
			if err != nil {
				t.Fatalf("%s: %d of %d broadcasts, %d of %d error frames, then %v", snd.name, broadcasts, perRoom[snd.room.ID], errs, wantErrs, err)
			}
			m := decode(t, f)
			if _, ok := m["error"]; ok {
				errs++
			} else {
				broadcasts++
			}
			got[i] = append(got[i], m)
		}
	}
	for i, snd := range w.senders {
		if f, err := snd.c.tryRead(300 * time.Millisecond); err == nil {
			t.Fatalf("%s: extra frame %s after %d", snd.name, f, len(got[i]))
		}
	}

	// Exactly one answer per frame, the one it is owed, in send order.
	acked := map[string]uuid.UUID{} // body of an acknowledged post -> id
	for i, snd := range w.senders {
		var answers []wpAnswer
		for _, m := range got[i] {
			if a, ok := snd.ownAnswer(m); ok {
				answers = append(answers, a)
				if a.action == "new" {
					acked[a.body] = uuid.MustParse(m["id"].(string))
				}
			}
		}
		if w.relaxed {
			// Error frames go straight to the sender; broadcasts take the
			// trip through Redis, so a later frame's error can overtake an
			// earlier frame's broadcast. Each kind keeps its order.
			answers, want := splitAnswers(answers), splitAnswers(snd.want)
			if !slices.Equal(answers, want) {
				t.Fatalf("%s: answers %v, want %v", snd.name, answers, want)
			}
		} else if !slices.Equal(answers, snd.want) {
			t.Fatalf("%s: answers %v, want %v", snd.name, answers, snd.want)
		}
	}

	// Every acknowledged post is stored once; nothing else was stored.
	for _, room := range w.rooms {
		ms := messages(t, s, room.ID)
		seen := map[string]int{}
		for _, m := range ms {
			seen[m.Body]++
			if strings.HasPrefix(m.Body, poisonPrefix) {
				t.Fatalf("poisoned post %q was stored", m.Body)
			}
		}
		for _, m := range ms {
			if seen[m.Body] != 1 {
				t.Fatalf("%q stored %d times", m.Body, seen[m.Body])
			}
			if strings.HasPrefix(m.Body, "r") && strings.Contains(m.Body, "-") {
				if id, ok := acked[m.Body]; !ok || id != m.ID {
					t.Fatalf("stored %q (%s) was not acknowledged as such (acked %s)", m.Body, m.ID, id)
				}
			}
		}
	}
	for body, id := range acked {
		m, err := s.Messages.FindMessageByID(context.Background(), id)
		if err != nil || m.Body != body {
			t.Fatalf("acknowledged %q (%s): %v, %v", body, id, m, err)
		}
	}

	// Per room, every socket saw the same broadcasts, in commit order:
	// the order of the room's sequence numbers.
	for _, room := range w.rooms {
		var ref []string
		for i, snd := range w.senders {
			if snd.room.ID != room.ID {
				continue
			}
			var order []string
			for _, m := range got[i] {
				if _, ok := m["error"]; !ok {
					order = append(order, m["action"].(string)+" "+m["body"].(string))
				}
			}
			if ref == nil {
				ref = order
			} else if !slices.Equal(order, ref) {
				t.Fatalf("%s saw room %s as\n%v\nanother socket as\n%v", snd.name, room.Name, order, ref)
			}
		}
		want := commitOrder(t, s, room.ID)
		if got := latestOnly(ref, want); !slices.Equal(got, want) {
			t.Fatalf("room %s delivered\n%v\ncommitted\n%v", room.Name, got, want)
		}
	}
}

// commitOrder lists the room's posts and latest edits of this test in
// sequence order: a post as "new <body>" at its CreatedSeq, a message's
// latest edit as "update <body>" at its Seq (earlier edits are not
// stored; their frames' order is compared across sockets above).
func commitOrder(t *testing.T, s edusphere.Services, room uuid.UUID) []string {
	t.Helper()
	type change struct {
		seq  int64
		what string
	}
	var cs []change
	for _, m := range messages(t, s, room) {
		if strings.HasPrefix(m.Body, "r") && strings.Contains(m.Body, "-") {
			cs = append(cs, change{m.CreatedSeq, "new " + m.Body})
		}
		if m.Edited {
			cs = append(cs, change{m.Seq, "update " + m.Body})
		}
	}
	slices.SortFunc(cs, func(a, b change) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.what)
	}
	return out
}

// latestOnly keeps the posts of order and the edits that are in want.
func latestOnly(order, want []string) []string {
	var out []string
	for _, o := range order {
		if strings.HasPrefix(o, "new ") || slices.Contains(want, o) {
			out = append(out, o)
		}
	}
	return out
}

// TestWritePath sends from many sockets at once, with failures injected
// into single rows (edits of another's message, deletes of unknown ones,
// posts whose every transaction fails) and into whole transactions of
// several ops, and proves every frame got exactly one answer, every
// acknowledged post is stored once, and every socket saw its room in
// commit order; on both stores.
func TestWritePath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		var f failures
		h.SetBeforeChatCommit(f.hook)
		w := newWPWorld(t, h.Services, 2, 4)
		e := newEnv(t, h, hub.Config{ChatBatch: batchConfig(h.Kind)}, nil)
		w.run(t, h.Services, 48, func(_ int, u *edusphere.User, r *edusphere.Room) *client { return e.dial(u, r) })
		if f.injected.Load() == 0 || f.poisoned.Load() == 0 {
			t.Fatalf("injected %d transient and %d poisoned failures, want some of each", f.injected.Load(), f.poisoned.Load())
		}
		t.Logf("%d transactions of several ops, %d failed transiently, %d for a poisoned row", f.multi.Load(), f.injected.Load(), f.poisoned.Load())
	})
}

// TestWritePathTwoProcesses runs the same load through two hubs on one
// PostgreSQL database and Redis, each room's senders split across them.
func TestWritePathTwoProcesses(t *testing.T) {
	redisURL, prefix := testdb.Redis(t)
	h := testdb.Postgres(t)
	var f failures
	w := newWPWorld(t, h.Services, 2, 4)
	w.relaxed = true
	cfg := hub.Config{ChatBatch: batchConfig("postgres"), OrderWait: 500 * time.Millisecond, PublishWorkers: 8}
	p := []*env{
		wpProcess(t, h.DSN, redisURL, prefix, cfg, f.hook),
		wpProcess(t, h.DSN, redisURL, prefix, cfg, f.hook),
	}
	w.run(t, h.Services, 48, func(i int, u *edusphere.User, r *edusphere.Room) *client { return p[i%2].dial(u, r) })
	if f.injected.Load() == 0 || f.poisoned.Load() == 0 {
		t.Fatalf("injected %d transient and %d poisoned failures, want some of each", f.injected.Load(), f.poisoned.Load())
	}
}

// batchConfig is the writer's configuration for a store, as cmd sets it.
func batchConfig(kind string) groupcommit.Config {
	if kind == "postgres" {
		return groupcommit.Config{Shards: 4}
	}
	return groupcommit.Config{Shards: 1}
}

// wpProcess is one server process with its own pool, whose chat
// transactions run hook before they commit, and its own Redis broker.
func wpProcess(t *testing.T, dsn, redisURL, prefix string, cfg hub.Config, hook func([]edusphere.ChatOp) error) *env {
	t.Helper()
	ctx := context.Background()
	db := postgres.NewDB(dsn)
	db.BeforeChatCommit = hook
	if err := db.Open(ctx); err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	b := redis.NewBroker(redis.Config{URL: withClientName(redisURL, prefix), Prefix: prefix})
	if err := b.Open(ctx); err != nil {
		t.Fatalf("open redis broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return newEnv(t, &testdb.Handle{Kind: "postgres", DSN: dsn, Services: db.Services()}, cfg, b)
}
