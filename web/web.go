package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Cache lifetimes. Hashed URLs never change content; unhashed files (the
// default avatar, the favicon) may change between releases.
const (
	immutableCache = "public, max-age=31536000, immutable"
	shortCache     = "public, max-age=3600"
	noCache        = "no-cache"
)

// contentTypes lists the types the client ships; anything else falls back
// to the mime package.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
}

// file is one static file held in memory (the client is small).
type file struct {
	body  []byte
	ctype string
	hash  string // first 16 hex digits of the SHA-256 of body
	mod   time.Time
}

// site is the loaded client: every file plus the rendered index page.
type site struct {
	files map[string]*file // key: URL path, e.g. "/assets/js/main.js"
	index *file
	csp   string
	dev   bool
}

// assetRef matches quoted references to files under /assets/ in index.html.
var assetRef = regexp.MustCompile(`"(/assets/[^"?#]+)"`)

// loadSite reads every file of fsys and renders index.html: asset
// references get a ?v=<hash> suffix and an import map sends every module
// URL to its hashed form, so nested imports are versioned too.
func loadSite(fsys fs.FS, dev bool) (*site, error) {
	s := &site{files: map[string]*file{}, dev: dev}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		} else if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		var mod time.Time
		if info, err := d.Info(); err == nil {
			mod = info.ModTime()
		}
		sum := sha256.Sum256(body)
		s.files["/"+p] = &file{body: body, ctype: contentType(p), hash: hex.EncodeToString(sum[:8]), mod: mod}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk static files: %w", err)
	}
	raw, ok := s.files["/index.html"]
	if !ok {
		return nil, fmt.Errorf("index.html missing")
	}
	if err := s.renderIndex(raw.body); err != nil {
		return nil, fmt.Errorf("render index.html: %w", err)
	}
	return s, nil
}

// renderIndex builds the served index page and its Content-Security-Policy.
func (s *site) renderIndex(tmpl []byte) error {
	imports := map[string]string{}
	var paths []string
	for p := range s.files {
		if strings.HasPrefix(p, "/assets/js/") && (strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".mjs")) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		imports[p] = s.versioned(p)
	}
	mapJSON, err := json.Marshal(map[string]any{"imports": imports})
	if err != nil {
		return fmt.Errorf("marshal import map: %w", err)
	}
	sum := sha256.Sum256(mapJSON)
	scriptHash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"

	body := assetRef.ReplaceAllFunc(tmpl, func(m []byte) []byte {
		p := string(m[1 : len(m)-1])
		return []byte(strconv.Quote(s.versioned(p)))
	})
	marker := []byte("<!-- importmap -->")
	if !bytes.Contains(body, marker) {
		return fmt.Errorf("no %s marker", marker)
	}
	// The import map, then a preload for every module, so the browser
	// fetches the whole module graph in parallel instead of level by level.
	var tag bytes.Buffer
	tag.WriteString(`<script type="importmap">`)
	tag.Write(mapJSON)
	tag.WriteString("</script>")
	for _, p := range paths {
		fmt.Fprintf(&tag, "\n<link rel=\"modulepreload\" href=%q>", s.versioned(p))
	}
	body = bytes.Replace(body, marker, tag.Bytes(), 1)

	sumBody := sha256.Sum256(body)
	s.index = &file{body: body, ctype: contentTypes[".html"], hash: hex.EncodeToString(sumBody[:8])}
	s.csp = strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' " + scriptHash,
		"style-src 'self'",
		"img-src 'self' data: blob:",
		"connect-src 'self'",
		"font-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
	return nil
}

// versioned returns the hashed URL of a static file, or p itself when
// there is no such file.
func (s *site) versioned(p string) string {
	if f, ok := s.files[p]; ok {
		return p + "?v=" + f.hash
	}
	return p
}

func contentType(p string) string {
	ext := strings.ToLower(path.Ext(p))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// handler serves a site; load is called per request so a dev build can
// re-read the disk.
type handler struct {
	load func() (*site, error)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	s, err := h.load()
	if err != nil {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if p == "/index.html" {
		p = "/"
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if f, ok := s.files[p]; ok && p != "/" {
		cache := shortCache
		if v := r.URL.Query().Get("v"); v != "" && v == f.hash {
			cache = immutableCache
		}
		if s.dev {
			cache = noCache
		}
		s.serveFile(w, r, f, cache)
		return
	}
	if !isPagePath(p) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Security-Policy", s.csp)
	w.Header().Set("Referrer-Policy", "same-origin")
	s.serveFile(w, r, s.index, noCache)
}

// isPagePath reports whether p is a client route rather than a missing
// file: nothing under /assets/, and no dot in the last segment.
func isPagePath(p string) bool {
	if p == "/assets" || strings.HasPrefix(p, "/assets/") {
		return false
	}
	return !strings.Contains(path.Base(p), ".")
}

// serveFile writes f with its type, cache policy and a strong ETag, and
// answers a matching If-None-Match with 304.
func (s *site) serveFile(w http.ResponseWriter, r *http.Request, f *file, cache string) {
	etag := `"` + f.hash + `"`
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
}

func etagMatch(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "W/"))
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}
