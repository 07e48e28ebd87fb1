package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// truthEvent is one change as its sender committed it.
type truthEvent struct {
	kind edusphere.ChatOpKind
	id   uuid.UUID
	body string
}

// seen is one message event a subscriber applied.
type seen struct {
	room uuid.UUID
	seq  int64
	typ  string
	id   uuid.UUID
	body string
}

// TestV2CatchUpCluster is the catch-up test of the event socket
// (docs/events.md, "Event socket"): two processes on one PostgreSQL
// database and one Redis, several senders creating, editing and deleting
// in two rooms through both processes, and subscribers whose connections
// are cut at random points (and whose processes lose their Redis
// subscriptions once) and restored with the sequence number they had
// reached. Every subscriber must see every change of every room exactly
// once and in order, modulo the documented compaction of superseded
// changes in a catch-up, and end with the database's state.
func TestV2CatchUpCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	redisURL, prefix := testdb.Redis(t)
	h := testdb.Postgres(t)
	ctx := context.Background()
	f := newFixture(t, h.Services)
	procs := []*env{process(t, h.DSN, redisURL, prefix), process(t, h.DSN, redisURL, prefix)}

	rooms := []uuid.UUID{f.room.ID, f.other.ID}
	var senders, subscribers []*edusphere.User
	for i := range 7 {
		u := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: fmt.Sprint("u", i)})
		for _, r := range rooms {
			if _, err := h.Services.Rooms.JoinRoom(ctx, r, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if i < 4 {
			senders = append(senders, u)
		} else {
			subscribers = append(subscribers, u)
		}
	}

	var truthMu sync.Mutex
	truth := map[uuid.UUID]map[int64]truthEvent{rooms[0]: {}, rooms[1]: {}}
	sendFor := 6 * time.Second
	stop := time.Now().Add(sendFor)

	var wg sync.WaitGroup
	for i, u := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			own := map[uuid.UUID][]uuid.UUID{}
			for n := 0; time.Now().Before(stop); n++ {
				p := procs[n%2]
				room := rooms[rng.IntN(2)]
				op := edusphere.ChatOp{Kind: edusphere.ChatCreate, RoomID: room, UserID: u.ID, Body: fmt.Sprintf("%s-%d", u.Username, n)}
				if ids := own[room]; len(ids) > 0 && rng.IntN(10) < 4 {
					k := rng.IntN(len(ids))
					op.MessageID = ids[k]
					if rng.IntN(3) == 0 {
						op.Kind = edusphere.ChatDelete
						own[room] = append(ids[:k], ids[k+1:]...)
					} else {
						op.Kind = edusphere.ChatUpdate
						op.Body += "-edited"
					}
				}
				res := p.raw.Messages.CommitChat(ctx, []edusphere.ChatOp{op})[0]
				if res.Err != nil {
					t.Errorf("sender %s: %v", u.Username, res.Err)
					return
				}
				id := op.MessageID
				if op.Kind == edusphere.ChatCreate {
					id = res.Message.ID
					own[room] = append(own[room], id)
				}
				truthMu.Lock()
				truth[room][res.Seq] = truthEvent{kind: op.Kind, id: id, body: op.Body}
				truthMu.Unlock()
				p.notifier.ChatCommitted(ctx, res, u)
				time.Sleep(time.Duration(2+rng.IntN(15)) * time.Millisecond)
			}
		}()
	}

	// Halfway, both processes lose their Redis subscriptions once.
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(sendFor / 2)
		killPubSub(t, redisURL, prefix)
	}()

	results := make([]*subscriber, len(subscribers))
	var finals sync.WaitGroup
	finalSeq := make(chan map[uuid.UUID]int64, len(subscribers))
	for i, u := range subscribers {
		r := &subscriber{user: u, state: map[uuid.UUID]map[uuid.UUID]string{rooms[0]: {}, rooms[1]: {}}, last: map[uuid.UUID]int64{}}
		results[i] = r
		finals.Add(1)
		go func() {
			defer finals.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			// Cut and restore until the senders stop.
			for time.Now().Before(stop) && r.err == nil {
				r.conns++
				r.err = r.session(procs[rng.IntN(2)], rooms, time.Now().Add(time.Duration(20+rng.IntN(600))*time.Millisecond), nil)
				if r.err == errReconnect {
					r.err = nil
				}
			}
			if r.err != nil {
				return
			}
			want := <-finalSeq
			for range 5 {
				r.conns++
				if r.err = r.session(procs[rng.IntN(2)], rooms, time.Now().Add(15*time.Second), want); r.err != errReconnect {
					break
				}
			}
		}()
	}
	wg.Wait()
	final := map[uuid.UUID]int64{}
	for _, room := range rooms {
		ch, err := h.Services.Messages.ChangesSince(ctx, room, 0, edusphere.MaxChangesLimit)
		if err != nil {
			t.Fatal(err)
		}
		final[room] = ch.Seq
	}
	for range subscribers {
		finalSeq <- final
	}
	finals.Wait()

	total := 0
	for _, room := range rooms {
		total += len(truth[room])
		if int64(len(truth[room])) != final[room] {
			t.Fatalf("room %s: %d committed changes, sequence at %d", room, len(truth[room]), final[room])
		}
	}
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("%s: %v", r.user.Username, r.err)
		}
		checkSubscriber(t, r.user.Username, r.events, truth, final)
		for _, room := range rooms {
			want := map[uuid.UUID]string{}
			for _, m := range messages(t, h.Services, room) {
				want[m.ID] = m.Body
			}
			if fmt.Sprint(want) != fmt.Sprint(r.state[room]) {
				t.Fatalf("%s: room %s state differs from the database (%d vs %d messages)", r.user.Username, room, len(r.state[room]), len(want))
			}
		}
		t.Logf("%s: %d connections, %d events applied", r.user.Username, r.conns, len(r.events))
	}
	t.Logf("%d changes in %d rooms by %d senders over 2 processes", total, len(rooms), len(senders))
}

// errReconnect is a close that asks the client to reconnect (4000, 4008).
var errReconnect = errors.New("reconnect")

// subscriber is one subscribing user's view of the rooms.
type subscriber struct {
	user   *edusphere.User
	events []seen
	state  map[uuid.UUID]map[uuid.UUID]string // room -> message -> body
	last   map[uuid.UUID]int64                // room -> number reached
	conns  int
	err    error
}

// session is one connection of a subscriber: it subscribes every room
// from the number it reached and applies events until the deadline (then
// the connection is cut) or, when want is set, until every room reached
// want's number.
func (r *subscriber) session(e *env, rooms []uuid.UUID, deadline time.Time, want map[uuid.UUID]int64) error {
	hdr := http.Header{}
	hdr.Set("Origin", "http://localhost:5173")
	hdr.Set("Cookie", "JWT="+r.user.ID.String())
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws/v2", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		if want == nil && ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("dial: %w", err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	for _, room := range rooms {
		b, _ := json.Marshal(map[string]any{"type": "subscribe", "room": room, "since": r.last[room]})
		if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
			if want == nil && ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	for {
		if want != nil {
			done := true
			for _, room := range rooms {
				if r.last[room] < want[room] {
					done = false
				}
			}
			if done {
				return nil
			}
		}
		_, b, err := ws.Read(ctx)
		if err != nil {
			if want == nil && ctx.Err() != nil {
				return nil // cut at a random point
			}
			if code := websocket.CloseStatus(err); code == hub.StatusTryAgain || code == hub.StatusSlowConsumer {
				return errReconnect // as documented: reconnect and resubscribe
			}
			return fmt.Errorf("read: %w (reached %v, want %v)", err, r.last, want)
		}
		if err := r.apply(b); err != nil {
			return err
		}
	}
}

// apply applies one frame, checking that message events come in strictly
// increasing numbers per room.
func (r *subscriber) apply(b []byte) error {
	var fr struct {
		Type      string    `json:"type"`
		Room      uuid.UUID `json:"room"`
		Seq       int64     `json:"seq"`
		Recovered bool      `json:"recovered"`
		ID        uuid.UUID `json:"id"`
		Error     string    `json:"error"`
		Message   struct {
			ID   uuid.UUID `json:"id"`
			Body string    `json:"body"`
		} `json:"message"`
	}
	if err := json.Unmarshal(b, &fr); err != nil {
		return fmt.Errorf("frame %s: %w", b, err)
	}
	switch fr.Type {
	case "error":
		return fmt.Errorf("error frame %s", b)
	case "subscribed":
		if !fr.Recovered {
			return fmt.Errorf("subscription not recovered: %s", b)
		}
		if fr.Seq < r.last[fr.Room] {
			return fmt.Errorf("subscribed at %d below %d", fr.Seq, r.last[fr.Room])
		}
		r.last[fr.Room] = fr.Seq
		return nil
	case edusphere.EventMessageCreated, edusphere.EventMessageUpdated, edusphere.EventMessageDeleted:
	default:
		return nil // unread, participant events
	}
	if fr.Seq <= r.last[fr.Room] {
		return fmt.Errorf("%s at %d after %d: out of order or twice", fr.Type, fr.Seq, r.last[fr.Room])
	}
	r.last[fr.Room] = fr.Seq
	ev := seen{room: fr.Room, seq: fr.Seq, typ: fr.Type, id: fr.Message.ID, body: fr.Message.Body}
	switch fr.Type {
	case edusphere.EventMessageDeleted:
		ev.id = fr.ID
		delete(r.state[fr.Room], fr.ID)
	case edusphere.EventMessageCreated:
		r.state[fr.Room][ev.id] = ev.body
	case edusphere.EventMessageUpdated:
		if _, ok := r.state[fr.Room][ev.id]; !ok {
			return fmt.Errorf("update at %d of message %s never seen", fr.Seq, ev.id)
		}
		r.state[fr.Room][ev.id] = ev.body
	}
	r.events = append(r.events, ev)
	return nil
}

// checkSubscriber proves a subscriber's events are the committed changes
// exactly once and in order, modulo compaction: each event it applied is
// the change committed at that number (the same message, body and kind,
// a creation possibly shown at the number of a later edit), and each
// change it did not see was superseded by a later change of the same
// message it reached.
func checkSubscriber(t *testing.T, name string, events []seen, truth map[uuid.UUID]map[int64]truthEvent, final map[uuid.UUID]int64) {
	t.Helper()
	got := map[uuid.UUID]map[int64]seen{}
	for _, ev := range events {
		if got[ev.room] == nil {
			got[ev.room] = map[int64]seen{}
		}
		got[ev.room][ev.seq] = ev
		want, ok := truth[ev.room][ev.seq]
		if !ok || want.id != ev.id {
			t.Fatalf("%s: %s at %d of %s, committed %+v", name, ev.typ, ev.seq, ev.id, want)
		}
		switch ev.typ {
		case edusphere.EventMessageDeleted:
			if want.kind != edusphere.ChatDelete {
				t.Fatalf("%s: deletion at %d, committed %v", name, ev.seq, want.kind)
			}
		case edusphere.EventMessageUpdated:
			if want.kind != edusphere.ChatUpdate || ev.body != want.body {
				t.Fatalf("%s: update at %d (%q), committed %v %q", name, ev.seq, ev.body, want.kind, want.body)
			}
		default:
			if want.kind == edusphere.ChatDelete || ev.body != want.body {
				t.Fatalf("%s: creation at %d (%q), committed %v %q", name, ev.seq, ev.body, want.kind, want.body)
			}
		}
	}
	compacted := 0
	for room, changes := range truth {
		// The latest number of each message.
		latest := map[uuid.UUID]int64{}
		for seq, ch := range changes {
			if seq > latest[ch.id] {
				latest[ch.id] = seq
			}
		}
		for seq, ch := range changes {
			if _, ok := got[room][seq]; ok {
				continue
			}
			if latest[ch.id] == seq || seq > final[room] {
				t.Fatalf("%s: missed change %d (%v of %s) of room %s, not superseded", name, seq, ch.kind, ch.id, room)
			}
			compacted++
		}
	}
	t.Logf("%s: %d changes compacted away in catch-ups", name, compacted)
}
