package admin

import (
	"embed"
	"io/fs"
)

// embedded holds the templates and the stylesheet as they were at build time.
//
//go:embed templates static
var embedded embed.FS

// devDir, when set by a -tags dev build, is the directory templates/ and
// static/ are read from on every request instead of the embedded copy.
var devDir string

// assets returns the file system templates and static files come from.
func assets() fs.FS {
	if devDir != "" {
		return diskFS(devDir)
	}
	return embedded
}
