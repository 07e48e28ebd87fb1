package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/edusphere/edusphere/storetest"
	"github.com/edusphere/edusphere/testdb"
)

func TestStore(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *storetest.Store { return testdb.SQLite(t).Store() })
	})
	t.Run("File", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *storetest.Store {
			return testdb.OpenSQLite(t, filepath.Join(t.TempDir(), "edusphere.db")).Store()
		})
	})
}

// TestShared runs the two-process checks on two DBs opening one file.
func TestShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edusphere.db")
	storetest.RunShared(t, testdb.OpenSQLite(t, path).Store(), testdb.OpenSQLite(t, path).Store())
}
