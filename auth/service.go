package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Config holds the settings of a Service. Zero fields take the defaults
// given in their comments.
type Config struct {
	// SigningKey is the HS256 key of access tokens: JWT_SECRET_KEY, else
	// derived from SECRET_KEY by the caller. Required.
	SigningKey []byte
	// SecretKey is SECRET_KEY; the CSRF key is derived from it. Required.
	SecretKey []byte
	// SecureCookies adds Secure to every cookie and HSTS to responses: the
	// site is served over HTTPS. Default false.
	SecureCookies bool
	// AccessTTL is the life of an access token. Default 10 minutes.
	AccessTTL time.Duration
	// RefreshTTL is the life of a login session (origIat + RefreshTTL).
	// Default 7 days.
	RefreshTTL time.Duration
	// RefreshGrace is how long a just-rotated refresh token still yields an
	// access token (two tabs refreshing at once). Default 30 seconds.
	RefreshGrace time.Duration
	// LoginLimit bounds failed log-ins per account and per address;
	// RegisterLimit bounds registrations per address. Zero is off.
	LoginLimit, RegisterLimit Limit
	// AllowedHosts is ALLOWED_HOSTS, used by OriginAllowed. Default
	// localhost and 127.0.0.1.
	AllowedHosts []string
	// TrustedOrigins is CSRF_TRUSTED_ORIGINS, full origins such as
	// "http://localhost". Default http://localhost and http://127.0.0.1.
	TrustedOrigins []string
	// CORSOrigins is CORS_ALLOWED_ORIGINS. Default http://localhost and
	// http://127.0.0.1.
	CORSOrigins []string
	// SyncInterval is how often the revocation cache reads new entries from
	// the store. Default 2 seconds.
	SyncInterval time.Duration
	// Now is the clock. Default real time.
	Now edusphere.Clock
	// Logger receives warnings. Default slog.Default().
	Logger *slog.Logger
	// Broker, when set, carries revocations to every process on
	// edusphere.SystemChannel. The hub owns the broker's handler and passes
	// every system event to HandleEvent.
	Broker edusphere.Broker
}

// Service issues and checks tokens and guards the HTTP surface.
type Service struct {
	cfg      Config
	users    edusphere.UserService
	sessions edusphere.SessionService
	logger   *slog.Logger
	csrfKey  []byte

	loginAccount *Limiter
	loginAddress *Limiter
	register     *Limiter

	revoked *revocationCache
	renewed *renewalCache

	startOnce sync.Once
	syncNow   chan struct{} // asks the sync loop for an early sync
	stop      chan struct{}
	done      chan struct{}
}

// New returns a Service over the given stores; call Start to load the
// deny-list before serving.
func New(cfg Config, users edusphere.UserService, sessions edusphere.SessionService) *Service {
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = 10 * time.Minute
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 7 * 24 * time.Hour
	}
	if cfg.RefreshGrace <= 0 {
		cfg.RefreshGrace = 30 * time.Second
	}
	if cfg.SyncInterval <= 0 {
		cfg.SyncInterval = 2 * time.Second
	}
	if cfg.AllowedHosts == nil {
		cfg.AllowedHosts = []string{"localhost", "127.0.0.1"}
	}
	if cfg.TrustedOrigins == nil {
		cfg.TrustedOrigins = []string{"http://localhost", "http://127.0.0.1"}
	}
	if cfg.CORSOrigins == nil {
		cfg.CORSOrigins = []string{"http://localhost", "http://127.0.0.1"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{
		cfg:          cfg,
		users:        users,
		sessions:     sessions,
		logger:       cfg.Logger,
		csrfKey:      deriveKey(cfg.SecretKey, "edusphere/csrf"),
		loginAccount: NewLimiter(cfg.LoginLimit),
		loginAddress: NewLimiter(cfg.LoginLimit),
		register:     NewLimiter(cfg.RegisterLimit),
		revoked:      newRevocationCache(),
		renewed:      newRenewalCache(),
		syncNow:      make(chan struct{}, 1),
		stop:         make(chan struct{}),
		done:         make(chan struct{}),
	}
	for _, l := range []*Limiter{s.loginAccount, s.loginAddress, s.register} {
		l.Now = cfg.Now
	}
	return s
}

// DeriveKey returns HMAC-SHA256(secret, purpose): a separate key for each
// use of SECRET_KEY (cmd derives the JWT key with purpose "edusphere/jwt").
func DeriveKey(secret []byte, purpose string) []byte { return deriveKey(secret, purpose) }

func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// now returns the service's clock reading.
func (s *Service) now() time.Time { return s.cfg.Now.Now() }

// Start loads the deny-list and keeps it in sync every SyncInterval until
// Close. It also deletes expired sessions and revocations once an hour.
func (s *Service) Start(ctx context.Context) error {
	if err := s.Sync(ctx); err != nil {
		return fmt.Errorf("load revocations: %w", err)
	}
	s.startOnce.Do(func() { go s.syncLoop() })
	return nil
}

// Close stops the background sync.
func (s *Service) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
	}
	close(s.stop)
	// When the loop never started, nothing else will close done.
	s.startOnce.Do(func() { close(s.done) })
	<-s.done
	return nil
}

func (s *Service) syncLoop() {
	defer close(s.done)
	ticker := time.NewTicker(s.cfg.SyncInterval)
	defer ticker.Stop()
	var lastCleanup time.Time
	for {
		select {
		case <-s.stop:
			return
		case <-ticker.C:
		case <-s.syncNow:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.Sync(ctx); err != nil {
			s.logger.Warn("revocation sync failed", "error", err)
		}
		if now := s.now(); now.Sub(lastCleanup) >= time.Hour {
			lastCleanup = now
			if err := s.sessions.DeleteExpired(ctx, now); err != nil {
				s.logger.Warn("delete expired sessions failed", "error", err)
			}
		}
		cancel()
	}
}

// syncOverlap re-reads revocations this much older than the newest one seen,
// so a row committed late, or stamped by a process whose clock lags, is not
// skipped; entries already known are ignored.
const syncOverlap = 30 * time.Second

// Sync reads revocations created since the last sync into the cache and
// drops expired ones.
func (s *Service) Sync(ctx context.Context) error {
	since := s.revoked.newest()
	if !since.IsZero() {
		since = since.Add(-syncOverlap)
	}
	list, err := s.sessions.FindRevocations(ctx, since)
	if err != nil {
		return fmt.Errorf("find revocations: %w", err)
	}
	for _, r := range list {
		s.revoked.add(r)
	}
	s.revoked.prune(s.now())
	s.renewed.prune(s.now())
	return nil
}

// HandleEvent takes an event from the broker's system channel (the hub
// passes each one on). Session revocations enter the deny-list at once and
// renewals of other processes are remembered for CheckSession; after a
// gap in the broker's delivery the deny-list is read from the database at
// once rather than at the next tick. Other events are ignored.
func (s *Service) HandleEvent(ev edusphere.Event) {
	switch {
	case ev.Type == edusphere.EventSessionRevoked && ev.Revocation != nil:
		s.revoked.add(ev.Revocation)
	case ev.Type == edusphere.EventSessionRenewed && ev.Session != nil:
		s.renewed.add(ev.Session)
	case ev.Type == edusphere.EventGap:
		select {
		case s.syncNow <- struct{}{}:
		default:
		}
	}
}

// isRevoked reports whether the session (userID, origIat) is denied.
func (s *Service) isRevoked(userID uuid.UUID, origIat int64) bool {
	return s.revoked.denies(userID, origIat, s.now())
}

// revoke stores r, adds it to the local cache and tells other processes.
func (s *Service) revoke(ctx context.Context, r *edusphere.Revocation) error {
	if err := s.sessions.CreateRevocation(ctx, r); err != nil {
		return fmt.Errorf("create revocation: %w", err)
	}
	s.revoked.add(r)
	if s.cfg.Broker != nil {
		ev := edusphere.Event{Type: edusphere.EventSessionRevoked, UserID: r.UserID, Revocation: r}
		if err := s.cfg.Broker.Publish(ctx, edusphere.SystemChannel, ev); err != nil {
			// Other processes still learn it at their next sync.
			s.logger.Warn("publish revocation failed", "error", err)
		}
	}
	return nil
}

// revokeSession denies the login session (userID, origIat).
func (s *Service) revokeSession(ctx context.Context, userID uuid.UUID, origIat int64) error {
	now := s.now()
	return s.revoke(ctx, &edusphere.Revocation{
		UserID:  userID,
		OrigIat: origIat,
		Created: now,
		// An access token of the session lives at most AccessTTL past the
		// end of its refresh window.
		Expires: time.Unix(origIat, 0).UTC().Add(s.cfg.RefreshTTL + s.cfg.AccessTTL),
	})
}

// RevokeUser denies every session the user began until now and revokes
// their refresh tokens (password change, deactivation).
func (s *Service) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	now := s.now()
	if err := s.revoke(ctx, &edusphere.Revocation{
		UserID:  userID,
		Created: now,
		Expires: now.Add(s.cfg.RefreshTTL + s.cfg.AccessTTL),
	}); err != nil {
		return err
	}
	if err := s.sessions.RevokeUserRefreshTokens(ctx, userID); err != nil {
		return fmt.Errorf("revoke refresh tokens: %w", err)
	}
	return nil
}

// revocationCache is the in-memory deny-list.
type revocationCache struct {
	mu     sync.RWMutex
	byUser map[uuid.UUID][]*edusphere.Revocation
	latest time.Time
}

func newRevocationCache() *revocationCache {
	return &revocationCache{byUser: map[uuid.UUID][]*edusphere.Revocation{}}
}

// add inserts r unless an equal entry is known.
func (c *revocationCache) add(r *edusphere.Revocation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, old := range c.byUser[r.UserID] {
		if old.OrigIat == r.OrigIat && old.Created.Equal(r.Created) {
			return
		}
	}
	cp := *r
	c.byUser[r.UserID] = append(c.byUser[r.UserID], &cp)
	if r.Created.After(c.latest) {
		c.latest = r.Created
	}
}

// newest returns the creation time of the newest entry seen.
func (c *revocationCache) newest() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.latest
}

// denies reports whether an unexpired entry denies (userID, origIat).
func (c *revocationCache) denies(userID uuid.UUID, origIat int64, now time.Time) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, r := range c.byUser[userID] {
		if r.Expires.After(now) && r.Denies(userID, origIat) {
			return true
		}
	}
	return false
}

// prune drops expired entries.
func (c *revocationCache) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, list := range c.byUser {
		kept := list[:0]
		for _, r := range list {
			if r.Expires.After(now) {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(c.byUser, id)
		} else {
			c.byUser[id] = kept
		}
	}
}

// sessionKey names a session in the renewal cache.
type sessionKey struct {
	user    uuid.UUID
	origIat int64
}

// renewalCache remembers, per session, the latest access-token expiry
// issued here or announced by another process, until it passes.
type renewalCache struct {
	mu  sync.RWMutex
	exp map[sessionKey]time.Time
}

func newRenewalCache() *renewalCache {
	return &renewalCache{exp: map[sessionKey]time.Time{}}
}

// add records ses.Expires unless a later expiry is known.
func (c *renewalCache) add(ses *edusphere.Session) {
	k := sessionKey{ses.UserID, ses.OrigIat}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ses.Expires.After(c.exp[k]) {
		c.exp[k] = ses.Expires
	}
}

// expiry returns the latest known expiry of the session, or the zero time.
func (c *renewalCache) expiry(user uuid.UUID, origIat int64) time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.exp[sessionKey{user, origIat}]
}

// prune forgets expiries that passed.
func (c *renewalCache) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range c.exp {
		if !t.After(now) {
			delete(c.exp, k)
		}
	}
}
