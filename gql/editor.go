package gql

import (
	_ "embed"
	"net/http"
)

// editorPage is a self-contained query editor for debug mode: no CDN, no
// external script. It sends X-CSRFToken from the csrftoken cookie, as the
// original's GraphiQL page did.
//
//go:embed editor.html
var editorPage []byte

// serveEditor writes the query editor.
func serveEditor(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(editorPage)
}
