package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
)

func TestStore(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *testdb.Handle { return testdb.SQLite(t) })
	})
	t.Run("File", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *testdb.Handle {
			return testdb.OpenSQLite(t, filepath.Join(t.TempDir(), "edusphere.db"))
		})
	})
}

// TestShared runs the two-process checks on two DBs opening one file.
func TestShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edusphere.db")
	storetest.RunShared(t, testdb.OpenSQLite(t, path), testdb.OpenSQLite(t, path))
}
