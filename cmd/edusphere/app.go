package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/account"
	"github.com/edusphere/edusphere/admin"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/cache"
	"github.com/edusphere/edusphere/config"
	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/groupcommit"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/media"
	"github.com/edusphere/edusphere/metrics"
	"github.com/edusphere/edusphere/postgres"
	"github.com/edusphere/edusphere/presence"
	"github.com/edusphere/edusphere/redis"
	"github.com/edusphere/edusphere/server"
	"github.com/edusphere/edusphere/sqlite"
	"github.com/edusphere/edusphere/web"
)

// store is what cmd needs of a database package; sqlite.DB and postgres.DB
// both provide it.
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

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// app holds everything a command opened, closed in reverse order.
type app struct {
	log    *slog.Logger
	db     store
	broker edusphere.Broker
	auth   *auth.Service
	hub    *hub.Hub
	server *server.Server
	opLog  *os.File // GRAPHQL_LOG_FILE, when set

	// presence and the Redis client of its store (cmd/edusphere/presence.go).
	presence       *presence.Service
	presenceClient goredis.UniversalClient
}

// close stops the HTTP server (in-flight requests finish), closes the
// sockets with 1001, then the auth service, the broker and the database.
func (a *app) close() error {
	var errs []error
	if a.server != nil {
		if err := a.server.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if a.hub != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := a.hub.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down hub: %w", err))
		}
		cancel()
	}
	if err := a.closePresence(); err != nil {
		errs = append(errs, err)
	}
	if a.auth != nil {
		if err := a.auth.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close auth: %w", err))
		}
	}
	if a.broker != nil {
		if err := a.broker.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close broker: %w", err))
		}
	}
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	if a.opLog != nil {
		if err := a.opLog.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close GraphQL log: %w", err))
		}
	}
	return errors.Join(errs...)
}

// openDB opens the configured store: PostgreSQL when a URL is set, else
// the SQLite file (its directory is created).
func (m *Main) openDB(ctx context.Context) (store, error) {
	c := m.Config
	var db store
	where := c.SQLitePath
	if c.PostgresURL != "" {
		pg := postgres.NewDB(c.PostgresURL)
		pg.MaxConns = c.DBMaxConns
		pg.FullPool = true
		pg.StatementTimeout = c.DBStatementTimeout
		db = pg
		where = config.RedactURL(c.PostgresURL)
	} else {
		if dir := filepath.Dir(c.SQLitePath); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		db = sqlite.NewDB(c.SQLitePath)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.Open(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s database %s: %w", c.DatabaseKind(), where, err)
	}
	return db, nil
}

// migrateDB applies pending migrations.
func (m *Main) migrateDB(ctx context.Context, db store) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s database: %w", m.Config.DatabaseKind(), err)
	}
	return nil
}

func (m *Main) migrate(ctx context.Context) error {
	db, err := m.openDB(ctx)
	if err != nil {
		return err
	}
	m.app = &app{log: m.Logger, db: db}
	if err := m.migrateDB(ctx, db); err != nil {
		return err
	}
	m.Logger.Info("database migrated", "database", m.Config.DatabaseKind())
	return nil
}

// signingKey is JWT_SECRET_KEY, or a key derived from SECRET_KEY so the
// JWT key differs from the one behind CSRF and admin sessions (docs/auth.md,
// Access tokens).
func signingKey(c *config.Config) []byte {
	if c.JWTSecretKey != "" {
		return []byte(c.JWTSecretKey)
	}
	return auth.DeriveKey([]byte(c.SecretKey), "edusphere/jwt")
}

// authConfig copies the settings the auth service needs.
func (m *Main) authConfig(broker edusphere.Broker) auth.Config {
	c := m.Config
	return auth.Config{
		SigningKey:     signingKey(c),
		SecretKey:      []byte(c.SecretKey),
		SecureCookies:  c.SecureCookies,
		LoginLimit:     c.LoginRateLimit,
		RegisterLimit:  c.RegisterRateLimit,
		AllowedHosts:   c.AllowedHosts,
		TrustedOrigins: c.TrustedOrigins,
		CORSOrigins:    c.CORSOrigins,
		Logger:         m.Logger,
		Broker:         broker,
	}
}

// serve wires every package and starts listening.
func (m *Main) serve(ctx context.Context) error {
	c := m.Config
	a := &app{log: m.Logger}
	m.app = a

	if err := os.MkdirAll(c.MediaPath(), 0o755); err != nil {
		return fmt.Errorf("create media directory: %w", err)
	}
	db, err := m.openDB(ctx)
	if err != nil {
		return err
	}
	a.db = db
	if err := m.migrateDB(ctx, db); err != nil {
		return err
	}
	if w, ok := db.(interface{ Warm(context.Context) error }); ok {
		// The first chat handshakes after a start would otherwise prepare
		// their reads on every connection (docs/operations.md).
		if err := w.Warm(ctx); err != nil {
			return fmt.Errorf("warm database connections: %w", err)
		}
	}

	brokerName := "memory"
	if c.RedisURL != "" {
		rb := redis.NewBroker(redis.Config{URL: c.RedisURL, Logger: m.Logger})
		a.broker = rb
		if err := rb.Open(ctx); err != nil {
			return fmt.Errorf("open redis broker %s: %w", config.RedactURL(c.RedisURL), err)
		}
		brokerName = "redis"
	} else {
		a.broker = inmem.NewBroker()
	}

	// Every series lives in one registry; docs/operations.md lists them.
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	broker := metrics.NewBroker(a.broker, reg)

	// The services are wrapped once, in this order: the store's own
	// (raw), then the notifier, which announces committed changes through
	// the broker (published: what the admin and GraphQL write through),
	// then, for GraphQL reads only, the catalog cache. The hub reads and
	// writes raw and calls the same notifier itself.
	raw := db.Services()
	a.auth = auth.New(m.authConfig(broker), raw.Users, raw.Sessions)
	notifier := hub.NewNotifier(broker, m.Logger)
	published := notifier.Wrap(raw)
	if a.presence, err = m.openPresence(broker, raw); err != nil {
		return err
	}
	a.hub = hub.New(hub.Config{
		Broker:         broker,
		Store:          raw,
		Notifier:       notifier,
		Auth:           a.auth,
		RateLimit:      c.WSRateLimit,
		Logger:         m.Logger,
		Metrics:        metrics.NewChat(reg),
		ChatBatch:      groupcommit.Config{MaxBatch: c.ChatBatchMax, MaxWait: c.ChatBatchWait, Shards: c.ChatBatchShards},
		ChatWindow:     c.ChatWindow,
		OrderWait:      orderWait(c),
		PublishWorkers: publishWorkers(c),
		Presence:       a.presence,
		Typing:         a.presence,
	})
	storage := media.NewDir(c.MediaPath())
	accounts := account.New(account.Config{
		Store: raw, Notifier: notifier, Revoker: a.auth, Files: storage, Logger: m.Logger,
	})
	if err := a.auth.Start(ctx); err != nil {
		return fmt.Errorf("start auth: %w", err)
	}

	// GraphQL reads of users, topics, rooms and participants come from
	// memory while the database's catalog version stands still, and a
	// room's message list while the room's sequence does (docs/data.md,
	// "Versions").
	catalog := cache.New(cache.Config{Version: db.CatalogVersion, MessagesVersion: db.MessagesVersion})

	opLog, err := m.graphQLLog()
	if err != nil {
		return err
	}
	metrics.RegisterPools(reg, func() map[string]metrics.PoolStats { return poolStats(db) })
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "edusphere", Name: "ws_connections",
			Help: "WebSockets open in this process, chat and event sockets.",
		}, func() float64 { return float64(a.hub.Len()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "chat_batches_total",
			Help: "Transactions of the chat writer (docs/data.md, Group commit).",
		}, func() float64 { return float64(a.hub.ChatWriterStats().Batches) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "chat_batch_ops_total",
			Help: "Chat writes committed or failed in the chat writer's transactions.",
		}, func() float64 { return float64(a.hub.ChatWriterStats().Ops) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "edusphere", Name: "chat_writer_pending",
			Help: "Chat writes in the chat writer now, queued or in a transaction.",
		}, func() float64 { st := a.hub.ChatWriterStats(); return float64(st.Queued + st.Taken) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "catalog_cache_hits_total",
			Help: "GraphQL catalog reads answered from memory.",
		}, func() float64 { h, _ := catalog.Stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "catalog_cache_misses_total",
			Help: "GraphQL catalog reads that went to the database.",
		}, func() float64 { _, m := catalog.Stats(); return float64(m) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "db_statements_total",
			Help: "SQL statements run by this process.",
		}, func() float64 { return float64(db.StatementCount()) }),
	)
	if sq, ok := db.(*sqlite.DB); ok {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Namespace: "edusphere", Name: "sqlite_checkpoints_total",
				Help: "Checkpoints of the SQLite log run by the checkpointer (docs/data.md, SQLite checkpoints).",
			}, func() float64 { return float64(sq.CheckpointStats().Runs) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Namespace: "edusphere", Name: "sqlite_checkpoint_restarts_total",
				Help: "Of them, checkpoints that held writes back to start the log over.",
			}, func() float64 { return float64(sq.CheckpointStats().Restarts) }),
		)
	}

	graphQL := gql.New(gql.Config{
		Services:          catalog.Wrap(published),
		Presence:          a.presence,
		Auth:              a.auth,
		Media:             storage,
		AvatarLimits:      media.Limits{MaxBytes: c.AvatarMaxBytes, Gate: media.NewDecodeGate(c.AvatarDecodeMemory)},
		Debug:             c.Debug,
		Introspection:     c.GraphQLIntrospection,
		MaxDepth:          c.GraphQLMaxDepth,
		MaxComplexity:     c.GraphQLMaxComplexity,
		ListCap:           c.GraphQLListCap,
		MaxVariablesBytes: c.GraphQLMaxVariables,
		Document: gql.DocumentLimits{
			MaxBytes:      c.GraphQLMaxQueryBytes,
			MaxTokens:     c.GraphQLMaxTokens,
			MaxNesting:    c.GraphQLMaxNesting,
			MaxSelections: c.GraphQLMaxSelections,
			MaxAliases:    c.GraphQLMaxAliases,
			MaxDirectives: c.GraphQLMaxDirectives,
			MaxFragments:  c.GraphQLMaxFragments,
			MaxRepeats:    c.GraphQLMaxRepeats,
		},
		Timeout:      c.GraphQLTimeout,
		MaxErrors:    c.GraphQLMaxErrors,
		OnRoomRead:   notifier.RoomRead,
		Logger:       m.Logger,
		OperationLog: opLog,
		Metrics:      reg,
		RequestID:    server.RequestID,
	})
	a.server = &server.Server{
		Addr:                c.Addr,
		GraphQL:             graphQL,
		GraphQLMaxBodyBytes: graphQL.MaxRequestBytes(),
		CSRF:                a.auth.CSRFHandler(),
		WS:                  a.hub,
		WSv2:                a.hub.V2(),
		Admin: admin.New(admin.Config{
			Services:      published,
			Accounts:      accounts,
			Auth:          a.auth,
			SecureCookies: c.SecureCookies,
			Logger:        m.Logger,
		}),
		Media:          media.Handler(storage),
		Web:            web.Handler(),
		Auth:           a.auth,
		AllowedHosts:   c.AllowedHosts,
		TrustedProxies: c.TrustedProxies,
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return fmt.Errorf("database: %w", err)
			}
			if err := a.broker.Ping(ctx); err != nil {
				return fmt.Errorf("broker: %w", err)
			}
			return nil
		},
		Registry:    reg,
		MetricsAddr: c.MetricsAddr,
		Logger:      m.Logger,
	}
	if err := a.server.Open(); err != nil {
		return err
	}
	m.Logger.Info("EduSphere listening", "url", a.server.URL(), "database", c.DatabaseKind(), "broker", brokerName)
	if u := a.server.MetricsURL(); u != "" {
		m.Logger.Info("metrics listening", "url", u+"/metrics")
	}
	return nil
}

// graphQLLog returns the GraphQL operation log: a logger on
// GRAPHQL_LOG_FILE (appended to, in LOG_FORMAT), or the main log.
func (m *Main) graphQLLog() (*slog.Logger, error) {
	path := m.Config.GraphQLLogFile
	if path == "" {
		return m.Logger, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("GRAPHQL_LOG_FILE: %w", err)
	}
	m.app.opLog = f
	return slog.New(newLogHandler(f, m.Config.LogFormat, slog.LevelInfo)), nil
}

// poolStats reads the connection pools of db for the metrics.
func poolStats(db store) map[string]metrics.PoolStats {
	switch db := db.(type) {
	case *postgres.DB:
		st := db.PoolStat()
		if st == nil {
			return nil
		}
		return map[string]metrics.PoolStats{"postgres": {
			Max: int(st.MaxConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
			Waits: st.EmptyAcquireCount(), WaitSeconds: st.EmptyAcquireWaitTime().Seconds(),
		}}
	case *sqlite.DB:
		w, r := db.PoolStats()
		conv := func(s sql.DBStats) metrics.PoolStats {
			return metrics.PoolStats{Max: s.MaxOpenConnections, InUse: s.InUse, Idle: s.Idle,
				Waits: s.WaitCount, WaitSeconds: s.WaitDuration.Seconds()}
		}
		return map[string]metrics.PoolStats{"sqlite_writer": conv(w), "sqlite_readers": conv(r)}
	}
	return nil
}

// URL is the running server's base URL, "" before serve.
func (m *Main) URL() string {
	if m.app == nil || m.app.server == nil {
		return ""
	}
	return m.app.server.URL()
}
