package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
)

// Backup writes a consistent copy of the open database to path, which must
// not exist yet (docs/operations.md, "Backups"). It runs VACUUM INTO on a
// connection of its own: the copy is one read snapshot, taken while other
// connections and processes go on writing (WAL lets readers and the writer
// proceed together), and comes out compacted. The copy is written to a
// temporary file beside path, checked with PRAGMA integrity_check, synced,
// and renamed into place, so path never holds a partial copy.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.w == nil {
		return errors.New("backup: db not open")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	if err := db.vacuumInto(ctx, tmpName); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkIntegrity(ctx, tmpName); err != nil {
		return fmt.Errorf("backup: check the copy: %w", err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		// A link never replaces an existing file: a path created since
		// the check above is not overwritten.
		return fmt.Errorf("backup: %w", err)
	}
	done = true
	os.Remove(tmpName)
	if err := syncFile(filepath.Dir(path)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// vacuumInto copies the database into the empty file dst.
func (db *DB) vacuumInto(ctx context.Context, dst string) error {
	sep := "?"
	if strings.Contains(db.base, "?") {
		sep = "&"
	}
	c, err := sqlite.NewConnector(db.base + sep + fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout))
	if err != nil {
		return err
	}
	conn := sql.OpenDB(c)
	defer conn.Close()
	db.count.Add(1)
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("vacuum into: %w", err)
	}
	return nil
}

// checkIntegrity opens the SQLite file at path read-only and runs PRAGMA
// integrity_check.
func checkIntegrity(ctx context.Context, path string) error {
	c, err := sqlite.NewConnector("file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro")
	if err != nil {
		return err
	}
	conn := sql.OpenDB(c)
	defer conn.Close()
	var result string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return fmt.Errorf("integrity_check: %s", result)
	}
	return nil
}

// syncFile flushes a file or directory to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
