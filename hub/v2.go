package hub

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// TypingHook receives the typing frames of the event socket
// (docs/events.md, "Event socket"): the user is typing in a room they
// subscribed. An error is answered as an error frame with its message.
type TypingHook interface {
	Typing(ctx context.Context, user *edusphere.User, roomID uuid.UUID) error
}

// v2hub is the hub's event-socket state (docs/events.md, "Event socket").
type v2hub struct {
	mu sync.RWMutex
	// users are the users with an event socket in this process.
	users map[uuid.UUID]*v2user
	// roomUsers are, per room, the users above who take part in it.
	roomUsers map[uuid.UUID]map[*v2user]struct{}
	// subs are, per room, the sockets that subscribed it.
	subs map[uuid.UUID]map[*conn]*v2sub

	// dirty are rooms whose broker channel may need subscribing or
	// unsubscribing after a change made on the broker's goroutine, which
	// must not wait for the broker; one worker at a time reconciles them.
	dirtyMu sync.Mutex
	dirty   map[uuid.UUID]struct{}
	working bool

	// presence hears each subscription begin and end, as it hears chat
	// sockets open and close (Config.Presence); nil tells no one.
	presence Presence
}

// v2user is one user's event sockets in this process and the rooms the
// user takes part in, loaded once when the first socket opens and kept
// current by participant and room events.
type v2user struct {
	id    uuid.UUID
	conns map[*conn]struct{}
	rooms map[uuid.UUID]struct{}
}

func newV2hub() *v2hub {
	return &v2hub{
		users:     make(map[uuid.UUID]*v2user),
		roomUsers: make(map[uuid.UUID]map[*v2user]struct{}),
		subs:      make(map[uuid.UUID]map[*conn]*v2sub),
		dirty:     make(map[uuid.UUID]struct{}),
	}
}

// V2 returns the handler of the event socket GET /ws/v2.
func (h *Hub) V2() http.Handler { return http.HandlerFunc(h.serveV2) }

// serveV2 runs the handshake checks in order (docs/events.md, "Event
// socket", Handshake), refusing with an empty body before any upgrade.
func (h *Hub) serveV2(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !h.auth.OriginAllowed(origin) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if r.URL.Path != "/ws/v2" && r.URL.Path != "/" && r.URL.Path != "" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	ctx := r.Context()
	user, session := h.authenticate(ctx, r)
	if user == nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	c := newConn(h, user, session, uuid.Nil)
	c.v2 = &v2conn{subs: make(map[uuid.UUID]*v2sub)}
	c.queueCap = h.cfg.SendQueue + edusphere.DefaultChangesLimit
	// Join (subscribing the user's channel) before reading the user's
	// rooms, so that a join announced meanwhile is not missed.
	if !h.joinV2(ctx, c) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	states, err := h.store.ReadMarkers.FindReadStates(ctx, user.ID, nil)
	if err != nil {
		h.leave(c)
		if ctx.Err() != nil {
			return // the client went away
		}
		h.log.Error("ws v2 handshake: rooms", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	rooms := make([]uuid.UUID, 0, len(states))
	for id := range states {
		rooms = append(rooms, id)
	}
	h.v2addRooms(ctx, user.ID, rooms)
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// The Origin was checked above (docs/auth.md, Origin of WebSocket handshakes).
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		h.leave(c)
		return
	}
	ws.SetReadLimit(h.cfg.MaxFrameBytes)
	go c.serve(ws)
}

// addUserLocked adds c to its user's sockets, sharing the user's rate
// limiter; h.mu is held.
func (h *Hub) addUserLocked(c *conn) {
	u := h.users[c.user.ID]
	if u == nil {
		u = &userConns{conns: make(map[*conn]struct{})}
		if l := h.cfg.RateLimit; l.Count > 0 && l.Per > 0 {
			u.limiter = rate.NewLimiter(rate.Limit(float64(l.Count)/l.Per.Seconds()), l.Count)
		}
		h.users[c.user.ID] = u
	}
	u.conns[c] = struct{}{}
	c.limiter = u.limiter
}

// removeUserLocked removes c from its user's sockets; h.mu is held.
func (h *Hub) removeUserLocked(c *conn) {
	if u := h.users[c.user.ID]; u != nil {
		delete(u.conns, c)
		if len(u.conns) == 0 {
			delete(h.users, c.user.ID)
		}
	}
}

// joinV2 adds the event socket c. The user's first socket in this process
// subscribes the user's channel. It fails only when the hub is shutting
// down.
func (h *Hub) joinV2(ctx context.Context, c *conn) bool {
	h.subMu.Lock()
	defer h.subMu.Unlock()

	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return false
	}
	h.addUserLocked(c)
	h.sockets.Add(1)
	h.mu.Unlock()

	h.v2.mu.Lock()
	u := h.v2.users[c.user.ID]
	first := u == nil
	if first {
		u = &v2user{id: c.user.ID, conns: make(map[*conn]struct{}), rooms: make(map[uuid.UUID]struct{})}
		h.v2.users[u.id] = u
	}
	u.conns[c] = struct{}{}
	h.v2.mu.Unlock()

	if first {
		if err := h.broker.Subscribe(ctx, edusphere.UserChannel(c.user.ID)); err != nil {
			h.log.Warn("subscribe user", "user", c.user.ID, "err", err)
		}
	}
	return true
}

// v2addRooms adds rooms to the rooms of the user's event sockets in this
// process and subscribes their channels.
func (h *Hub) v2addRooms(ctx context.Context, user uuid.UUID, rooms []uuid.UUID) {
	h.subMu.Lock()
	defer h.subMu.Unlock()
	h.v2.mu.Lock()
	u := h.v2.users[user]
	if u != nil {
		for _, r := range rooms {
			h.v2.addRoomLocked(u, r)
		}
	}
	h.v2.mu.Unlock()
	if u == nil {
		return // the sockets are gone already
	}
	for _, r := range rooms {
		h.syncRoomChannel(ctx, r)
	}
}

// leaveV2 removes the event socket c and its subscriptions, unsubscribing
// the channels nothing in this process needs any more.
func (h *Hub) leaveV2(c *conn) {
	h.subMu.Lock()
	defer h.subMu.Unlock()

	h.mu.Lock()
	if u := h.users[c.user.ID]; u == nil {
		h.mu.Unlock()
		return
	} else if _, ok := u.conns[c]; !ok {
		h.mu.Unlock()
		return
	}
	h.removeUserLocked(c)
	h.mu.Unlock()
	defer h.sockets.Done()

	var sync []uuid.UUID
	last := false
	h.v2.mu.Lock()
	c.v2.mu.Lock()
	for room, sub := range c.v2.subs {
		sub.endLocked()
		delete(c.v2.subs, room)
		h.v2.removeSubLocked(room, c)
		sync = append(sync, room)
	}
	c.v2.mu.Unlock()
	if u := h.v2.users[c.user.ID]; u != nil {
		delete(u.conns, c)
		if len(u.conns) == 0 {
			last = true
			delete(h.v2.users, u.id)
			for r := range u.rooms {
				h.v2.removeRoomLocked(u, r)
				sync = append(sync, r)
			}
		}
	}
	h.v2.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, r := range sync {
		h.syncRoomChannel(ctx, r)
	}
	if last {
		if err := h.broker.Unsubscribe(ctx, edusphere.UserChannel(c.user.ID)); err != nil {
			h.log.Warn("unsubscribe user", "user", c.user.ID, "err", err)
		}
	}
}

func (v *v2hub) addRoomLocked(u *v2user, room uuid.UUID) {
	u.rooms[room] = struct{}{}
	set := v.roomUsers[room]
	if set == nil {
		set = make(map[*v2user]struct{})
		v.roomUsers[room] = set
	}
	set[u] = struct{}{}
}

func (v *v2hub) removeRoomLocked(u *v2user, room uuid.UUID) {
	delete(u.rooms, room)
	if set := v.roomUsers[room]; set != nil {
		delete(set, u)
		if len(set) == 0 {
			delete(v.roomUsers, room)
		}
	}
}

func (v *v2hub) addSubLocked(room uuid.UUID, c *conn, sub *v2sub) {
	set := v.subs[room]
	if set == nil {
		set = make(map[*conn]*v2sub)
		v.subs[room] = set
	}
	if _, again := set[c]; !again && v.presence != nil {
		v.presence.Enter(c.user.ID, room)
	}
	set[c] = sub
}

func (v *v2hub) removeSubLocked(room uuid.UUID, c *conn) {
	if set := v.subs[room]; set != nil {
		if _, ok := set[c]; ok && v.presence != nil {
			v.presence.Leave(c.user.ID, room)
		}
		delete(set, c)
		if len(set) == 0 {
			delete(v.subs, room)
		}
	}
}

// syncRoomChannel subscribes the room's broker channel when a chat socket,
// an event-socket subscription or a connected participant needs it, and
// unsubscribes it otherwise. h.subMu is held.
func (h *Hub) syncRoomChannel(ctx context.Context, room uuid.UUID) {
	h.mu.RLock()
	want := h.rooms[room] != nil
	h.mu.RUnlock()
	if !want {
		h.v2.mu.RLock()
		want = len(h.v2.roomUsers[room]) > 0 || len(h.v2.subs[room]) > 0
		h.v2.mu.RUnlock()
	}
	have := h.channels[room]
	switch {
	case want && !have:
		h.channels[room] = true
		r := h.order.track(room)
		if err := h.broker.Subscribe(ctx, edusphere.RoomChannel(room)); err != nil {
			// The socket still gets frames published by this process when
			// the broker falls back locally; the Redis broker resubscribes.
			h.log.Warn("subscribe room", "room", room, "err", err)
		}
		if r != nil {
			go h.order.seed(room, r)
		}
	case !want && have:
		delete(h.channels, room)
		if err := h.broker.Unsubscribe(ctx, edusphere.RoomChannel(room)); err != nil {
			h.log.Warn("unsubscribe room", "room", room, "err", err)
		}
		h.order.forget(room)
	}
}

// markDirty has a worker reconcile the room's channel soon, off the
// broker's goroutine.
func (h *Hub) markDirty(room uuid.UUID) {
	v := h.v2
	v.dirtyMu.Lock()
	v.dirty[room] = struct{}{}
	start := !v.working
	v.working = true
	v.dirtyMu.Unlock()
	if start {
		go h.reconcile()
	}
}

func (h *Hub) reconcile() {
	v := h.v2
	for {
		v.dirtyMu.Lock()
		if len(v.dirty) == 0 {
			v.working = false
			v.dirtyMu.Unlock()
			return
		}
		rooms := make([]uuid.UUID, 0, len(v.dirty))
		for r := range v.dirty {
			rooms = append(rooms, r)
		}
		clear(v.dirty)
		v.dirtyMu.Unlock()

		ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
		h.subMu.Lock()
		for _, r := range rooms {
			h.syncRoomChannel(ctx, r)
		}
		h.subMu.Unlock()
		cancel()
	}
}

// v2Event handles an event for the event sockets: room channels and user
// channels (docs/events.md, "Event socket"). It runs on the broker's
// goroutine and never blocks.
func (h *Hub) v2Event(channel string, ev edusphere.Event) {
	if user, ok := edusphere.ChannelUser(channel); ok {
		h.v2UserEvent(user, ev)
		return
	}
	room, ok := edusphere.ChannelRoom(channel)
	if !ok {
		return
	}
	v := h.v2
	switch ev.Type {
	case edusphere.EventGap:
		// Events of the room may be lost: every subscription reads what
		// it missed from the database.
		v.mu.RLock()
		for c, sub := range v.subs[room] {
			go c.v2repair(sub, true)
		}
		v.mu.RUnlock()
		return
	case edusphere.EventMessageCreated, edusphere.EventMessageUpdated, edusphere.EventMessageDeleted:
		if ev.V2 == nil {
			return
		}
		v.mu.RLock()
		subs := v.subs[room]
		for c, sub := range subs {
			c.v2deliver(sub, ev.Seq, ev.V2)
		}
		if ev.Type == edusphere.EventMessageCreated {
			var unread []byte
			for u := range v.roomUsers[room] {
				for c := range u.conns {
					if _, ok := subs[c]; ok {
						continue
					}
					if unread == nil {
						unread = v2UnreadPosted(room, ev.Seq, ev.UserID)
					}
					c.enqueue(unread)
				}
			}
		}
		v.mu.RUnlock()
		return
	}
	if ev.V2 == nil {
		return
	}
	participant := ev.Type == edusphere.EventParticipantJoined || ev.Type == edusphere.EventParticipantLeft ||
		ev.Type == edusphere.EventParticipantRemoved
	v.mu.RLock()
	members := v.roomUsers[room]
	for u := range members {
		if participant && u.id == ev.UserID {
			continue // the user's own channel brings it
		}
		for c := range u.conns {
			c.enqueue(ev.V2)
		}
	}
	for c := range v.subs[room] {
		if participant && c.user.ID == ev.UserID {
			continue
		}
		if u := v.users[c.user.ID]; u != nil {
			if _, ok := members[u]; ok {
				continue // sent above
			}
		}
		c.enqueue(ev.V2)
	}
	v.mu.RUnlock()

	switch ev.Type {
	case edusphere.EventRoomDeleted:
		h.v2dropRoom(room, uuid.Nil)
	case edusphere.EventParticipantLeft, edusphere.EventParticipantRemoved:
		h.v2dropRoom(room, ev.UserID)
	}
}

// v2UserEvent handles an event of a user's channel.
func (h *Hub) v2UserEvent(user uuid.UUID, ev edusphere.Event) {
	v := h.v2
	switch ev.Type {
	case edusphere.EventGap:
		// The user's own events (unread, membership) may be lost: the
		// sockets reconnect and resubscribe from what they have seen.
		v.mu.RLock()
		if u := v.users[user]; u != nil {
			for c := range u.conns {
				c.close(StatusTryAgain, "missed events", true)
			}
		}
		v.mu.RUnlock()
		return
	case edusphere.EventParticipantJoined:
		v.mu.Lock()
		u := v.users[user]
		if u != nil && ev.RoomID != uuid.Nil {
			v.addRoomLocked(u, ev.RoomID)
		}
		v.mu.Unlock()
		if u != nil {
			h.markDirty(ev.RoomID)
		}
	case edusphere.EventParticipantLeft, edusphere.EventParticipantRemoved:
		h.v2dropRoom(ev.RoomID, user)
	}
	if ev.V2 == nil {
		return
	}
	v.mu.RLock()
	if u := v.users[user]; u != nil {
		for c := range u.conns {
			c.enqueue(ev.V2)
		}
	}
	v.mu.RUnlock()
}

// v2dropRoom ends the subscriptions of room and forgets it as a room of
// user, or of every user for uuid.Nil (the room was deleted).
func (h *Hub) v2dropRoom(room, user uuid.UUID) {
	v := h.v2
	v.mu.Lock()
	for c, sub := range v.subs[room] {
		if user != uuid.Nil && c.user.ID != user {
			continue
		}
		c.v2.mu.Lock()
		if c.v2.subs[room] == sub {
			delete(c.v2.subs, room)
		}
		sub.endLocked()
		c.v2.mu.Unlock()
		v.removeSubLocked(room, c)
	}
	for u := range v.roomUsers[room] {
		if user == uuid.Nil || u.id == user {
			v.removeRoomLocked(u, room)
		}
	}
	v.mu.Unlock()
	h.markDirty(room)
}
