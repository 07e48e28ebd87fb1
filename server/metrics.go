package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the HTTP series, labelled by route (a fixed set, never the
// raw path, so the series stay few).
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "edusphere",
			Name:      "http_requests_total",
			Help:      "HTTP requests served, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "edusphere",
			Name:      "http_request_duration_seconds",
			Help:      "Time to serve an HTTP request (WebSocket upgrades excluded), by route and method.",
			Buckets:   []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration, upgraded bool) {
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	if !upgraded {
		m.duration.WithLabelValues(route, method).Observe(d.Seconds())
	}
}

// methodLabel keeps the method label to the standard set.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return m
	}
	return "OTHER"
}

// routeOf names the route a path belongs to, for metrics.
func routeOf(p string) string {
	switch {
	case p == "/graphql/" || p == "/graphql":
		return "graphql"
	case p == "/api/csrf/" || p == "/api/csrf":
		return "csrf"
	case strings.HasPrefix(p, "/ws/chat/") || p == "/ws/v2":
		return "ws"
	case p == "/admin" || strings.HasPrefix(p, "/admin/"):
		return "admin"
	case strings.HasPrefix(p, "/media/"):
		return "media"
	case p == "/healthz":
		return "healthz"
	case p == "/readyz":
		return "readyz"
	case p == "/metrics":
		return "metrics"
	case strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ws/") || p == "/api" || p == "/ws":
		return "other"
	}
	return "web"
}
