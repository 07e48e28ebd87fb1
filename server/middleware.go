package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID takes a well-formed X-Request-ID from the client (a proxy's),
// or makes one, puts it in the context and echoes it in the response.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recoverer turns a panic anywhere in the handler tree into one error log
// line with the request id and a 500; the client sees only the generic
// error page, never the panic or the stack. A panic after the status was
// sent cannot change it: the connection is then cut, so the client sees a
// broken response rather than a complete 2xx.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw, ok := w.(*responseWriter)
		if !ok {
			rw = &responseWriter{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				// The handler asked to abort the response; net/http handles it quietly.
				panic(v)
			}
			stack := debug.Stack()
			// A handler that caught a panic elsewhere (a resolver's) and
			// panicked again with it carries the original stack.
			if ps, ok := v.(interface{ PanicStack() []byte }); ok && len(ps.PanicStack()) > 0 {
				stack = ps.PanicStack()
			}
			s.logger().Error("panic serving request",
				"method", r.Method, "path", r.URL.Path,
				"request_id", RequestID(r.Context()),
				"panic", fmt.Sprint(v), "stack", string(stack))
			switch {
			case rw.hijacked:
			case rw.wroteHeader:
				panic(http.ErrAbortHandler)
			default:
				ServerError(rw, r)
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

// observe logs one line per request and feeds the HTTP metrics. It logs
// the path only: query strings may carry tokens, and cookies never appear.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw, ok := w.(*responseWriter)
		if !ok {
			rw = &responseWriter{ResponseWriter: w}
		}
		defer func() {
			d := time.Since(start)
			status := rw.status()
			route := routeOf(r.URL.Path)
			s.metrics.observe(route, r.Method, status, d, rw.hijacked)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.logger().LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rw.bytes),
				slog.Duration("duration", d),
				slog.String("request_id", RequestID(r.Context())),
			)
		}()
		next.ServeHTTP(rw, r)
	})
}

// hostCheck answers 400 "Bad Request (400)" to a Host not in allowed,
// ignoring the port, as Django's ALLOWED_HOSTS does.
func hostCheck(allowed []string, log *slog.Logger, next http.Handler) http.Handler {
	if len(allowed) == 0 {
		allowed = []string{"localhost", "127.0.0.1"}
	}
	patterns := make([]string, 0, len(allowed))
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "*" {
			return next
		}
		patterns = append(patterns, strings.TrimSuffix(a, "."))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isOpsPath(r.URL.Path) || hostAllowed(r.Host, patterns) {
			next.ServeHTTP(w, r)
			return
		}
		log.Warn("invalid Host header", "host", r.Host, "path", r.URL.Path, "request_id", RequestID(r.Context()))
		BadRequest(w, r)
	})
}

// isOpsPath tells the operational endpoints, which load balancers and
// probes reach by address, so they pass the Host check.
func isOpsPath(p string) bool { return p == "/healthz" || p == "/readyz" || p == "/metrics" }

// hostAllowed matches host (port dropped, case folded) against the patterns.
func hostAllowed(host string, patterns []string) bool {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	} else if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return false
	}
	for _, p := range patterns {
		if p == h {
			return true
		}
		if strings.HasPrefix(p, ".") && (h == p[1:] || strings.HasSuffix(h, p)) {
			return true
		}
	}
	return false
}

// responseWriter records the status and size and keeps the optional
// interfaces (Flush, Hijack, Unwrap) that WebSockets and streaming need.
type responseWriter struct {
	http.ResponseWriter
	code        int
	bytes       int64
	wroteHeader bool
	hijacked    bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.code, w.wroteHeader = code, true
	} else if !w.wroteHeader && code == http.StatusSwitchingProtocols {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *responseWriter) Flush() {
	if !w.wroteHeader {
		w.code, w.wroteHeader = http.StatusOK, true
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
		if w.code == 0 {
			w.code = http.StatusSwitchingProtocols
		}
	} else if errors.Is(err, http.ErrNotSupported) {
		err = fmt.Errorf("hijack: %w", err)
	}
	return conn, rw, err
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status is the recorded status; a handler that wrote nothing sent 200.
func (w *responseWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// realClient sets r.RemoteAddr to the client's address when the request
// comes from a trusted proxy: walking X-Forwarded-For from the right, the
// first address that is not a trusted proxy. Each proxy appends the address
// it received the request from, so only the entries our own proxies added
// can be believed; anything left of them came from the client. A missing
// or malformed header leaves RemoteAddr alone.
func realClient(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			if !isTrusted(a) {
				// The request is ours until next runs: set it in place.
				r.RemoteAddr = netip.AddrPortFrom(a.Unmap(), 0).String()
				break
			}
		}
		next.ServeHTTP(w, r)
	})
}
