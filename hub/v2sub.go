package hub

import (
	"context"
	"math"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// reorderHold is how long a subscription holds a live event that skips
// sequence numbers before it reads the missing ones from the database
// (docs/events.md, "Order and duplicates").
const reorderHold = 250 * time.Millisecond

// v2sub is one room subscribed on one event socket. Its fields are
// guarded by the socket's v2conn.mu.
type v2sub struct {
	room uuid.UUID
	// syncing: a catch-up is being read; every live event is held.
	syncing bool
	// last is the sequence number the subscriber has seen the room up to.
	last int64
	// held are live events above last+1, by sequence number.
	held  map[int64][]byte
	timer *time.Timer // runs a repair while events are held
	ended bool        // unsubscribed, or the room or the membership is gone
}

// endLocked stops the subscription; c.v2.mu is held.
func (s *v2sub) endLocked() {
	s.ended = true
	s.held = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// v2deliver hands a live message event at seq to the subscription: in
// order, each number once (docs/events.md, "Order and duplicates").
func (c *conn) v2deliver(sub *v2sub, seq int64, frame []byte) {
	c.v2.mu.Lock()
	defer c.v2.mu.Unlock()
	if sub.ended {
		return
	}
	if seq == 0 {
		c.enqueue(frame) // a deletion that took no number
		return
	}
	if !sub.syncing && seq <= sub.last {
		return // a duplicate
	}
	if sub.held == nil {
		sub.held = make(map[int64][]byte)
	}
	if len(sub.held) >= c.queueCap {
		// As many held events as a whole queue: the socket cannot catch up.
		c.mu.Lock()
		c.slowLocked()
		c.mu.Unlock()
		return
	}
	sub.held[seq] = frame
	if !sub.syncing {
		c.flushHeldLocked(sub)
	}
}

// flushHeldLocked writes the held events that continue the subscription
// without a gap, and arms the repair timer while others wait; c.v2.mu is
// held.
func (c *conn) flushHeldLocked(sub *v2sub) {
	for {
		f, ok := sub.held[sub.last+1]
		if !ok {
			break
		}
		delete(sub.held, sub.last+1)
		sub.last++
		c.enqueue(f)
	}
	if len(sub.held) == 0 {
		if sub.timer != nil {
			sub.timer.Stop()
			sub.timer = nil
		}
		return
	}
	if sub.timer == nil {
		sub.timer = time.AfterFunc(reorderHold, func() { c.v2repair(sub, false) })
	}
}

// v2repair reads from the database what the subscription misses: the
// events it holds wait for numbers that did not come (or, when force is
// set, the broker may have lost some).
func (c *conn) v2repair(sub *v2sub, force bool) {
	c.v2.mu.Lock()
	if sub.ended || sub.syncing || (!force && len(sub.held) == 0) {
		c.v2.mu.Unlock()
		return
	}
	if sub.timer != nil {
		sub.timer.Stop()
		sub.timer = nil
	}
	sub.syncing = true
	since := sub.last
	c.v2.mu.Unlock()

	ctx, cancel := context.WithTimeout(c.h.ctx, frameTimeout)
	defer cancel()
	if text := c.v2catchUp(ctx, sub, since, nil, false); text != "" {
		// The gap cannot be closed: the client reconnects and resubscribes.
		c.close(StatusTryAgain, "missed events", true)
	}
}

// v2catchUp replays the room's changes after since (all of them when
// since is negative: none, the room's number only), then releases the held
// events above them. answer sends the subscribed frame with ref; without
// it, only a catch-up too far behind is told (recovered false). It returns
// an error text when the catch-up failed, having ended the subscription.
func (c *conn) v2catchUp(ctx context.Context, sub *v2sub, since int64, ref *string, answer bool) string {
	q := since
	if q < 0 {
		q = math.MaxInt64 // ahead of every room: TooFarBehind with the room's number
	}
	ch, err := c.h.store.Messages.ChangesSince(ctx, sub.room, q, 0)
	var frames [][]byte
	if err == nil {
		frames, err = c.h.v2ChangeFrames(ctx, ch)
	}
	c.v2.mu.Lock()
	defer c.v2.mu.Unlock()
	if err != nil || sub.ended {
		text := MsgRoomNotFound
		if err != nil && edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			c.h.log.Error("v2 catch-up", "room", sub.room, "user", c.user.ID, "err", err)
			text = MsgInternal
		}
		c.v2endLocked(sub)
		return text
	}
	for _, f := range frames {
		c.enqueue(f)
	}
	recovered := since >= 0 && !ch.TooFarBehind
	if answer || !recovered {
		c.enqueue(v2Subscribed(sub.room, ch.Seq, recovered, ref))
	}
	if ch.Seq > sub.last {
		sub.last = ch.Seq
	}
	for seq := range sub.held {
		if seq <= sub.last {
			delete(sub.held, seq)
		}
	}
	sub.syncing = false
	c.flushHeldLocked(sub)
	return ""
}

// v2endLocked ends sub and forgets it, if it is still the socket's
// subscription of its room; c.v2.mu is held. The room's channel is
// reconciled later.
func (c *conn) v2endLocked(sub *v2sub) {
	sub.endLocked()
	if c.v2.subs[sub.room] == sub {
		delete(c.v2.subs, sub.room)
		c.h.markDirtySub(sub.room, c)
	}
}

// markDirtySub forgets c's subscription of room in the hub's index, off
// the caller's locks, then reconciles the room's channel.
func (h *Hub) markDirtySub(room uuid.UUID, c *conn) {
	go func() {
		h.v2.mu.Lock()
		if set := h.v2.subs[room]; set != nil {
			if sub := set[c]; sub != nil && sub.ended {
				h.v2.removeSubLocked(room, c)
			}
		}
		h.v2.mu.Unlock()
		h.markDirty(room)
	}()
}

// v2ChangeFrames encodes a catch-up's changes, reading the authors of the
// created messages with one query.
func (h *Hub) v2ChangeFrames(ctx context.Context, ch *edusphere.RoomChanges) ([][]byte, error) {
	if len(ch.Changes) == 0 {
		return nil, nil
	}
	var ids []uuid.UUID
	seen := make(map[uuid.UUID]bool)
	for _, x := range ch.Changes {
		if x.Kind == edusphere.ChangeCreated && !seen[x.Message.UserID] {
			seen[x.Message.UserID] = true
			ids = append(ids, x.Message.UserID)
		}
	}
	authors := make(map[uuid.UUID]*edusphere.User, len(ids))
	if len(ids) > 0 {
		users, _, err := h.store.Users.FindUsers(ctx, edusphere.UserFilter{IDs: ids})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			authors[u.ID] = u
		}
	}
	frames := make([][]byte, 0, len(ch.Changes))
	for _, x := range ch.Changes {
		switch x.Kind {
		case edusphere.ChangeCreated:
			frames = append(frames, V2Created(x.Message, authors[x.Message.UserID], x.Seq))
		case edusphere.ChangeUpdated:
			frames = append(frames, V2Updated(x.Message, x.Seq))
		case edusphere.ChangeDeleted:
			frames = append(frames, V2Deleted(ch.RoomID, x.Tombstone.ID, x.Seq))
		}
	}
	return frames, nil
}
