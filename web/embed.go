package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// embedded holds the client as it was when the binary was built.
//
//go:embed static
var embedded embed.FS

// devDir, when set by a -tags dev build, is the directory static/ is read
// from on every request instead of the embedded copy.
var devDir string

// Handler returns the handler for the client, to be mounted at "/". It
// answers GET and HEAD only: static files with their content types,
// index.html for deep links and "/", and 404 for unknown files.
func Handler() http.Handler {
	if devDir != "" {
		return &handler{load: func() (*site, error) { return loadSite(diskFS(devDir), true) }}
	}
	sub, err := fs.Sub(embedded, "static")
	if err != nil {
		panic("web: embedded static directory missing: " + err.Error())
	}
	s, err := loadSite(sub, false)
	if err != nil {
		panic("web: load embedded client: " + err.Error())
	}
	return &handler{load: func() (*site, error) { return s, nil }}
}

// Dev reports whether this is a -tags dev build, which reads static/ from
// disk on every request and sends every file with Cache-Control: no-cache.
func Dev() bool { return devDir != "" }
