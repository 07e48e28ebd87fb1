package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Defaults of Server's zero fields.
const (
	DefaultAddr              = "127.0.0.1:8000"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
	DefaultReadyTimeout      = 3 * time.Second
	// DefaultMaxBodyBytes caps request bodies on every route but /graphql/,
	// which enforces its own limits (uploads are larger).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultAdminMaxBodyBytes matches the original's 2.5 MiB form limit.
	DefaultAdminMaxBodyBytes = 5 << 19
)

// AuthMiddleware is the HTTP side of the auth package's Service; the server
// applies its middlewares in the order SecurityHeaders → CORS → CSRF →
// Middleware in front of every application route. An interface keeps the
// server testable on its own.
type AuthMiddleware interface {
	SecurityHeaders(next http.Handler) http.Handler
	CORS(next http.Handler) http.Handler
	CSRF(next http.Handler) http.Handler
	Middleware(next http.Handler) http.Handler
}

// Server owns net/http: one listener and one handler tree for GraphQL, the
// chat WebSocket, the admin, media, the web client and the operational
// endpoints. A nil handler field makes its route answer 404.
type Server struct {
	// Addr is the listen address; default 127.0.0.1:8000, port 0 picks a free port.
	Addr string

	GraphQL http.Handler // /graphql/ (and /graphql for anything but GET and HEAD)
	CSRF    http.Handler // /api/csrf/
	WS      http.Handler // /ws/chat/
	WSv2    http.Handler // /ws/v2, the event socket (docs/events.md, "Event socket")
	Admin   http.Handler // /admin/
	Media   http.Handler // /media/
	Web     http.Handler // every other path: the single-page client

	// Auth supplies the security middlewares; nil leaves them out.
	Auth AuthMiddleware

	// AllowedHosts lists the Host names accepted, any port: an exact name,
	// ".example.com" for the domain and its subdomains, or "*" for any.
	// Empty means localhost and 127.0.0.1.
	AllowedHosts []string

	// TrustedProxies lists the proxies whose X-Forwarded-For is believed.
	// A request from one of them gets, as its RemoteAddr, the address its
	// proxies saw the client at (the rightmost address in X-Forwarded-For
	// that is not itself a trusted proxy), so log-in and registration rate
	// limits, logs and session records see clients, not the proxy. Empty:
	// RemoteAddr is left as the connection's, and the header ignored.
	TrustedProxies []netip.Prefix

	// Ready reports whether the database and broker are reachable (/readyz);
	// nil means always ready.
	Ready func(ctx context.Context) error

	// Registry receives the HTTP metrics and is served at /metrics; nil
	// creates one with the Go and process collectors.
	Registry *prometheus.Registry

	// MetricsAddr, when set (METRICS_ADDR), is a second listener serving
	// /metrics alone; Addr then answers /metrics with 404, so the series
	// stay off the public address. Empty: /metrics is served on Addr.
	MetricsAddr string

	// Logger receives request and error logs; default slog.Default().
	Logger *slog.Logger

	ReadHeaderTimeout time.Duration // default 10s
	IdleTimeout       time.Duration // default 120s
	ShutdownTimeout   time.Duration // default 10s: in-flight requests get this long
	MaxBodyBytes      int64         // default 1 MiB, every route but /graphql/ and /admin/
	AdminMaxBodyBytes int64         // default 2.5 MiB
	// GraphQLMaxBodyBytes caps /graphql/ bodies, uploads included; 0
	// leaves them to the GraphQL handler's own limits. Set it to the
	// handler's largest request (gql.Limits.MaxRequestBytes) so that no
	// middleware in front, such as a CSRF check reading a form, reads more.
	GraphQLMaxBodyBytes int64

	once    sync.Once
	handler http.Handler
	metrics *metrics

	ln   net.Listener
	srv  *http.Server
	done chan struct{}

	metricsHandler http.Handler
	metricsLn      net.Listener
	metricsSrv     *http.Server
	metricsDone    chan struct{}
}

// Open listens on Addr and serves in the background until Close.
func (s *Server) Open() error {
	addr := s.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: orDuration(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		IdleTimeout:       orDuration(s.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelWarn),
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger().Error("http server stopped", "err", err)
		}
	}()
	if s.MetricsAddr != "" {
		if err := s.openMetrics(); err != nil {
			s.srv.Close()
			<-s.done
			return err
		}
	}
	return nil
}

// openMetrics serves /metrics alone on MetricsAddr.
func (s *Server) openMetrics() error {
	ln, err := net.Listen("tcp", s.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (METRICS_ADDR): %w", s.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", s.metricsHandler)
	s.metricsLn = ln
	s.metricsSrv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: orDuration(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		IdleTimeout:       orDuration(s.IdleTimeout, DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelWarn),
	}
	s.metricsDone = make(chan struct{})
	go func() {
		defer close(s.metricsDone)
		if err := s.metricsSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger().Error("metrics server stopped", "err", err)
		}
	}()
	return nil
}

// MetricsURL is the base URL of the separate metrics listener, "" without one.
func (s *Server) MetricsURL() string {
	if s.metricsLn == nil {
		return ""
	}
	return "http://" + s.metricsLn.Addr().String()
}

// URL returns the base URL of the listener, e.g. http://127.0.0.1:8000.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(s.ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close stops accepting connections and waits up to ShutdownTimeout for
// in-flight requests; then the remaining connections are closed. Hijacked
// connections (WebSockets) are not waited for: the hub closes those.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), orDuration(s.ShutdownTimeout, DefaultShutdownTimeout))
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
		err = fmt.Errorf("shutdown http server: %w", err)
	}
	<-s.done
	if s.metricsSrv != nil {
		s.metricsSrv.Close()
		<-s.metricsDone
	}
	return err
}

// Handler returns the server's whole handler tree, built once.
func (s *Server) Handler() http.Handler {
	s.once.Do(s.build)
	return s.handler
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// build assembles the chain: client address → request id → logging and
// metrics → recover → Host check → operational endpoints, or body limit →
// SecurityHeaders → CORS → CSRF → auth → application routes. Recovery sits
// inside the request log so that a panic is logged and counted as the 500
// it answers.
func (s *Server) build() {
	reg := s.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		s.Registry = reg
	}
	s.metrics = newMetrics(reg)

	var app http.Handler = http.HandlerFunc(s.route)
	if s.Auth != nil {
		app = s.Auth.Middleware(app)
		app = s.Auth.CSRF(app)
		app = s.Auth.CORS(app)
		app = s.Auth.SecurityHeaders(app)
	}
	app = s.limitBody(app)
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	s.metricsHandler = metricsHandler
	if s.MetricsAddr != "" {
		metricsHandler = http.HandlerFunc(NotFound)
	}

	ops := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			s.healthz(w, r)
		case "/readyz":
			s.readyz(w, r)
		case "/metrics":
			metricsHandler.ServeHTTP(w, r)
		default:
			app.ServeHTTP(w, r)
		}
	})
	var h http.Handler = hostCheck(s.AllowedHosts, s.logger(), ops)
	h = s.recoverer(h)
	h = s.observe(h)
	h = requestID(h)
	h = realClient(s.TrustedProxies, h)
	s.handler = h
}

// route dispatches the application paths: /graphql/ (docs/graphql.md),
// /api/csrf/ (docs/auth.md, CSRF), /ws/chat/ (docs/websocket.md), /admin/,
// /media/ and the web client.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/graphql/":
		s.serve(s.GraphQL, w, r)
	case p == "/graphql":
		// GETs move to the canonical path as in the original; a POST is
		// accepted where the original failed with 500.
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			redirectSlash(w, r)
			return
		}
		s.serve(s.GraphQL, w, r)
	case p == "/api/csrf/":
		s.serve(s.CSRF, w, r)
	case p == "/api/csrf":
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			redirectSlash(w, r)
			return
		}
		s.serve(s.CSRF, w, r)
	case strings.HasPrefix(p, "/ws/chat/"):
		s.serve(s.WS, w, r)
	case p == "/ws/v2":
		s.serve(s.WSv2, w, r)
	case p == "/admin":
		if s.Admin == nil {
			NotFound(w, r)
			return
		}
		redirectSlash(w, r)
	case strings.HasPrefix(p, "/admin/"):
		s.serve(s.Admin, w, r)
	case strings.HasPrefix(p, "/media/"):
		s.serve(s.Media, w, r)
	case strings.HasPrefix(p, "/api/"), strings.HasPrefix(p, "/ws/"), p == "/api", p == "/ws":
		NotFound(w, r)
	default:
		s.serve(s.Web, w, r)
	}
}

// serve runs h, or answers 404 when the route has no handler.
func (s *Server) serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	if h == nil {
		NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r)
}

// bodyLimit is the most body bytes a request to path may send (0: no cap
// here): GraphQLMaxBodyBytes on /graphql/, AdminMaxBodyBytes under
// /admin/, MaxBodyBytes elsewhere.
func (s *Server) bodyLimit(path string) int64 {
	switch {
	case path == "/graphql/" || path == "/graphql":
		return s.GraphQLMaxBodyBytes
	case strings.HasPrefix(path, "/admin/"):
		return orInt64(s.AdminMaxBodyBytes, DefaultAdminMaxBodyBytes)
	}
	return orInt64(s.MaxBodyBytes, DefaultMaxBodyBytes)
}

// limitBody caps the request body before any middleware can read it (the
// CSRF check reads form bodies); a body beyond the cap fails to read.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limit := s.bodyLimit(r.URL.Path); limit > 0 && r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// redirectSlash answers 301 to the same path with a trailing slash, keeping
// the query, as Django's APPEND_SLASH does.
func redirectSlash(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Path + "/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte("ok"))
	}
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), DefaultReadyTimeout)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			s.logger().Warn("not ready", "err", err, "request_id", RequestID(r.Context()))
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready: " + err.Error()))
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("ok"))
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orInt64(n, def int64) int64 {
	if n > 0 {
		return n
	}
	return def
}
