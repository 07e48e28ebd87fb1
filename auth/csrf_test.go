package auth

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// csrfServer serves h behind SecurityHeaders → CORS → CSRF → Middleware and
// returns its URL; log records go to logs.
func csrfServer(t *testing.T, s *Service, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s.SecurityHeaders(s.CORS(s.CSRF(s.Middleware(h)))))
	t.Cleanup(srv.Close)
	return srv
}

func newLoggedService(t *testing.T, cfg Config) (*Service, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if cfg.SigningKey == nil {
		cfg.SigningKey = []byte("signing-key")
	}
	if cfg.SecretKey == nil {
		cfg.SecretKey = []byte("secret-key")
	}
	return New(cfg, nil, nil), &logs
}

var csrfCookieRe = regexp.MustCompile(`^csrftoken=([A-Za-z0-9]{32}); expires=[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT; Max-Age=31449600; Path=/; SameSite=Lax$`)

// csrfFrom returns the csrftoken value set by resp.
func csrfFrom(t *testing.T, resp *http.Response) string {
	t.Helper()
	for _, line := range resp.Header.Values("Set-Cookie") {
		if m := csrfCookieRe.FindStringSubmatch(line); m != nil {
			return m[1]
		}
	}
	t.Fatalf("Set-Cookie=%q, want a csrftoken cookie with Django's attributes", resp.Header.Values("Set-Cookie"))
	return ""
}

func do(t *testing.T, method, u string, hdr map[string]string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestCSRF(t *testing.T) {
	s, logs := newLoggedService(t, Config{})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "done") })
	mux := http.NewServeMux()
	mux.Handle("/api/csrf/", s.CSRFHandler())
	mux.Handle("/graphql/", ok)
	mux.Handle("/other/", ok)
	srv := csrfServer(t, s, mux)

	resp := do(t, "GET", srv.URL+"/api/csrf/", nil, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != `{"SetCsrfToken": "X-CSRFToken"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/csrf/=%d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	if v := resp.Header.Get("Vary"); v != "Cookie, origin" {
		t.Fatalf("Vary=%q, want %q", v, "Cookie, origin")
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin", "Strict-Transport-Security": ""} {
		if got := resp.Header.Get(h); got != want {
			t.Fatalf("%s=%q, want %q", h, got, want)
		}
	}
	token := csrfFrom(t, resp)
	cookie := "csrftoken=" + token

	t.Run("HeadNoBody", func(t *testing.T) {
		resp := do(t, "HEAD", srv.URL+"/api/csrf/", map[string]string{"Cookie": cookie}, nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || len(b) != 0 || csrfFrom(t, resp) != token {
			t.Fatalf("HEAD=%d body %q; want 200, no body, same token", resp.StatusCode, b)
		}
	})
	t.Run("KeepsValidCookie", func(t *testing.T) {
		resp := do(t, "GET", srv.URL+"/graphql/", map[string]string{"Cookie": cookie}, nil)
		if got := csrfFrom(t, resp); got != token {
			t.Fatalf("csrftoken=%q, want the same %q", got, token)
		}
	})
	t.Run("ForgedCookieReplaced", func(t *testing.T) {
		forged := "csrftoken=" + strings.Repeat("a", 32)
		resp := do(t, "GET", srv.URL+"/graphql/", map[string]string{"Cookie": forged}, nil)
		if got := csrfFrom(t, resp); got == strings.Repeat("a", 32) {
			t.Fatalf("csrftoken kept a cookie the server did not sign")
		}
	})
	t.Run("NoCookieOnOtherPaths", func(t *testing.T) {
		resp := do(t, "GET", srv.URL+"/other/", nil, nil)
		if v := resp.Header.Values("Set-Cookie"); len(v) != 0 {
			t.Fatalf("Set-Cookie=%q on /other/, want none", v)
		}
	})

	masked := maskCSRF(token)
	for _, tt := range []struct {
		name   string
		path   string
		hdr    map[string]string
		body   string
		status int
		reason string
	}{
		{"OK", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": token}, "", 200, ""},
		{"OKMasked", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": masked}, "", 200, ""},
		{"OKSameOrigin", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": token, "Origin": srv.URL}, "", 200, ""},
		{"OKTrustedOrigin", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": token, "Origin": "http://localhost:80"}, "", 200, ""},
		{"OKFormField", "/other/", map[string]string{"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, "csrfmiddlewaretoken=" + url.QueryEscape(masked), 200, ""},
		{"ErrNoCookie", "/graphql/", map[string]string{"X-CSRFToken": token}, "", 403, "CSRF cookie not set."},
		{"ErrForgedCookie", "/graphql/", map[string]string{"Cookie": "csrftoken=" + strings.Repeat("b", 32), "X-CSRFToken": strings.Repeat("b", 32)}, "", 403, "CSRF cookie not set."},
		{"ErrShortCookie", "/graphql/", map[string]string{"Cookie": "csrftoken=abc", "X-CSRFToken": token}, "", 403, "CSRF cookie has incorrect length."},
		{"ErrMissing", "/graphql/", map[string]string{"Cookie": cookie}, "", 403, "CSRF token missing."},
		{"ErrWrong", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": newCSRFSecret(s.csrfKey)}, "", 403, "CSRF token from the 'X-Csrftoken' HTTP header incorrect."},
		{"ErrLength", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": "undefined"}, "", 403, "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length."},
		{"ErrChars", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": strings.Repeat("!", 32)}, "", 403, "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters."},
		{"ErrFormOverLimit", "/other/", map[string]string{"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, "csrfmiddlewaretoken=" + url.QueryEscape(masked) + "&pad=" + strings.Repeat("a", csrfFormMaxBytes), 403, "CSRF token missing."},
		{"ErrFormWrong", "/other/", map[string]string{"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, "csrfmiddlewaretoken=" + newCSRFSecret(s.csrfKey), 403, "CSRF token from POST incorrect."},
		{"ErrCrossOrigin", "/graphql/", map[string]string{"Cookie": cookie, "X-CSRFToken": token, "Origin": "http://evil.com"}, "", 403, "Origin checking failed - http://evil.com does not match any trusted origins."},
		{"ErrOtherPort", "/graphql/", map[string]string{"Host": "localhost", "Cookie": cookie, "X-CSRFToken": token, "Origin": "http://localhost:5173"}, "", 403, "Origin checking failed - http://localhost:5173 does not match any trusted origins."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			resp := do(t, "POST", srv.URL+tt.path, tt.hdr, strings.NewReader(tt.body))
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status=%d, want %d (body %q, log %q)", resp.StatusCode, tt.status, b, logs.String())
			}
			if tt.status == 403 {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Fatalf("Content-Type=%q, want text/html", ct)
				}
				want := "Forbidden (" + tt.reason + "): " + tt.path
				if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), want) {
					t.Fatalf("log=%q, want a WARN %q", logs.String(), want)
				}
				if strings.Contains(logs.String(), token) {
					t.Fatalf("log contains the CSRF token")
				}
				if tt.path == "/graphql/" {
					csrfFrom(t, resp) // the cookie is set on 4xx too
				}
			}
		})
	}
}

func TestCSRFSecretSigned(t *testing.T) {
	key := []byte("k")
	sec := newCSRFSecret(key)
	if csrfFormat(sec) != "" || !verifyCSRFSecret(key, sec) {
		t.Fatalf("newCSRFSecret=%q, want 32 alphanumerics that verify", sec)
	}
	if verifyCSRFSecret([]byte("other"), sec) {
		t.Fatalf("verifyCSRFSecret under another key=true, want false")
	}
	if got := unmaskCSRF(maskCSRF(sec)); got != sec {
		t.Fatalf("unmask(mask(s))=%q, want %q", got, sec)
	}
	// Django's unmasking: secret[i] = A[(idx(cipher[i]) - idx(mask[i])) mod 62].
	if got := unmaskCSRF(strings.Repeat("b", 32) + strings.Repeat("a", 32)); got != strings.Repeat("9", 32) {
		t.Fatalf("unmask=%q, want 32 '9'", got)
	}
}

func TestCORS(t *testing.T) {
	s, _ := newLoggedService(t, Config{})
	srv := csrfServer(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Run("PreflightAllowed", func(t *testing.T) {
		resp := do(t, "OPTIONS", srv.URL+"/graphql/", map[string]string{"Origin": "http://localhost", "Access-Control-Request-Method": "POST"}, nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || len(b) != 0 ||
			resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost" ||
			resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
			resp.Header.Get("Access-Control-Allow-Headers") != "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with" ||
			resp.Header.Get("Access-Control-Allow-Methods") != "DELETE, GET, OPTIONS, PATCH, POST, PUT" ||
			resp.Header.Get("Access-Control-Max-Age") != "86400" {
			t.Fatalf("preflight=%d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("PreflightOtherOrigin", func(t *testing.T) {
		resp := do(t, "OPTIONS", srv.URL+"/graphql/", map[string]string{"Origin": "http://evil.com", "Access-Control-Request-Method": "POST"}, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Fatalf("preflight=%d %v, want 200 without CORS headers", resp.StatusCode, resp.Header)
		}
	})
	t.Run("SimpleAllowed", func(t *testing.T) {
		resp := do(t, "GET", srv.URL+"/x", map[string]string{"Origin": "http://127.0.0.1"}, nil)
		if resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1" || !strings.Contains(resp.Header.Get("Vary"), "origin") {
			t.Fatalf("headers=%v", resp.Header)
		}
	})
}

func TestOriginAllowed(t *testing.T) {
	s := New(Config{AllowedHosts: []string{"localhost", "127.0.0.1", ".example.org"}, TrustedOrigins: []string{"https://app.test"}}, nil, nil)
	for _, tt := range []struct {
		origin string
		want   bool
	}{
		{"http://localhost", true},
		{"http://localhost:5173", true},
		{"https://127.0.0.1:8443", true},
		{"http://example.org", true},
		{"http://chat.example.org", true},
		{"https://app.test", true},
		{"", false},
		{"null", false},
		{"http://localhost.evil.com", false},
		{"evil.com/localhost", false},
		{"http://evil.com/localhost", false},
		{"http://evilexample.org", false},
		{"http://localhost@evil.com", false},
		{"https://app.test.evil", false},
	} {
		if got := s.OriginAllowed(tt.origin); got != tt.want {
			t.Fatalf("OriginAllowed(%q)=%v, want %v", tt.origin, got, tt.want)
		}
	}
	if !New(Config{AllowedHosts: []string{"*"}}, nil, nil).OriginAllowed("http://any.where:1") {
		t.Fatalf("OriginAllowed with * = false, want true")
	}
}

func TestSecurityHeadersHSTS(t *testing.T) {
	s, _ := newLoggedService(t, Config{SecureCookies: true})
	rec := httptest.NewRecorder()
	s.SecurityHeaders(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Fatalf("no HSTS with SecureCookies")
	}
}
