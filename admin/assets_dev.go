//go:build dev

package admin

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// init points the admin at the directory of this source file, so template
// and stylesheet edits show up on the next reload.
func init() {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return
	}
	devDir = filepath.Dir(file)
}

func diskFS(dir string) fs.FS { return os.DirFS(dir) }
