package hub

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// maxHeld bounds the events one room holds while it waits for a missing
// sequence number; one more delivers them all at once.
const maxHeld = 1024

// seedTimeout bounds the read of a room's number when its channel is
// subscribed; its events wait for it at most Config.OrderWait anyway.
const seedTimeout = 5 * time.Second

// orderer delivers each room's message events in room sequence order
// (docs/websocket.md, "Delivery"). Within a process the writer publishes a
// room's events in commit order, but two processes (or the writer and a
// GraphQL write) commit a room's changes in turn and publish them
// independently, so the broker may hand them over in another order. An
// event that arrives ahead of the next expected number is held until the
// missing ones arrive, or for at most Config.OrderWait: a number can also
// be missing for good (its publish failed, or the change announces
// nothing), and then what waited is delivered late rather than lost.
// Events without a number (Seq 0) are delivered at once, and all events
// are when Config.OrderWait is zero.
//
// A room's place in its sequence is read from the store when its channel
// is subscribed (track, then seed): events numbered after that read are
// delivered in order from the first one on, even when the room's first
// event to arrive here is not the first one committed after the read.
type orderer struct {
	h     *Hub
	mu    sync.Mutex
	rooms map[uuid.UUID]*roomOrder
}

// roomOrder is one room's position in its sequence and what waits.
type roomOrder struct {
	mu      sync.Mutex
	last    int64             // highest number delivered, or the seed
	known   bool              // last is set: read by seed, or an event was delivered
	seeding bool              // the room's number is being read: every event waits
	held    []edusphere.Event // ahead of last+1 (all of them while seeding), by Seq
	timer   *time.Timer       // delivers held when it fires; nil when none is held
	gen     int               // counts timers, so a stopped one that fired anyway does nothing
}

func (o *orderer) init(h *Hub) {
	o.h = h
	o.rooms = make(map[uuid.UUID]*roomOrder)
}

// lookup returns room's state, nil when its channel is not tracked.
func (o *orderer) lookup(id uuid.UUID) *roomOrder {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rooms[id]
}

// track starts room's state, its events held until seed has read the
// room's number; called before its channel is subscribed. It returns nil
// when the room is tracked already or events are not ordered.
func (o *orderer) track(id uuid.UUID) *roomOrder {
	if o.h.cfg.OrderWait <= 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rooms[id] != nil {
		return nil
	}
	r := &roomOrder{seeding: true}
	o.rooms[id] = r
	return r
}

// seed reads room's current number once its channel is subscribed: every
// change numbered after it will arrive here, so the first event delivered
// in order is the one numbered next. Held events numbered up to it were
// committed before the read and are delivered at once, in order. When the
// read fails, the first held event starts the sequence, as without a seed.
func (o *orderer) seed(id uuid.UUID, r *roomOrder) {
	var seq int64
	err := errors.New("no read markers")
	if rm := o.h.store.ReadMarkers; rm != nil {
		ctx, cancel := context.WithTimeout(o.h.ctx, seedTimeout)
		var seqs map[uuid.UUID]int64
		seqs, err = rm.RoomSeqs(ctx, []uuid.UUID{id})
		cancel()
		if err != nil {
			o.h.log.Warn("read room sequence", "room", id, "err", err)
		}
		seq = seqs[id]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.seeding {
		return
	}
	r.seeding = false
	switch {
	case err == nil:
		r.last, r.known = max(r.last, seq), true
	case !r.known && len(r.held) > 0:
		r.last, r.known = r.held[0].Seq-1, true
	}
	n := 0
	for n < len(r.held) && r.held[n].Seq <= r.last {
		o.h.fanOut(id, r.held[n])
		n++
	}
	clear(r.held[:n])
	r.held = r.held[n:]
	o.release(id, r, false)
}

// reseed starts room's sequence over after the broker lost some of its
// events: what was held is delivered and the number is read again.
func (o *orderer) reseed(id uuid.UUID) {
	r := o.lookup(id)
	if r == nil {
		return
	}
	r.mu.Lock()
	o.release(id, r, true)
	start := !r.seeding
	r.seeding, r.known, r.last = true, false, 0
	r.mu.Unlock()
	if start {
		go o.seed(id, r)
	}
}

// forget drops room's state: its channel was unsubscribed. What was held
// is delivered.
func (o *orderer) forget(id uuid.UUID) {
	o.mu.Lock()
	r := o.rooms[id]
	delete(o.rooms, id)
	o.mu.Unlock()
	if r != nil {
		r.mu.Lock()
		o.release(id, r, true)
		r.mu.Unlock()
	}
}

// flush delivers every held event, as Shutdown does before closing sockets.
func (o *orderer) flush() {
	o.mu.Lock()
	rooms := make(map[uuid.UUID]*roomOrder, len(o.rooms))
	for id, r := range o.rooms {
		rooms[id] = r
	}
	o.mu.Unlock()
	for id, r := range rooms {
		r.mu.Lock()
		o.release(id, r, true)
		r.mu.Unlock()
	}
}

// event delivers ev, a message event of room, in sequence order.
func (o *orderer) event(room uuid.UUID, ev edusphere.Event) {
	r := o.lookup(room)
	if ev.Seq <= 0 || r == nil {
		// Not ordered, or a straggler of a channel no longer subscribed.
		o.h.fanOut(room, ev)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !r.seeding && (!r.known || ev.Seq == r.last+1):
		r.last, r.known = ev.Seq, true
		o.h.fanOut(room, ev)
		o.release(room, r, false)
	case !r.seeding && ev.Seq <= r.last:
		// Late: its place has passed (it was held too long, or came
		// before the room's first event here). Delivered, not lost.
		o.h.fanOut(room, ev)
	default:
		i, _ := slices.BinarySearchFunc(r.held, ev.Seq, func(e edusphere.Event, seq int64) int {
			return cmp.Compare(e.Seq, seq)
		})
		r.held = slices.Insert(r.held, i, ev)
		if len(r.held) > maxHeld {
			o.release(room, r, true)
		} else if r.timer == nil {
			r.gen++
			gen := r.gen
			r.timer = time.AfterFunc(o.h.cfg.OrderWait, func() { o.expire(room, r, gen) })
		}
	}
}

// expire delivers what r held for OrderWait, missing numbers or not.
func (o *orderer) expire(room uuid.UUID, r *roomOrder, gen int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen != r.gen || r.timer == nil {
		return
	}
	r.timer = nil
	o.release(room, r, true)
}

// release delivers the held events that are next in sequence, or all of
// them when all is set; r.mu is held.
func (o *orderer) release(room uuid.UUID, r *roomOrder, all bool) {
	n := 0
	for _, ev := range r.held {
		if !all && ev.Seq > r.last+1 {
			break
		}
		r.last, r.known = max(r.last, ev.Seq), true
		o.h.fanOut(room, ev)
		n++
	}
	clear(r.held[:n])
	r.held = r.held[n:]
	if len(r.held) == 0 {
		r.held = nil
		if r.timer != nil {
			r.timer.Stop()
			r.timer = nil
		}
	}
}

// fanOut queues a message event's chat frame on every local socket of room.
func (h *Hub) fanOut(room uuid.UUID, ev edusphere.Event) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.rooms[room] {
		c.enqueue(ev.Frame)
	}
}
