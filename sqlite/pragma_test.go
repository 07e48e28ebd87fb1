package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPragmas checks every connection of a file database runs in WAL with
// foreign keys, a busy timeout and synchronous=NORMAL, and that readers
// cannot write.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "p.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open=%v", err)
	}
	defer db.Close()
	for _, tt := range []struct {
		name   string
		pragma string
		want   string
	}{
		{"WAL", "journal_mode", "wal"},
		{"ForeignKeys", "foreign_keys", "1"},
		{"BusyTimeout", "busy_timeout", "10000"},
		{"SynchronousNormal", "synchronous", "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for name, pool := range map[string]*sql.DB{"writer": db.w, "reader": db.r} {
				var got string
				if err := pool.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
					t.Fatalf("%s PRAGMA %s: %v", name, tt.pragma, err)
				}
				if got != tt.want {
					t.Fatalf("%s PRAGMA %s=%q, want %q", name, tt.pragma, got, tt.want)
				}
			}
		})
	}
	t.Run("ReadersCannotWrite", func(t *testing.T) {
		if _, err := db.r.ExecContext(ctx, `CREATE TABLE t (x)`); err == nil {
			t.Fatalf("reader CREATE TABLE=nil, want an error")
		}
	})
}
