package auth

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// normHostPort lower-cases host:port and drops the scheme's default port.
func normHostPort(scheme, hostport string) string {
	hostport = strings.ToLower(hostport)
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if (scheme == "http" || scheme == "ws") && port == "80" || (scheme == "https" || scheme == "wss") && port == "443" {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return hostport
}

// normOrigin renders an origin as scheme://host[:port] with the default port
// dropped; ok is false for anything that is not a bare origin.
func normOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme + "://" + normHostPort(scheme, u.Host), true
}

// sameOrigin compares two origins after normalising.
func sameOrigin(a, b string) bool {
	na, ok1 := normOrigin(a)
	nb, ok2 := normOrigin(b)
	return ok1 && ok2 && na == nb
}

// isSameDomain is Django's is_same_domain: a pattern starting with "."
// matches the domain and its subdomains, any other pattern matches exactly.
func isSameDomain(host, pattern string) bool {
	if pattern == "" {
		return false
	}
	pattern = strings.ToLower(pattern)
	if pattern[0] == '.' {
		return strings.HasSuffix(host, pattern) || host == pattern[1:]
	}
	return host == pattern
}

// hostAllowed reports whether a hostname (no port) matches AllowedHosts.
func (s *Service) hostAllowed(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	alt := host
	if strings.Contains(host, ":") {
		alt = "[" + host + "]"
	}
	for _, p := range s.cfg.AllowedHosts {
		if p == "*" || isSameDomain(host, p) || isSameDomain(alt, p) {
			return true
		}
	}
	return false
}

// OriginAllowed is the WebSocket Origin rule (docs/auth.md, Origin of
// WebSocket handshakes): the Origin is
// present and a bare origin whose hostname matches AllowedHosts (any scheme
// and port; "*" allows all, ".example.com" a domain and its subdomains), or
// equals a TrustedOrigins entry. Look-alikes such as
// http://localhost.evil.com or evil.com/localhost are refused.
func (s *Service) OriginAllowed(origin string) bool {
	if origin == "" {
		return false
	}
	if _, ok := normOrigin(origin); !ok {
		return false
	}
	u, _ := url.Parse(origin)
	if h := u.Hostname(); h != "" && s.hostAllowed(h) {
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
				return false
			}
		}
		return true
	}
	return s.trustedOrigin(origin)
}

// corsAllowed reports whether origin is in CORSOrigins.
func (s *Service) corsAllowed(origin string) bool {
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" || sameOrigin(origin, o) {
			return true
		}
	}
	return false
}

// CORS answers preflights and adds the credentialed CORS headers of
// django-cors-headers for allowed origins (docs/auth.md, CORS). Every response
// varies on origin.
func (s *Service) CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		addVary(h, "origin")
		origin := r.Header.Get("Origin")
		allowed := origin != "" && s.corsAllowed(origin)
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				h.Set("Access-Control-Allow-Headers", "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with")
				h.Set("Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT")
				h.Set("Access-Control-Max-Age", "86400")
			}
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SecurityHeaders adds the headers Django put on every response, and HSTS
// when the site is on HTTPS.
func (s *Service) SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
