package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/edusphere/edusphere"
)

// Storage keeps media files under relative, slash-separated names such as
// "avatars/x.png".
type Storage interface {
	// Save stores everything r yields under name, replacing any file of
	// that name. Readers never see a partial file. Returns EINVALID for a
	// name that is not a clean relative path.
	Save(ctx context.Context, name string, r io.Reader) error

	// Open returns the file stored under name. Returns ENOTFOUND when there
	// is none, EINVALID for a bad name.
	Open(ctx context.Context, name string) (io.ReadCloser, error)

	// Delete removes the file stored under name; a missing file is not an
	// error. Returns EINVALID for a bad name.
	Delete(ctx context.Context, name string) error
}

// Dir is a Storage backed by a local directory.
type Dir struct {
	root string
}

var _ Storage = (*Dir)(nil)

// NewDir returns storage rooted at root. The directory is created on the
// first Save when it does not exist.
func NewDir(root string) *Dir { return &Dir{root: root} }

// Root returns the directory the files live in.
func (d *Dir) Root() string { return d.root }

// ValidName reports whether name is a clean relative path that stays under
// the storage root: no empty, "." or ".." segments, no leading slash, no
// backslash or NUL, and nothing a Windows path could read as a volume.
func ValidName(name string) bool {
	if name == "" || len(name) > 1024 || strings.ContainsAny(name, "\\\x00:") {
		return false
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// path returns the file path of name, or EINVALID.
func (d *Dir) path(name string) (string, error) {
	if !ValidName(name) {
		return "", edusphere.Errorf(edusphere.EINVALID, "Invalid file name.")
	}
	return filepath.Join(d.root, filepath.FromSlash(name)), nil
}

// Save writes r to a temporary file beside the destination, syncs it and
// renames it into place, so the file appears whole or not at all.
func (d *Dir) Save(ctx context.Context, name string, r io.Reader) (err error) {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create media directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("write media file: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("chmod media file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync media file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close media file: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("rename media file: %w", err)
	}
	return nil
}

// Open opens the file stored under name. Directories count as missing.
func (d *Dir) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, edusphere.Errorf(edusphere.ENOTFOUND, "File not found")
	} else if err != nil {
		return nil, fmt.Errorf("open media file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat media file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, edusphere.Errorf(edusphere.ENOTFOUND, "File not found")
	}
	return f, nil
}

// Delete removes the file stored under name.
func (d *Dir) Delete(ctx context.Context, name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete media file: %w", err)
	}
	return nil
}
