package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// TestStmtCache checks that a connection's cached statements answer like
// fresh ones: the same text run again with other arguments, run again while
// its first rows are still open, after the schema changed, and past the
// cache's size.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db := NewDB(filepath.Join(t.TempDir(), "s.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatalf("Open=%v", err)
	}
	defer db.Close()
	conn, err := db.w.Conn(ctx)
	if err != nil {
		t.Fatalf("Conn=%v", err)
	}
	defer conn.Close()
	const list = `SELECT value FROM json_each(?) ORDER BY value`
	values := func(t *testing.T, arg string) []int {
		t.Helper()
		rows, err := conn.QueryContext(ctx, list, arg)
		if err != nil {
			t.Fatalf("Query(%s)=%v", arg, err)
		}
		defer rows.Close()
		var got []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatalf("Scan=%v", err)
			}
			got = append(got, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("rows=%v", err)
		}
		return got
	}

	t.Run("SameTextOtherArguments", func(t *testing.T) {
		for _, tt := range []struct {
			arg  string
			want []int
		}{{"[3,1,2]", []int{1, 2, 3}}, {"[]", nil}, {"[7]", []int{7}}} {
			if got := values(t, tt.arg); !slices.Equal(got, tt.want) {
				t.Fatalf("values(%s)=%v, want %v", tt.arg, got, tt.want)
			}
		}
	})

	t.Run("AgainWhileRowsOpen", func(t *testing.T) {
		outer, err := conn.QueryContext(ctx, list, "[1,2]")
		if err != nil {
			t.Fatalf("Query=%v", err)
		}
		defer outer.Close()
		var pairs []string
		for outer.Next() {
			var a int
			if err := outer.Scan(&a); err != nil {
				t.Fatalf("Scan=%v", err)
			}
			for _, b := range values(t, "[10,20]") {
				pairs = append(pairs, fmt.Sprint(a, b))
			}
		}
		if err := outer.Err(); err != nil {
			t.Fatalf("outer=%v", err)
		}
		if want := []string{"1 10", "1 20", "2 10", "2 20"}; !slices.Equal(pairs, want) {
			t.Fatalf("pairs=%v, want %v", pairs, want)
		}
	})

	t.Run("SchemaChange", func(t *testing.T) {
		const count = `SELECT count(*) FROM cache_probe`
		mustExec(t, conn, `CREATE TABLE cache_probe (a INTEGER)`)
		mustExec(t, conn, `INSERT INTO cache_probe VALUES (1), (2)`)
		var n int
		if err := conn.QueryRowContext(ctx, count).Scan(&n); err != nil || n != 2 {
			t.Fatalf("count=%d, %v, want 2", n, err)
		}
		mustExec(t, conn, `ALTER TABLE cache_probe ADD COLUMN b TEXT`)
		mustExec(t, conn, `INSERT INTO cache_probe VALUES (3, 'x')`)
		if err := conn.QueryRowContext(ctx, count).Scan(&n); err != nil || n != 3 {
			t.Fatalf("count after ALTER=%d, %v, want 3", n, err)
		}
	})

	t.Run("PastTheCacheSize", func(t *testing.T) {
		for i := range maxCachedStmts + 10 {
			var got int
			if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&got); err != nil || got != i {
				t.Fatalf("SELECT %d=%d, %v", i, got, err)
			}
		}
		if got := values(t, "[5]"); !slices.Equal(got, []int{5}) {
			t.Fatalf("values([5])=%v after filling the cache", got)
		}
	})
}

func mustExec(t *testing.T, conn *sql.Conn, query string) {
	t.Helper()
	if _, err := conn.ExecContext(context.Background(), query); err != nil {
		t.Fatalf("Exec(%s)=%v", query, err)
	}
}
