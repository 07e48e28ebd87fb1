package hub

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/groupcommit"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// Close codes sent to clients; docs/websocket.md ("Close codes") and the
// package documentation give their ranges and meaning.
const (
	StatusGoingAway    = websocket.StatusGoingAway     // 1001, Shutdown
	StatusTooBig       = websocket.StatusMessageTooBig // 1009, frame over MaxFrameBytes
	StatusTryAgain     = websocket.StatusCode(4000)    // events may have been missed; reload and reconnect
	StatusSlowConsumer = websocket.StatusCode(4008)    // send queue overflowed; reconnect
	StatusSessionEnded = websocket.StatusCode(4401)    // session revoked or token expired; re-authenticate, then reconnect
	StatusUserDisabled = websocket.StatusCode(4403)    // user deactivated or deleted; final
	StatusRoomDeleted  = websocket.StatusCode(4404)    // room deleted; final
	StatusRemoved      = websocket.StatusCode(4405)    // no longer a participant of the room; final
)

// Authenticator is what the hub needs of the auth service (*auth.Service).
type Authenticator interface {
	// AuthenticateSession returns the user of an access token (the JWT
	// cookie of a handshake) and the session it belongs to, with the
	// token's expiry; nil for an unknown user, or an error for a bad,
	// expired, revoked or disabled one.
	AuthenticateSession(ctx context.Context, token string) (*edusphere.User, edusphere.Session, error)
	// CheckSession reports whether the session is revoked, and the latest
	// expiry of an access token of it the auth service knows of (renewals
	// in this process or announced by others), the zero time when none.
	CheckSession(s edusphere.Session) (expires time.Time, revoked bool)
	// OriginAllowed decides a handshake's Origin check.
	OriginAllowed(origin string) bool
	// HandleEvent receives every event of edusphere.SystemChannel, such as
	// session revocations published by other processes. It runs on the
	// broker's goroutine and must not block.
	HandleEvent(ev edusphere.Event)
}

// Config configures a Hub. Broker, Store and Auth are required; other zero
// fields take the defaults in their comments.
type Config struct {
	// Broker carries events between processes. The hub sets its handler
	// and subscribes edusphere.SystemChannel and the rooms it holds sockets of.
	Broker edusphere.Broker
	// Store is the database's own services, not wrapped: the hub reads
	// rooms and messages through them and writes messages through them,
	// announcing each change with Notifier itself.
	Store edusphere.Services
	// Notifier announces the changes sockets make. Default
	// NewNotifier(Broker, Logger); pass the one whose Wrap gave the other
	// transports their services, so that all changes go one way.
	Notifier *Notifier
	// Auth authenticates handshakes and decides their Origin check.
	Auth Authenticator
	// SendQueue is how many frames may wait for one socket before it counts
	// as a slow consumer and is closed with 4008. Default 256.
	SendQueue int
	// WriteTimeout bounds the write of one frame; a peer slower than that is
	// dropped. Default 10 s.
	WriteTimeout time.Duration
	// PingInterval is the time between pings, and how long a pong may take.
	// Default 20 s.
	PingInterval time.Duration
	// CloseTimeout is how long a socket closed for being slow (4008: its
	// queue overflowed or it left a ping unanswered) may take to take its
	// close frame; then the connection is cut, whatever the peer does.
	// Default 2 s.
	CloseTimeout time.Duration
	// MaxFrameBytes is the largest client frame; bigger ones close the
	// socket with 1009. Default 64 KiB.
	MaxFrameBytes int64
	// RateLimit limits the frames each user sends (WS_RATE_LIMIT). Zero is off.
	RateLimit auth.Limit
	// SessionCheck is how often every socket's session is checked: a
	// socket whose access token expired without renewal, or whose session
	// was revoked without the hub hearing of it, is closed with 4401.
	// Revocations the broker announces close sockets at once. Default 2 s.
	SessionCheck time.Duration
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
	// Metrics receives the hub's counts; nil counts nothing.
	Metrics Metrics
	// ChatBatch configures the writer every chat write of this process
	// goes through (docs/data.md, "Group commit"); its OnCommit is the
	// hub's own. Zero fields take groupcommit's defaults.
	ChatBatch groupcommit.Config
	// ChatWindow is how many chat writes of one chat socket may be in the
	// writer at once (docs/websocket.md, "Pipelined frames"); with all of
	// them there, the socket's next frame is read once one is answered.
	// Default DefaultChatWindow; 1 handles a socket's frames one at a time.
	ChatWindow int
	// OrderWait is how long a room's message event that arrives ahead of
	// a lower sequence number is held for the missing ones before it is
	// delivered anyway (docs/websocket.md, "Delivery"). Zero delivers
	// events as they come, right for one process, whose writer publishes
	// each room's events in order; cmd sets 500 ms with a Redis broker.
	OrderWait time.Duration
	// PublishWorkers is how many goroutines publish committed chat
	// changes, a room's always on the same one. Zero publishes on the
	// writer's goroutine, right for the in-memory broker, whose publish
	// is a function call; cmd sets 8 with a Redis broker, whose publish is
	// a round trip.
	PublishWorkers int
	// Typing receives the event socket's typing frames; nil ignores them.
	Typing TypingHook
	// Presence hears each socket open and close on a room; nil tells no
	// one (docs/presence.md, Hub hooks).
	Presence Presence
}

// Presence is what the hub tells the presence service
// (edusphere.PresenceService): a socket of userID on roomID opened (Enter)
// or closed (Leave). Both return at once.
type Presence interface {
	Enter(userID, roomID uuid.UUID)
	Leave(userID, roomID uuid.UUID)
}

// Hub holds this process's chat sockets, grouped by room.
type Hub struct {
	cfg     Config
	log     *slog.Logger
	metrics Metrics
	broker  edusphere.Broker
	store   edusphere.Services
	notify  *Notifier
	auth    Authenticator
	writer  *groupcommit.Writer // chat writes, see submitChat
	pub     *publishers         // nil: the writer publishes
	order   orderer             // per-room sequence order of message events

	ctx    context.Context // parent of every socket's work; cancelled when Shutdown gives up
	cancel context.CancelFunc

	// subMu serializes joins and leaves so that a room's first join and
	// last leave cannot interleave their Subscribe and Unsubscribe.
	subMu sync.Mutex

	// channels are the room channels subscribed (guarded by subMu), and
	// v2 the event sockets' state (hub/v2.go).
	channels map[uuid.UUID]bool
	v2       *v2hub

	mu      sync.RWMutex
	rooms   map[uuid.UUID]map[*conn]struct{}
	users   map[uuid.UUID]*userConns
	closing bool
	sockets sync.WaitGroup
}

// userConns are one user's sockets and the rate limiter they share.
type userConns struct {
	conns   map[*conn]struct{}
	limiter *rate.Limiter
}

// New returns a Hub for cfg. It sets the broker's handler and subscribes
// edusphere.SystemChannel. It panics without Broker, Store or Auth.
func New(cfg Config) *Hub {
	if cfg.Broker == nil || cfg.Store.Rooms == nil || cfg.Store.Messages == nil || cfg.Auth == nil {
		panic("hub: Config.Broker, Config.Store and Config.Auth are required")
	}
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = 256
	}
	if cfg.ChatWindow <= 0 {
		cfg.ChatWindow = DefaultChatWindow
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 20 * time.Second
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = 2 * time.Second
	}
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = 64 << 10
	}
	if cfg.SessionCheck <= 0 {
		cfg.SessionCheck = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Notifier == nil {
		cfg.Notifier = NewNotifier(cfg.Broker, cfg.Logger)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopMetrics{}
	}
	h := &Hub{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "hub"),
		metrics: cfg.Metrics,
		broker:  cfg.Broker,
		store:   cfg.Store,
		notify:  cfg.Notifier,
		auth:    cfg.Auth,
		rooms:   make(map[uuid.UUID]map[*conn]struct{}),
		users:   make(map[uuid.UUID]*userConns),

		channels: make(map[uuid.UUID]bool),
		v2:       newV2hub(),
	}
	h.v2.presence = cfg.Presence
	h.ctx, h.cancel = context.WithCancel(context.Background())
	if cfg.PublishWorkers > 0 {
		h.pub = h.startPublishers(cfg.PublishWorkers)
	}
	h.writer = h.newWriter()
	h.order.init(h)
	h.broker.SetHandler(h.handleEvent)
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	if err := h.broker.Subscribe(ctx, edusphere.SystemChannel); err != nil {
		// The Redis broker keeps the channel and subscribes it on reconnect.
		h.log.Warn("subscribe system channel", "err", err)
	}
	go h.checkSessions()
	return h
}

// LocalOrigin is the default Origin rule (docs/auth.md, Origin of WebSocket
// handshakes): the Origin parses as
// scheme://host[:port] and its hostname is exactly localhost or 127.0.0.1.
// Look-alikes such as http://localhost.evil.example fail.
func LocalOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1":
		return true
	}
	return false
}

// handleEvent is the broker handler: it fans room events out to the local
// sockets and handles the system channel. It never blocks.
func (h *Hub) handleEvent(channel string, ev edusphere.Event) {
	if channel == edusphere.SystemChannel {
		switch {
		case ev.Type == edusphere.EventUserDisabled:
			h.closeUser(ev.UserID)
		case ev.Type == edusphere.EventSessionRevoked && ev.Revocation != nil:
			h.closeRevoked(ev.Revocation)
		}
		h.auth.HandleEvent(ev)
		return
	}
	h.v2Event(channel, ev)
	room := ev.RoomID
	if ev.Type == edusphere.EventGap {
		// The broker's own event names no room; its channel does.
		room, _ = edusphere.ChannelRoom(channel)
	}
	switch ev.Type {
	case edusphere.EventMessageCreated, edusphere.EventMessageUpdated, edusphere.EventMessageDeleted:
		h.order.event(room, ev)
		return
	case edusphere.EventGap:
		h.order.reseed(room)
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	conns := h.rooms[room]
	switch ev.Type {
	case edusphere.EventRoomDeleted:
		for c := range conns {
			c.close(StatusRoomDeleted, "room deleted", true)
		}
	case edusphere.EventParticipantRemoved, edusphere.EventParticipantLeft:
		closeParticipant(conns, ev)
	case edusphere.EventGap:
		// The room's events of a while may be lost, a sender's own echo
		// among them: every socket is told to reload, which answers the
		// frames whose echo did not come.
		for c := range conns {
			c.close(StatusTryAgain, "missed events", true)
		}
	}
}

func (h *Hub) closeUser(id uuid.UUID) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if u := h.users[id]; u != nil {
		for c := range u.conns {
			c.close(StatusUserDisabled, "user disabled", false)
		}
	}
}

// closeRevoked closes the sockets of the sessions r denies with 4401.
func (h *Hub) closeRevoked(r *edusphere.Revocation) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if u := h.users[r.UserID]; u != nil {
		for c := range u.conns {
			if r.Denies(c.user.ID, c.session.OrigIat) {
				c.close(StatusSessionEnded, "session revoked", false)
			}
		}
	}
}

// checkSessions closes, every SessionCheck until the hub shuts down, the
// sockets whose session was revoked or whose access token expired and was
// not renewed.
func (h *Hub) checkSessions() {
	t := time.NewTicker(h.cfg.SessionCheck)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		h.mu.RLock()
		for _, u := range h.users {
			for c := range u.conns {
				expires, revoked := h.auth.CheckSession(c.session)
				switch {
				case revoked:
					c.close(StatusSessionEnded, "session revoked", false)
				case !now.Before(c.session.Expires) && !now.Before(expires):
					c.close(StatusSessionEnded, "session expired", false)
				}
			}
		}
		h.mu.RUnlock()
	}
}

// join adds c to its room, subscribing the room's channel on the first
// local socket. It fails only when the hub is shutting down.
func (h *Hub) join(ctx context.Context, c *conn) bool {
	h.subMu.Lock()
	defer h.subMu.Unlock()

	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		return false
	}
	if h.rooms[c.roomID] == nil {
		h.rooms[c.roomID] = make(map[*conn]struct{})
	}
	h.addUserLocked(c)
	h.rooms[c.roomID][c] = struct{}{}
	h.sockets.Add(1)
	h.mu.Unlock()
	if h.cfg.Presence != nil {
		h.cfg.Presence.Enter(c.user.ID, c.roomID)
	}

	h.syncRoomChannel(ctx, c.roomID)
	return true
}

// leave removes c, unsubscribing the room's channel after its last socket.
func (h *Hub) leave(c *conn) {
	if c.v2 != nil {
		h.leaveV2(c)
		return
	}
	h.subMu.Lock()
	defer h.subMu.Unlock()

	h.mu.Lock()
	room := h.rooms[c.roomID]
	if _, ok := room[c]; !ok {
		h.mu.Unlock()
		return
	}
	delete(room, c)
	if len(room) == 0 {
		delete(h.rooms, c.roomID)
	}
	h.removeUserLocked(c)
	h.mu.Unlock()
	defer h.sockets.Done()
	if h.cfg.Presence != nil {
		h.cfg.Presence.Leave(c.user.ID, c.roomID)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.syncRoomChannel(ctx, c.roomID)
}

// Len returns the number of sockets this hub holds, chat and event sockets.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, u := range h.users {
		n += len(u.conns)
	}
	return n
}

// Shutdown refuses new sockets, lets every frame already being handled
// finish (its broadcast included), commits what the chat writer holds,
// writes what each socket has queued, then closes every socket with 1001
// "going away" and waits for them to end. When ctx ends first, the
// remaining sockets are dropped and ctx's error returned. Either way the
// writer is closed when it returns: every acknowledged op is committed,
// so the store can close next.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	var conns []*conn
	for _, u := range h.users {
		for c := range u.conns {
			conns = append(conns, c)
		}
	}
	h.mu.Unlock()

	done := make(chan struct{})
	go func() {
		// First stop taking frames, waiting for the ones in progress, so
		// that their broadcasts are queued before any socket says goodbye.
		for _, c := range conns {
			c.stopReading()
		}
		h.writer.Close()
		if h.pub != nil {
			h.pub.close()
		}
		h.order.flush()
		for _, c := range conns {
			c.close(StatusGoingAway, "going away", true)
		}
		h.sockets.Wait()
		close(done)
	}()
	select {
	case <-done:
		h.cancel()
		return nil
	case <-ctx.Done():
		h.cancel()
		for _, c := range conns {
			c.drop()
		}
		h.writer.Close()
		if h.pub != nil {
			h.pub.close()
		}
		return ctx.Err()
	}
}
