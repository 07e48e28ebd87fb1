package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/google/uuid"
)

// Versioner returns the store's catalog version: the count of committed
// changes to users, topics, rooms and participants, bumped by triggers in
// the changing transaction. *sqlite.DB and *postgres.DB provide it as
// CatalogVersion.
type Versioner func(ctx context.Context) (int64, error)

// RoomVersioner returns a room's messages version, a number that moves with
// every committed change to the room's messages, or ENOTFOUND; *sqlite.DB
// and *postgres.DB provide it as MessagesVersion, the room's sequence
// number (docs/data.md, "Room sequences").
type RoomVersioner func(ctx context.Context, roomID uuid.UUID) (int64, error)

// DefaultMaxItems bounds a Cache when Config.MaxItems is 0: with users,
// rooms and messages of a few hundred bytes each, some tens of megabytes.
const DefaultMaxItems = 200_000

// Config configures a Cache.
type Config struct {
	// Version reads the catalog version; required.
	Version Versioner
	// MessagesVersion reads a room's messages version; nil leaves message
	// lists uncached.
	MessagesVersion RoomVersioner
	// MaxItems bounds the objects (users, rooms, messages…) the cached
	// answers hold together; past it the cache starts over. Default
	// DefaultMaxItems.
	MaxItems int
}

// Cache holds catalog answers for one catalog version.
//
// Why it is safe: an answer is stored under the version read before the
// answer was, so the answer is at least as new as its version. A later
// lookup reads the version again; if it is unchanged, no catalog change has
// committed since the stored version was read, and the stored answer is
// still what the database would say. Any change, from any process sharing
// the database, moves the version and empties the cache.
type Cache struct {
	version     Versioner
	roomVersion RoomVersioner
	max         int

	mu      sync.Mutex
	at      int64 // the version the entries belong to
	entries map[string]any
	// messages holds room message lists, each under its room's version.
	messages map[string]versioned
	// entryItems and messageItems count the objects in entries and in
	// messages.
	entryItems, messageItems int

	hits, misses int64
}

// New returns an empty Cache.
func New(cfg Config) *Cache {
	if cfg.Version == nil {
		panic("cache: Config.Version is required")
	}
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	return &Cache{
		version:     cfg.Version,
		roomVersion: cfg.MessagesVersion,
		max:         cfg.MaxItems,
		entries:     make(map[string]any),
		messages:    make(map[string]versioned),
	}
}

// versioned is an entry with the version it belongs to and its size.
type versioned struct {
	version int64
	entry   any
	items   int
}

// makeRoom empties the cache when n more items would overflow it. Called
// with c.mu held.
func (c *Cache) makeRoom(n int) {
	if c.entryItems+c.messageItems+n > c.max {
		clear(c.entries)
		clear(c.messages)
		c.entryItems, c.messageItems = 0, 0
	}
}

// Stats returns how many lookups found an answer and how many did not.
func (c *Cache) Stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// scopeKey marks a context whose lookups share one version read.
type scopeKey struct{}

type scope struct {
	once    sync.Once
	version int64
	err     error
}

// WithScope returns a context in which every lookup uses the catalog
// version read at the first lookup, instead of reading it each time: one
// query per request rather than one per list. Give it to one request only;
// its lookups then see the catalog as of that first read or newer.
func WithScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scope{})
}

// current returns the catalog version for a lookup in ctx.
func (c *Cache) current(ctx context.Context) (int64, error) {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return c.version(ctx)
	}
	s.once.Do(func() { s.version, s.err = c.version(ctx) })
	return s.version, s.err
}

// view is the cache at one catalog version.
type view struct {
	c *Cache
	v int64
}

// view reads the catalog version for a lookup in ctx (once per scope) and
// moves the cache to it.
func (c *Cache) view(ctx context.Context) (view, error) {
	v, err := c.current(ctx)
	if err != nil {
		return view{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.at {
		// Usually newer; older only for a request whose scope read the
		// version before another request moved the cache on, or after a
		// database restore. Either way the entries belong to another version.
		c.at = v
		clear(c.entries)
		c.entryItems = 0
	}
	return view{c, v}, nil
}

// get returns the entry for key if the cache is still at the view's version.
func (w view) get(key string) (any, bool) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	e, ok := w.c.entries[key]
	if ok && w.c.at == w.v {
		w.c.hits++
		return e, true
	}
	w.c.misses++
	return nil, false
}

// put keeps e, holding n objects, for key if the cache is still at the
// view's version; e must have been read from the store after the view's
// version was.
func (w view) put(key string, e any, n int) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.v != w.c.at || n > w.c.max {
		return
	}
	if _, ok := w.c.entries[key]; ok {
		return // another request stored it meanwhile
	}
	w.c.makeRoom(n)
	w.c.entries[key] = e
	w.c.entryItems += n
}

// getVersioned returns the message entry for key if it belongs to version v.
func (c *Cache) getVersioned(key string, v int64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.messages[key]
	if ok && e.version == v {
		c.hits++
		return e.entry, true
	}
	c.misses++
	return nil, false
}

// putVersioned keeps a message entry of n messages read after version v
// was read.
func (c *Cache) putVersioned(key string, v int64, e any, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.messages[key]
	if (ok && old.version >= v) || n > c.max {
		return // as new an answer is there already, or this one is too big
	}
	if ok {
		c.messageItems -= old.items
	}
	c.makeRoom(n)
	c.messages[key] = versioned{v, e, n}
	c.messageItems += n
}

// key renders a lookup's kind and arguments as a map key.
func key(kind string, args any) string {
	b, err := json.Marshal(args)
	if err != nil {
		// Filters hold strings, numbers, UUIDs and pointers to them.
		panic(fmt.Sprintf("cache key %s: %v", kind, err))
	}
	return kind + string(b)
}
