package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

//go:embed dist/react.production.min.js dist/react-dom.production.min.js dist/graphiql.min.js dist/graphiql.min.css page.js
var files embed.FS

// page is the built page and its Content-Security-Policy.
var page struct {
	once sync.Once
	html []byte
	csp  string
}

// build inlines the stylesheet and the scripts into one page, so it needs
// no other request, and allows exactly those scripts by their hashes.
func build() {
	read := func(name string) []byte {
		b, err := files.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("graphiql: embedded %s: %v", name, err)) // embedded at build time
		}
		return b
	}
	var buf bytes.Buffer
	buf.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	buf.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	// No favicon request: the page asks the server for nothing else.
	buf.WriteString("<link rel=\"icon\" href=\"data:,\">\n")
	buf.WriteString("<title>EduSphere GraphQL</title>\n<style>\nhtml, body, #graphiql { height: 100%; margin: 0; }\n")
	buf.Write(read("dist/graphiql.min.css"))
	buf.WriteString("\n</style>\n</head>\n<body>\n<div id=\"graphiql\">Loading GraphiQL…</div>\n")
	var hashes []string
	for _, name := range []string{"dist/react.production.min.js", "dist/react-dom.production.min.js", "dist/graphiql.min.js", "page.js"} {
		js := read(name)
		if bytes.Contains(js, []byte("</script")) {
			panic("graphiql: " + name + " cannot be inlined: it contains </script")
		}
		sum := sha256.Sum256(js)
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		buf.WriteString("<script>")
		buf.Write(js)
		buf.WriteString("</script>\n")
	}
	buf.WriteString("</body>\n</html>\n")
	page.html = buf.Bytes()
	// GraphiQL and its editors set inline styles, and its fonts and icons
	// are data: URLs; requests go only to this origin.
	page.csp = "default-src 'none'; script-src " + strings.Join(hashes, " ") +
		"; style-src 'unsafe-inline'; img-src 'self' data:; font-src data:; connect-src 'self'" +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// ServeHTTP writes the page.
func ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page.once.Do(build)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", page.csp)
	h.Set("Content-Length", strconv.Itoa(len(page.html)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(page.html)
	}
}
