package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/edusphere/edusphere/web"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

func TestHandler_Pages(t *testing.T) {
	h := web.Handler()
	index := body(t, get(t, h, http.MethodGet, "/", nil))
	if !strings.Contains(index, `<script type="importmap">`) {
		t.Fatalf("index has no import map:\n%s", index)
	}
	for _, tc := range []struct{ name, path string }{
		{"OK", "/"},
		{"DeepLinkRoom", "/u/alice/algebra-basics"},
		{"DeepLinkRoomEdit", "/u/alice/algebra-basics/edit"},
		{"DeepLinkProfile", "/u/alice"},
		{"Login", "/login"},
		{"QueryString", "/?q=math&topic=Math"},
		{"IndexHTML", "/index.html"},
		{"UnknownRoute", "/no/such/page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tc.path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("Status=%v, want %v", res.StatusCode, http.StatusOK)
			}
			if got, want := res.Header.Get("Content-Type"), "text/html; charset=utf-8"; got != want {
				t.Fatalf("Content-Type=%q, want %q", got, want)
			}
			if got, want := res.Header.Get("Cache-Control"), "no-cache"; got != want {
				t.Fatalf("Cache-Control=%q, want %q", got, want)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'sha256-") {
				t.Fatalf("Content-Security-Policy=%q, want script hash", csp)
			}
			if got := body(t, res); got != index {
				t.Fatalf("body differs from index.html")
			}
		})
	}
}

func TestHandler_Assets(t *testing.T) {
	h := web.Handler()
	for _, tc := range []struct{ name, path, ctype string }{
		{"JS", "/assets/js/main.js", "text/javascript; charset=utf-8"},
		{"NestedJS", "/assets/js/pages/room.js", "text/javascript; charset=utf-8"},
		{"CSS", "/assets/app.css", "text/css; charset=utf-8"},
		{"DefaultAvatar", "/default.svg", "image/svg+xml"},
		{"Favicon", "/favicon.svg", "image/svg+xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tc.path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("Status=%v, want %v", res.StatusCode, http.StatusOK)
			}
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Fatalf("Content-Type=%q, want %q", got, tc.ctype)
			}
			if got, want := res.Header.Get("X-Content-Type-Options"), "nosniff"; got != want {
				t.Fatalf("X-Content-Type-Options=%q, want %q", got, want)
			}
			want := "public, max-age=3600" // a short cache for an unversioned URL
			if web.Dev() {
				want = "no-cache"
			}
			if got := res.Header.Get("Cache-Control"); got != want {
				t.Fatalf("Cache-Control=%q, want %q", got, want)
			}
			if b := body(t, res); len(b) == 0 {
				t.Fatalf("empty body")
			}
		})
	}
}

func TestHandler_VersionedAssets(t *testing.T) {
	h := web.Handler()
	index := body(t, get(t, h, http.MethodGet, "/", nil))
	m := regexp.MustCompile(`"/assets/js/main\.js\?v=([0-9a-f]+)"`).FindStringSubmatch(index)
	if m == nil {
		t.Fatalf("index does not reference a hashed main.js:\n%s", index)
	}
	if !strings.Contains(index, `"/assets/js/pages/room.js":"/assets/js/pages/room.js?v=`) {
		t.Fatalf("import map does not version nested modules:\n%s", index)
	}

	t.Run("OK", func(t *testing.T) {
		res := get(t, h, http.MethodGet, "/assets/js/main.js?v="+m[1], nil)
		want := "public, max-age=31536000, immutable"
		if web.Dev() {
			want = "no-cache"
		}
		if got := res.Header.Get("Cache-Control"); got != want {
			t.Fatalf("Cache-Control=%q, want %q", got, want)
		}
	})
	t.Run("StaleHash", func(t *testing.T) {
		res := get(t, h, http.MethodGet, "/assets/js/main.js?v=0000000000000000", nil)
		if got := res.Header.Get("Cache-Control"); strings.Contains(got, "immutable") {
			t.Fatalf("Cache-Control=%q for a hash that is not the file's", got)
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		res := get(t, h, http.MethodGet, "/assets/js/main.js", map[string]string{"If-None-Match": `"` + m[1] + `"`})
		if res.StatusCode != http.StatusNotModified {
			t.Fatalf("Status=%v, want %v", res.StatusCode, http.StatusNotModified)
		}
	})
}

func TestHandler_NotFound(t *testing.T) {
	h := web.Handler()
	for _, tc := range []struct{ name, path string }{
		{"UnknownAsset", "/assets/js/nope.js"},
		{"UnknownAssetNoExt", "/assets/nope"},
		{"UnknownFile", "/nope.png"},
		{"DotInLastSegment", "/u/alice/room.php"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tc.path, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("Status=%v, want %v", res.StatusCode, http.StatusNotFound)
			}
		})
	}
}

func TestHandler_Methods(t *testing.T) {
	h := web.Handler()
	t.Run("Head", func(t *testing.T) {
		res := get(t, h, http.MethodHead, "/assets/app.css", nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("Status=%v, want %v", res.StatusCode, http.StatusOK)
		}
		if b := body(t, res); b != "" {
			t.Fatalf("HEAD body=%q, want empty", b)
		}
	})
	t.Run("ErrPost", func(t *testing.T) {
		res := get(t, h, http.MethodPost, "/", nil)
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("Status=%v, want %v", res.StatusCode, http.StatusMethodNotAllowed)
		}
		if got, want := res.Header.Get("Allow"), "GET, HEAD"; got != want {
			t.Fatalf("Allow=%q, want %q", got, want)
		}
	})
}
