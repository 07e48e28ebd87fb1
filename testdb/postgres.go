package testdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/postgres"
	"github.com/jackc/pgx/v5"
)

// DefaultPostgres is the server tests use when $EDUSPHERE_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// postgresServer returns the URL of the test server.
func postgresServer() string {
	if s := os.Getenv("EDUSPHERE_TEST_POSTGRES"); s != "" {
		return s
	}
	return DefaultPostgres
}

// Postgres returns a fresh migrated PostgreSQL database of its own (created
// as edusphere_t_<random> on the server named by $EDUSPHERE_TEST_POSTGRES),
// closed and dropped in tb.Cleanup. It skips the test when the server is
// unreachable, unless CI=true, where it fails.
func Postgres(tb testing.TB) *Handle {
	tb.Helper()
	return OpenPostgres(tb, PostgresDSN(tb))
}

// OpenPostgres opens and migrates the PostgreSQL database at dsn with a test
// Clock, and closes it in tb.Cleanup. Opening one dsn twice gives two
// handles on one database, as two server processes have.
func OpenPostgres(tb testing.TB, dsn string) *Handle {
	tb.Helper()
	clock := NewClock()
	db := postgres.NewDB(dsn)
	db.Now = clock.Now
	// The cleanup open registers runs before PostgresDSN's drop.
	h := open(tb, "postgres", dsn, redactURL(dsn), db, clock)
	h.SetBeforeChatCommit = func(hook func(ops []edusphere.ChatOp) error) { db.BeforeChatCommit = hook }
	return h
}

// PostgresDSN creates an empty database edusphere_t_<random> on the test
// server and returns its URL; the database is dropped, with any sessions
// still connected to it, in tb.Cleanup. Nothing is migrated, so migration
// tests can start from scratch. It skips the test when the server is
// unreachable, unless CI=true, where it fails.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	server := postgresServer()
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("EDUSPHERE_TEST_POSTGRES %q: want a postgres:// URL", redactURL(server))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := connectAdmin(ctx, server)
	if err != nil {
		Unavailable(tb, "postgres", redactURL(server), err)
	}
	name := "edusphere_t_" + RandomHex(8)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	admin.Close(context.Background())
	if err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := connectAdmin(ctx, server)
		if err != nil {
			tb.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

// connectAdmin opens one plain connection to the server's own database for
// CREATE and DROP DATABASE, which cannot run inside a transaction.
func connectAdmin(ctx context.Context, server string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	cfg.ConnectTimeout = 3 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

// redactURL hides a password in a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
