//go:build !dev

package admin

import "io/fs"

// diskFS is never called in a production build: devDir stays empty.
func diskFS(dir string) fs.FS { return nil }
