package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
)

func TestStore(t *testing.T) {
	store := func(h *testdb.Handle) *storetest.Store {
		return &storetest.Store{Services: h.Services, Clock: h.Clock, StatementCount: h.StatementCount}
	}
	t.Run("Memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *storetest.Store { return store(testdb.SQLite(t)) })
	})
	t.Run("File", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *storetest.Store {
			return store(testdb.OpenSQLite(t, filepath.Join(t.TempDir(), "edusphere.db")))
		})
	})
}
