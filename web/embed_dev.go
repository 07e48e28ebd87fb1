//go:build dev

package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// init points the handler at the static/ directory beside this source file,
// so edits to the client show up on the next reload.
func init() {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return
	}
	devDir = filepath.Join(filepath.Dir(file), "static")
}

func diskFS(dir string) fs.FS { return os.DirFS(dir) }
