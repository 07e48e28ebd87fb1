package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/edusphere/edusphere/config"
	"github.com/edusphere/edusphere/sqlite"
)

// runBackup writes a consistent copy of the SQLite database to m.backup
// (docs/operations.md, "Backups"). For PostgreSQL it fails with the
// pg_dump command that does the job.
func (m *Main) runBackup(ctx context.Context) error {
	c := m.Config
	if c.PostgresURL != "" {
		return fmt.Errorf("the database is PostgreSQL: back it up with pg_dump, for example "+
			"pg_dump --format=custom --file=%q %q (the password from PGPASSWORD or ~/.pgpass); restore with pg_restore --clean --dbname=…",
			m.backup, config.RedactURL(c.PostgresURL))
	}
	if _, err := os.Stat(c.SQLitePath); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s (set DATABASE_URL or --data-dir)", c.SQLitePath)
	} else if err != nil {
		return err
	}
	db := sqlite.NewDB(c.SQLitePath)
	m.app = &app{log: m.Logger, db: db}
	if err := db.Open(ctx); err != nil {
		return fmt.Errorf("open sqlite database %s: %w", c.SQLitePath, err)
	}
	if err := db.Backup(ctx, m.backup); err != nil {
		return err
	}
	fi, err := os.Stat(m.backup)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Backed up %s to %s (%d bytes).\n", c.SQLitePath, m.backup, fi.Size())
	return nil
}
