package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/config"
	"github.com/edusphere/edusphere/django"
)

// importFlags are import-django's flags.
type importFlags struct {
	from string // --from, the original's PostgreSQL URL
}

// importTimeout bounds a whole import; a database of millions of messages
// takes minutes.
const importTimeout = 2 * time.Hour

// importDjango copies the original's users, topics, rooms, participants and
// messages into the configured database (docs/operations.md, "Importing
// from the original") and prints what it read and added per table.
func (m *Main) importDjango(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, importTimeout)
	defer cancel()
	from := config.RedactURL(m.imp.from)
	if !strings.HasPrefix(m.imp.from, "postgres://") && !strings.HasPrefix(m.imp.from, "postgresql://") {
		return fmt.Errorf("--from %s: want the original's postgres://user:password@host:5432/name", from)
	}
	src, err := django.Open(ctx, m.imp.from)
	if err != nil {
		return fmt.Errorf("open the original's database %s: %w", from, err)
	}
	defer src.Close()

	db, err := m.openDB(ctx)
	if err != nil {
		return err
	}
	m.app = &app{log: m.Logger, db: db}
	if err := m.migrateDB(ctx, db); err != nil {
		return err
	}
	imp, ok := db.(edusphere.Importer)
	if !ok {
		return errors.New("this database cannot import")
	}
	seen := &userNotes{schemes: map[string]int{}}
	counts, err := imp.Import(ctx, &notingSource{ImportSource: src, notes: seen})
	if err != nil {
		if edusphere.ErrorCode(err) != edusphere.EINTERNAL {
			return fmt.Errorf("import from %s (nothing was written): %s", from, edusphere.ErrorMessage(err))
		}
		return fmt.Errorf("import from %s (nothing was written): %w", from, err)
	}

	w := m.Stdout
	fmt.Fprintf(w, "Imported from %s into the %s database:\n", from, m.Config.DatabaseKind())
	for _, row := range []struct {
		table string
		c     edusphere.ImportCount
	}{
		{"core_user", counts.Users},
		{"core_topic", counts.Topics},
		{"core_room", counts.Rooms},
		{"core_room_participants", counts.Participants},
		{"core_message", counts.Messages},
	} {
		fmt.Fprintf(w, "  %-24s %8d read %8d new\n", row.table, row.c.Read, row.c.New)
	}
	seen.report(w, m.Config.MediaPath())
	return nil
}

// notingSource passes the original's rows through, noting what the
// operator should hear about: password schemes and avatar files.
type notingSource struct {
	edusphere.ImportSource
	notes *userNotes
}

func (s *notingSource) ImportUsers(ctx context.Context, fn func(*edusphere.User) error) error {
	return s.ImportSource.ImportUsers(ctx, func(u *edusphere.User) error {
		s.notes.note(u)
		return fn(u)
	})
}

// userNotes counts the users whose password nobody can log in with here,
// by scheme, and lists the avatar names.
type userNotes struct {
	schemes map[string]int
	avatars []string
}

func (n *userNotes) note(u *edusphere.User) {
	if scheme, ok := auth.PasswordScheme(u.Password); !ok {
		n.schemes[scheme]++
	}
	if u.Avatar != "" {
		n.avatars = append(n.avatars, u.Avatar)
	}
}

// report prints a note for password hashes this server cannot check and
// for avatars missing from the media directory.
func (n *userNotes) report(w interface{ Write([]byte) (int, error) }, media string) {
	if len(n.schemes) > 0 {
		var parts []string
		for s, c := range n.schemes {
			parts = append(parts, fmt.Sprintf("%d %s", c, s))
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "Note: password hashes in schemes this server cannot check (%s): those users cannot log in with a password.\n",
			strings.Join(parts, ", "))
	}
	missing := 0
	for _, a := range n.avatars {
		clean := filepath.Clean(filepath.FromSlash(a))
		if strings.HasPrefix(clean, "..") || filepath.IsAbs(clean) {
			missing++
			continue
		}
		if _, err := os.Stat(filepath.Join(media, clean)); errors.Is(err, fs.ErrNotExist) {
			missing++
		}
	}
	if missing > 0 {
		fmt.Fprintf(w, "Note: %d of %d avatars are not in %s yet: copy the original's media directory there (for example cp -r old/media/avatars %s/).\n",
			missing, len(n.avatars), media, media)
	}
}
