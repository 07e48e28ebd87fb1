package postgres_test

import (
	"testing"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
)

// BenchmarkStore runs the store benchmarks, each database fresh on the
// test server: go test -run '^$' -bench . ./postgres/
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) *storetest.Store { return testdb.Postgres(tb).Store() })
}
