package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/sqlite"
	"github.com/edusphere/edusphere/storetest"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
)

// Handle is one fresh, migrated test database and the services on it.
type Handle struct {
	Kind     string // "sqlite" or "postgres"
	DSN      string // what NewDB took
	Services edusphere.Services
	// Clock is the clock the store reads "now" from; tests move it.
	Clock          *Clock
	StatementCount func() int64
	Ping           func(ctx context.Context) error
	// CatalogVersion and MessagesVersion are the store's versions (see
	// package cache).
	CatalogVersion  func(ctx context.Context) (int64, error)
	MessagesVersion func(ctx context.Context, roomID uuid.UUID) (int64, error)
	// SetBeforeChatCommit sets the store's BeforeChatCommit hook, which
	// runs before each CommitChat transaction commits and fails it with
	// its error. Set it before starting goroutines that use the store.
	SetBeforeChatCommit func(hook func(ops []edusphere.ChatOp) error)
}

// SQLite returns a fresh migrated in-memory SQLite database, closed in
// tb.Cleanup.
func SQLite(tb testing.TB) *Handle {
	tb.Helper()
	return OpenSQLite(tb, ":memory:")
}

// OpenSQLite opens and migrates the SQLite database at dsn (a file path or
// ":memory:") with a test Clock, and closes it in tb.Cleanup.
func OpenSQLite(tb testing.TB, dsn string) *Handle {
	tb.Helper()
	clock := NewClock()
	db := sqlite.NewDB(dsn)
	db.Now = clock.Now
	h := open(tb, "sqlite", dsn, fmt.Sprintf("%q", dsn), db, clock)
	h.SetBeforeChatCommit = func(hook func(ops []edusphere.ChatOp) error) { db.BeforeChatCommit = hook }
	return h
}

// store is what open needs of *sqlite.DB and *postgres.DB.
type store interface {
	Open(ctx context.Context) error
	Migrate(ctx context.Context) error
	Close() error
	Ping(ctx context.Context) error
	Services() edusphere.Services
	StatementCount() int64
	CatalogVersion(ctx context.Context) (int64, error)
	MessagesVersion(ctx context.Context, roomID uuid.UUID) (int64, error)
}

// open opens and migrates db, closes it in tb.Cleanup, and returns its
// Handle; name is how messages show the database.
func open(tb testing.TB, kind, dsn, name string, db store, clock *Clock) *Handle {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.Open(ctx); err != nil {
		tb.Fatalf("open %s %s: %v", kind, name, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close %s %s: %v", kind, name, err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s %s: %v", kind, name, err)
	}
	return &Handle{
		Kind:            kind,
		DSN:             dsn,
		Services:        db.Services(),
		Clock:           clock,
		StatementCount:  db.StatementCount,
		Ping:            db.Ping,
		CatalogVersion:  db.CatalogVersion,
		MessagesVersion: db.MessagesVersion,
	}
}

// Clock is a settable test clock. Until Set is called it follows real time
// shifted by every Add, so successive rows get increasing times; after Set
// it stands still at the set time and only Add moves it.
type Clock struct {
	mu     sync.Mutex
	frozen bool
	t      time.Time     // the set time, when frozen
	offset time.Duration // added to real time, when not frozen
}

// NewClock returns a Clock that follows real time.
func NewClock() *Clock { return &Clock{} }

// Now returns the clock's time in UTC at microsecond precision, the
// precision every store keeps.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.t
	}
	return time.Now().Add(c.offset).UTC().Truncate(time.Microsecond)
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = true
	c.t = t.UTC().Truncate(time.Microsecond)
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.t = c.t.Add(d).Truncate(time.Microsecond)
	} else {
		c.offset += d
	}
}

// Func returns the clock as an edusphere.Clock for configs that take one.
func (c *Clock) Func() edusphere.Clock { return c.Now }

// RandomHex returns n random bytes as lower-case hex, for unique names.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// MustCreateUser, MustCreateRoom and MustCreateMessage are the store
// suite's helpers (package storetest), here for every other test.
var (
	MustCreateUser    = storetest.MustCreateUser
	MustCreateRoom    = storetest.MustCreateRoom
	MustCreateMessage = storetest.MustCreateMessage
)

// Store is h as the store suite takes it.
func (h *Handle) Store() *storetest.Store {
	return &storetest.Store{
		Name:                h.Kind,
		Services:            h.Services,
		Clock:               h.Clock,
		StatementCount:      h.StatementCount,
		MessagesVersion:     h.MessagesVersion,
		SetBeforeChatCommit: h.SetBeforeChatCommit,
	}
}

// Redis returns a reachable Redis URL ($EDUSPHERE_TEST_REDIS, default
// redis://127.0.0.1:6379/0) and a key prefix unique to this test. It skips
// the test when Redis is unreachable, unless CI=true, where it fails.
func Redis(tb testing.TB) (url string, prefix string) {
	tb.Helper()
	url = os.Getenv("EDUSPHERE_TEST_REDIS")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		tb.Fatalf("parse EDUSPHERE_TEST_REDIS %q: %v", url, err)
	}
	opts.DialTimeout = 2 * time.Second
	client := goredis.NewClient(opts)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		Unavailable(tb, "redis", url, err)
	}
	return url, "edusphere-test:" + RandomHex(8) + ":"
}

// Unavailable skips tb because service at addr cannot be reached, or fails
// it when CI=true, where every service must be present.
func Unavailable(tb testing.TB, service, addr string, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s at %s is unreachable (CI=true requires it): %v", service, addr, err)
	}
	tb.Skipf("skipping: %s at %s is unreachable: %v (set CI=true to make this a failure)", service, addr, err)
}
