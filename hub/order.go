package hub

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// maxHeld bounds the events one room holds while it waits for a missing
// sequence number; one more delivers them all at once.
const maxHeld = 1024

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
type orderer struct {
	h     *Hub
	mu    sync.Mutex
	rooms map[uuid.UUID]*roomOrder
}

// roomOrder is one room's position in its sequence and what waits.
type roomOrder struct {
	mu    sync.Mutex
	last  int64             // highest number delivered; 0 before the first
	held  []edusphere.Event // ahead of last+1, by Seq
	timer *time.Timer       // delivers held when it fires; nil when none is held
	gen   int               // counts timers, so a stopped one that fired anyway does nothing
}

func (o *orderer) init(h *Hub) {
	o.h = h
	o.rooms = make(map[uuid.UUID]*roomOrder)
}

// room returns room's state, made on first use.
func (o *orderer) room(id uuid.UUID) *roomOrder {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.rooms[id]
	if r == nil {
		r = &roomOrder{}
		o.rooms[id] = r
	}
	return r
}

// forget drops room's state: its last socket left, or the broker lost
// events of it (its sockets are closed). What was held is delivered.
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
	if ev.Seq <= 0 || o.h.cfg.OrderWait <= 0 {
		o.h.fanOut(room, ev)
		return
	}
	r := o.room(room)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.last == 0 || ev.Seq == r.last+1:
		r.last = ev.Seq
		o.h.fanOut(room, ev)
		o.release(room, r, false)
	case ev.Seq <= r.last:
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
		r.last = max(r.last, ev.Seq)
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
