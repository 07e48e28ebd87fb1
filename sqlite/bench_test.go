package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
)

// BenchmarkStore runs the store benchmarks on database files, as the
// server uses them. The seeded databases are made only when a benchmark
// needing them runs: go test -run '^$' -bench . ./sqlite/
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) *storetest.Store {
		return testdb.OpenSQLite(tb, filepath.Join(tb.TempDir(), "bench.db")).Store()
	})
}
