package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Config configures a Service. Broker, Users and Rooms are required; other
// zero fields take the defaults in their comments.
type Config struct {
	// Store is the state shared by every process. Default a new
	// MemoryStore (one process).
	Store Store
	// Broker carries the "presence" and "typing" events to every
	// process's event sockets.
	Broker edusphere.Broker
	// Users names the users of the frames.
	Users edusphere.UserService
	// Rooms checks that a typing user takes part in the room.
	Rooms edusphere.RoomService
	// TTL is how long an entry stays live without a heartbeat: the most a
	// process killed without warning leaves its users online, plus one
	// Heartbeat for the sweeper (PRESENCE_TTL). Default 45 s.
	TTL time.Duration
	// Heartbeat is the time between refreshes of this process's entries
	// and between sweeps for expired ones. Default TTL/3.
	Heartbeat time.Duration
	// Grace is how long a user stays online in a room after their last
	// socket on it closed, so that a page reload does not flicker
	// (PRESENCE_GRACE). Default 5 s.
	Grace time.Duration
	// TypingInterval is the least time between two "typing" frames of one
	// user in one room; sooner ones are refused. Default 2 s.
	TypingInterval time.Duration
	// TypingFor is how long after a "typing" frame clients show it
	// ("until"). Default 5 s.
	TypingFor time.Duration
	// Process names this process's entries in the store. Default random.
	Process string
	// Logger receives store and broker failures. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// MsgTypingTooOften refuses a typing frame sent sooner than
// Config.TypingInterval after the last one of the same user in the room.
const MsgTypingTooOften = "Typing announced too often."

// sweepLimit bounds the pairs one sweep round takes from the store; a
// sweep runs at most sweepRounds rounds per heartbeat.
const (
	sweepLimit  = 100
	sweepRounds = 10
	opTimeout   = 5 * time.Second
)

// Service is the presence service of one process.
type Service struct {
	cfg   Config
	store Store
	log   *slog.Logger

	mu      sync.Mutex
	local   map[Pair]*entry
	dirty   map[Pair]struct{}
	typed   map[Pair]time.Time
	closing bool

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// entry is this process's sockets of one pair: count open ones, and the
// grace timer running after the last one closed.
type entry struct {
	count int
	grace *time.Timer
}

var _ edusphere.PresenceService = (*Service)(nil)

// New returns a running Service; Close stops it.
func New(cfg Config) *Service {
	if cfg.Broker == nil || cfg.Users == nil || cfg.Rooms == nil {
		panic("presence: Config.Broker, Config.Users and Config.Rooms are required")
	}
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 45 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = cfg.TTL / 3
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 5 * time.Second
	}
	if cfg.TypingInterval <= 0 {
		cfg.TypingInterval = 2 * time.Second
	}
	if cfg.TypingFor <= 0 {
		cfg.TypingFor = 5 * time.Second
	}
	if cfg.Process == "" {
		b := make([]byte, 8)
		rand.Read(b)
		cfg.Process = hex.EncodeToString(b)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{
		cfg:   cfg,
		store: cfg.Store,
		log:   cfg.Logger.With("component", "presence"),
		local: make(map[Pair]*entry),
		dirty: make(map[Pair]struct{}),
		typed: make(map[Pair]time.Time),
		wake:  make(chan struct{}, 1),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.done.Add(2)
	go s.work()
	go s.tick()
	return s
}

// Enter implements edusphere.PresenceService.
func (s *Service) Enter(userID, roomID uuid.UUID) {
	p := Pair{Room: roomID, User: userID}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	e := s.local[p]
	if e == nil {
		e = &entry{}
		s.local[p] = e
	}
	e.count++
	if e.grace != nil {
		// A reload: the user never went offline.
		e.grace.Stop()
		e.grace = nil
		return
	}
	if e.count == 1 {
		s.markLocked(p)
	}
}

// Leave implements edusphere.PresenceService.
func (s *Service) Leave(userID, roomID uuid.UUID) {
	p := Pair{Room: roomID, User: userID}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.local[p]
	if e == nil || e.count == 0 {
		return
	}
	e.count--
	if e.count > 0 {
		return
	}
	if s.closing {
		delete(s.local, p)
		s.markLocked(p)
		return
	}
	var t *time.Timer
	t = time.AfterFunc(s.cfg.Grace, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if e.grace == t && e.count == 0 {
			e.grace = nil
			delete(s.local, p)
			s.markLocked(p)
		}
	})
	e.grace = t
}

// markLocked queues p for the worker, which brings the store in line with
// the local state of p. s.mu is held.
func (s *Service) markLocked(p Pair) {
	s.dirty[p] = struct{}{}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// work runs the store operations, one at a time so that a pair's refresh
// and removal cannot overtake each other. For each queued pair it reads the
// local state when it runs: a pair with sockets (or in its grace time) is
// refreshed, any other removed.
func (s *Service) work() {
	defer s.done.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
		s.flush(s.ctx)
	}
}

// flush syncs every queued pair with the store.
func (s *Service) flush(ctx context.Context) {
	s.mu.Lock()
	batch := s.dirty
	s.dirty = make(map[Pair]struct{})
	s.mu.Unlock()
	for p := range batch {
		if ctx.Err() != nil {
			return
		}
		s.sync(ctx, p)
	}
}

// sync refreshes or removes p's entry of this process and announces a change.
func (s *Service) sync(ctx context.Context, p Pair) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	s.mu.Lock()
	_, here := s.local[p]
	s.mu.Unlock()
	now := s.cfg.Now()
	if here {
		came, err := s.store.Refresh(ctx, p, s.cfg.Process, now, now.Add(s.cfg.TTL))
		if err != nil {
			s.log.Warn("refresh", "room", p.Room, "user", p.User, "err", err)
			return
		}
		if came {
			s.announce(ctx, p, true, now)
		}
		return
	}
	went, err := s.store.Remove(ctx, p, s.cfg.Process, now)
	if err != nil {
		s.log.Warn("remove", "room", p.Room, "user", p.User, "err", err)
		return
	}
	if went {
		s.announce(ctx, p, false, now)
	}
}

// tick refreshes this process's entries and sweeps expired ones every
// Heartbeat.
func (s *Service) tick() {
	defer s.done.Done()
	t := time.NewTicker(s.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		for p := range s.local {
			s.markLocked(p)
		}
		cutoff := s.cfg.Now().Add(-s.cfg.TypingInterval)
		for p, at := range s.typed {
			if at.Before(cutoff) {
				delete(s.typed, p)
			}
		}
		s.mu.Unlock()
		s.sweep()
	}
}

// sweep removes the expired pairs of any process, announcing each offline.
func (s *Service) sweep() {
	for range sweepRounds {
		ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
		now := s.cfg.Now()
		pairs, err := s.store.Sweep(ctx, now, sweepLimit)
		if err != nil {
			s.log.Warn("sweep", "err", err)
		}
		for _, p := range pairs {
			s.mu.Lock()
			_, here := s.local[p]
			s.mu.Unlock()
			if here {
				// Ours after all (the store lost it, say): put it back.
				s.mu.Lock()
				s.markLocked(p)
				s.mu.Unlock()
				continue
			}
			s.announce(ctx, p, false, now)
		}
		cancel()
		if len(pairs) < sweepLimit {
			return
		}
	}
}

// Close announces this process's users offline at once (no grace: the
// process is going away) and stops the service, within ctx.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for p, e := range s.local {
		if e.grace != nil {
			e.grace.Stop()
		}
		delete(s.local, p)
		s.dirty[p] = struct{}{}
	}
	s.mu.Unlock()
	s.cancel()
	s.done.Wait()
	s.flush(ctx)
	return ctx.Err()
}

// Online implements edusphere.PresenceService.
func (s *Service) Online(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID]edusphere.OnlineList, error) {
	return s.store.Online(ctx, roomIDs, s.cfg.Now(), edusphere.MaxOnlineListed)
}

// LastSeen implements edusphere.PresenceService.
func (s *Service) LastSeen(ctx context.Context, userIDs []uuid.UUID) (map[uuid.UUID]time.Time, error) {
	return s.store.LastSeen(ctx, userIDs)
}

// Typing implements edusphere.PresenceService. The rate limit is checked
// first, before any database read.
func (s *Service) Typing(ctx context.Context, user *edusphere.User, roomID uuid.UUID) error {
	if user == nil {
		return edusphere.LoginRequired()
	}
	p := Pair{Room: roomID, User: user.ID}
	now := s.cfg.Now()
	s.mu.Lock()
	if last, ok := s.typed[p]; ok && now.Sub(last) < s.cfg.TypingInterval {
		s.mu.Unlock()
		return edusphere.Errorf(edusphere.ETOOMANYREQUEST, MsgTypingTooOften)
	}
	s.typed[p] = now
	s.mu.Unlock()

	if _, err := s.cfg.Rooms.FindRoomByID(ctx, roomID); err != nil {
		return err
	}
	ok, err := s.cfg.Rooms.IsParticipant(ctx, roomID, user.ID)
	if err != nil {
		return err
	} else if !ok {
		return edusphere.PermissionDenied()
	}
	frame := TypingFrame(roomID, user, now.Add(s.cfg.TypingFor))
	return s.cfg.Broker.Publish(ctx, edusphere.RoomChannel(roomID), edusphere.Event{
		Type: edusphere.EventTyping, RoomID: roomID, UserID: user.ID, V2: frame,
	})
}

// announce publishes the "presence" frame of p.
func (s *Service) announce(ctx context.Context, p Pair, online bool, at time.Time) {
	u, err := s.cfg.Users.FindUserByID(ctx, p.User)
	if err != nil {
		if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			s.log.Warn("find user for presence", "user", p.User, "err", err)
		}
		return
	}
	frame := PresenceFrame(p.Room, u, online, at)
	err = s.cfg.Broker.Publish(ctx, edusphere.RoomChannel(p.Room), edusphere.Event{
		Type: edusphere.EventPresence, RoomID: p.Room, UserID: p.User, V2: frame,
	})
	if err != nil {
		s.log.Warn("publish presence", "room", p.Room, "user", p.User, "err", err)
	}
}
