package testdb

import "testing"

// Each runs fn in the subtests "sqlite" and "postgres", each with a fresh
// migrated database. The postgres subtest skips when the server is
// unreachable, unless CI=true, where it fails.
func Each(t *testing.T, fn func(t *testing.T, h *Handle)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}
