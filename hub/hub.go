package hub

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// Close codes sent to clients; see the package documentation for their ranges.
const (
	StatusGoingAway    = websocket.StatusGoingAway     // 1001, Shutdown
	StatusTooBig       = websocket.StatusMessageTooBig // 1009, frame over MaxFrameBytes
	StatusSlowConsumer = websocket.StatusCode(4008)    // send queue overflowed; reconnect
	StatusUserDisabled = websocket.StatusCode(4403)    // user deactivated or deleted; final
	StatusRoomDeleted  = websocket.StatusCode(4404)    // room deleted; final
)

// RateLimit allows Count frames per Per for each user, with a burst of
// Count. The zero value is off. Its fields are those of auth.Limit.
type RateLimit struct {
	Count int
	Per   time.Duration
}

// Config configures a Hub.
type Config struct {
	// SendQueue is how many frames may wait for one socket before it counts
	// as a slow consumer and is closed with 4008. Default 256.
	SendQueue int
	// WriteTimeout bounds the write of one frame; a peer slower than that is
	// dropped. Default 10 s.
	WriteTimeout time.Duration
	// PingInterval is the time between pings, and how long a pong may take.
	// Default 20 s.
	PingInterval time.Duration
	// MaxFrameBytes is the largest client frame; bigger ones close the
	// socket with 1009. Default 64 KiB.
	MaxFrameBytes int64
	// RateLimit limits the frames each user sends (WS_RATE_LIMIT). Zero is off.
	RateLimit RateLimit
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
	// Metrics receives the hub's counts; nil counts nothing.
	Metrics Metrics
	// SystemHandler, when set, receives every event of edusphere.SystemChannel
	// (the auth service's revocation cache plugs in here). It runs on the
	// broker's goroutine and must not block.
	SystemHandler func(edusphere.Event)
}

// Hub holds this process's chat sockets, grouped by room.
type Hub struct {
	cfg      Config
	log      *slog.Logger
	metrics  Metrics
	broker   edusphere.Broker
	raw      edusphere.Services // the store's services, for reads
	services edusphere.Services // wrapped: writes publish after commit
	authn    func(ctx context.Context, jwtCookie string) (*edusphere.User, error)
	originOK func(origin string) bool

	ctx    context.Context // parent of every socket's work; cancelled when Shutdown gives up
	cancel context.CancelFunc

	// subMu serializes joins and leaves so that a room's first join and
	// last leave cannot interleave their Subscribe and Unsubscribe.
	subMu sync.Mutex

	mu       sync.RWMutex
	rooms    map[uuid.UUID]map[*conn]struct{}
	users    map[uuid.UUID]*userConns
	closing  bool
	sockets  sync.WaitGroup
	shutOnce sync.Once
}

// userConns are one user's sockets and the rate limiter they share.
type userConns struct {
	conns   map[*conn]struct{}
	limiter *rate.Limiter
}

// New returns a Hub delivering through broker. s are the store's services;
// the hub wraps them itself (Wrap is idempotent, so already wrapped services
// are fine). authn turns the JWT cookie into a user; originOK decides the
// Origin check, LocalOrigin when nil. New sets the broker's handler and
// subscribes edusphere.SystemChannel.
func New(cfg Config, broker edusphere.Broker, s edusphere.Services,
	authn func(ctx context.Context, jwtCookie string) (*edusphere.User, error),
	originOK func(origin string) bool) *Hub {
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = 256
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 20 * time.Second
	}
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if originOK == nil {
		originOK = LocalOrigin
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopMetrics{}
	}
	h := &Hub{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "hub"),
		metrics:  cfg.Metrics,
		broker:   broker,
		raw:      unwrap(s),
		authn:    authn,
		originOK: originOK,
		rooms:    make(map[uuid.UUID]map[*conn]struct{}),
		users:    make(map[uuid.UUID]*userConns),
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.services = h.Wrap(s)
	broker.SetHandler(h.handleEvent)
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	if err := broker.Subscribe(ctx, edusphere.SystemChannel); err != nil {
		// The Redis broker keeps the channel and subscribes it on reconnect.
		h.log.Warn("subscribe system channel", "err", err)
	}
	return h
}

// LocalOrigin is CONTRACT §7.1's Origin rule: the Origin parses as
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
		if ev.Type == edusphere.EventUserDisabled {
			h.closeUser(ev.UserID)
		}
		if h.cfg.SystemHandler != nil {
			h.cfg.SystemHandler(ev)
		}
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	conns := h.rooms[ev.RoomID]
	switch ev.Type {
	case edusphere.EventMessageCreated, edusphere.EventMessageUpdated, edusphere.EventMessageDeleted:
		for c := range conns {
			c.enqueue(ev.Frame)
		}
	case edusphere.EventRoomDeleted:
		for c := range conns {
			c.close(StatusRoomDeleted, "room deleted", true)
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
	first := h.rooms[c.roomID] == nil
	if first {
		h.rooms[c.roomID] = make(map[*conn]struct{})
	}
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
	h.rooms[c.roomID][c] = struct{}{}
	h.sockets.Add(1)
	h.mu.Unlock()

	if first {
		if err := h.broker.Subscribe(ctx, edusphere.RoomChannel(c.roomID)); err != nil {
			// The socket still gets frames published by this process when
			// the broker falls back locally; the Redis broker resubscribes.
			h.log.Warn("subscribe room", "room", c.roomID, "err", err)
		}
	}
	return true
}

// leave removes c, unsubscribing the room's channel after its last socket.
func (h *Hub) leave(c *conn) {
	h.subMu.Lock()
	defer h.subMu.Unlock()

	h.mu.Lock()
	room := h.rooms[c.roomID]
	if _, ok := room[c]; !ok {
		h.mu.Unlock()
		return
	}
	delete(room, c)
	last := len(room) == 0
	if last {
		delete(h.rooms, c.roomID)
	}
	if u := h.users[c.user.ID]; u != nil {
		delete(u.conns, c)
		if len(u.conns) == 0 {
			delete(h.users, c.user.ID)
		}
	}
	h.mu.Unlock()
	defer h.sockets.Done()

	if last {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.broker.Unsubscribe(ctx, edusphere.RoomChannel(c.roomID)); err != nil {
			h.log.Warn("unsubscribe room", "room", c.roomID, "err", err)
		}
	}
}

// Len returns the number of sockets this hub holds.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, r := range h.rooms {
		n += len(r)
	}
	return n
}

// Shutdown refuses new sockets, lets every frame already being handled
// finish (its broadcast included), writes what each socket has queued, then
// closes every socket with 1001 "going away" and waits for them to end.
// When ctx ends first, the remaining sockets are dropped and ctx's error
// returned.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	var conns []*conn
	for _, r := range h.rooms {
		for c := range r {
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
		return ctx.Err()
	}
}
