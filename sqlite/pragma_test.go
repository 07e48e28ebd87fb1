package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
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

// TestCheckpointer checks that no commit of a file database checkpoints
// (the writer's automatic checkpoint is off) and that the checkpointer
// copies the whole log into the file soon after writes stop, so the log
// does not grow without bound.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "c.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open=%v", err)
	}
	defer db.Close()
	var auto int
	if err := db.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("writer PRAGMA wal_autocheckpoint=%d, %v; want 0", auto, err)
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	// More than the 1,000 pages after which a commit would checkpoint.
	for range 300 {
		if _, err := db.w.ExecContext(ctx, `INSERT INTO t VALUES (randomblob(16384))`); err != nil {
			t.Fatal(err)
		}
	}
	runs := db.CheckpointStats().Runs
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := db.CheckpointStats()
		if st.Err != nil {
			t.Fatalf("checkpoint: %v", st.Err)
		}
		if st.Runs > runs && st.Log > 0 && st.Checkpointed == st.Log {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpointer stats %+v after 10 s, want a run after the writes that checkpointed the whole log", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := (&DB{}).CheckpointStats(); st.Runs != 0 {
		t.Fatalf("stats of a database without checkpointer: %+v", st)
	}
}
