package gql

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/edusphere/edusphere"
)

// Operation outcomes, the values of the outcome label and log attribute
// (docs/operations.md).
const (
	OutcomeOK       = "ok"       // answered without errors
	OutcomeError    = "error"    // answered 200 with errors (resolver errors)
	OutcomeInvalid  = "invalid"  // refused by GraphQL: syntax, validation, variables (400)
	OutcomeRejected = "rejected" // refused before GraphQL: method, body, JSON (4xx)
)

// OperationOther is the operation label of every operation whose name is
// not in KnownOperations, so an anonymous caller cannot grow the series.
const OperationOther = "other"

// KnownOperations are the operation names that get their own metric label:
// the web client's operations, and GraphiQL's schema query.
var KnownOperations = []string{
	// Queries.
	"AuthStatus", "GetUser", "Me", "MessagesByUser", "Room", "RoomMessages", "RoomWithMessages",
	"Rooms", "RoomsNotParticipatedByUser", "RoomsParticipatedByUser", "Topics", "User",
	"IntrospectionQuery",
	// Mutations.
	"CreateRoom", "DeleteMessage", "DeleteRoom", "JoinRoom", "LogoutUser", "RefreshToken",
	"RegisterUser", "TokenAuth", "UpdateMessage", "UpdateRoom", "UpdateUser",
}

var knownOperations = func() map[string]bool {
	m := make(map[string]bool, len(KnownOperations))
	for _, n := range KnownOperations {
		m[n] = true
	}
	return m
}()

// operationLabel bounds name to the known set.
func operationLabel(name string) string {
	if knownOperations[name] {
		return name
	}
	return OperationOther
}

// Bounds of one operation log line: the name as requested is the caller's
// text, and so are some error messages.
const (
	maxLoggedName    = 64
	maxLoggedErrors  = 5
	maxLoggedMessage = 200
	maxCapturedBody  = 16 << 10
)

// opRecord collects what one request's operation did, for its log line and
// metrics. The executor's hooks fill it in; ServeHTTP reads it at the end.
type opRecord struct {
	mu       sync.Mutex
	name     string
	kind     string // query, mutation, subscription; "" before parsing
	executed bool   // the request reached the GraphQL executor
	user     uuid.UUID
	errors   gqlerror.List
}

type opKey struct{}

func opFrom(ctx context.Context) *opRecord {
	rec, _ := ctx.Value(opKey{}).(*opRecord)
	return rec
}

// observer is the executor extension filling the request's opRecord.
type observer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.ResponseInterceptor
} = observer{}

func (observer) ExtensionName() string                   { return "OperationObserver" }
func (observer) Validate(graphql.ExecutableSchema) error { return nil }
func (observer) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if rec := opFrom(ctx); rec != nil {
		rec.mu.Lock()
		rec.name, rec.executed = p.OperationName, true
		rec.mu.Unlock()
	}
	return nil
}

// InterceptResponse records the operation's type and the errors of its
// response.
func (observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	rec := opFrom(ctx)
	if rec == nil {
		return resp
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
		rec.kind = string(oc.Operation.Operation)
		if oc.Operation.Name != "" {
			rec.name = oc.Operation.Name
		}
	}
	if resp != nil {
		rec.errors = append(rec.errors, resp.Errors...)
	}
	return resp
}

// recordUser notes the user a root field runs as, once the identify
// interceptor has settled it, without decoding the token again.
func recordUser(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if u := edusphere.UserFromContext(ctx); u != nil {
		if rec := opFrom(ctx); rec != nil {
			rec.mu.Lock()
			rec.user = u.ID
			rec.mu.Unlock()
		}
	}
	return next(ctx)
}

// installObserver adds the hooks that feed the operation log and metrics.
// recordUser must run inside identify, so it is installed after it.
func installObserver(exec *executor.Executor) {
	exec.Use(observer{})
	exec.AroundRootFields(recordUser)
}

// opMetrics is the operation histogram; nil when no registry was given.
type opMetrics struct {
	duration *prometheus.HistogramVec
}

func newOpMetrics(reg prometheus.Registerer) *opMetrics {
	if reg == nil {
		return nil
	}
	m := &opMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "edusphere",
			Name:      "graphql_operation_duration_seconds",
			Help:      "Time to answer a GraphQL request, by operation (the client's names, else \"other\") and outcome (ok, error, invalid, rejected).",
			Buckets:   []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "outcome"}),
	}
	reg.MustRegister(m.duration)
	return m
}

// ServeHTTP answers one GraphQL request, then writes its line to the
// operation log and its sample to the metrics. The line names the
// operation, its type, outcome, status, duration, user id and error
// messages; never the query, the variables, a token or a cookie.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &opRecord{}
	cw := &captureWriter{ResponseWriter: w}
	h.serveHTTP(cw, r.WithContext(context.WithValue(r.Context(), opKey{}, rec)))
	d := time.Since(start)

	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusMovedPermanently || strings.HasPrefix(cw.Header().Get("Content-Type"), "text/html") {
		return // a redirect to /graphql/, or the GraphiQL page: no operation ran
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	errs := rec.errors
	if len(errs) == 0 && status >= 400 && len(cw.body) > 0 {
		errs = bodyErrors(cw.body)
	}
	outcome := OutcomeOK
	switch {
	case status >= 400 && rec.executed:
		outcome = OutcomeInvalid
	case status >= 400:
		outcome = OutcomeRejected
	case len(errs) > 0:
		outcome = OutcomeError
	}
	if h.metrics != nil {
		h.metrics.duration.WithLabelValues(operationLabel(rec.name), outcome).Observe(d.Seconds())
	}
	if h.opLog == nil {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("operation", logSafe(rec.name, maxLoggedName)),
		slog.String("type", rec.kind),
		slog.String("outcome", outcome),
		slog.Int("status", status),
		slog.Duration("duration", d),
	)
	if rec.user != uuid.Nil {
		attrs = append(attrs, slog.String("user", rec.user.String()))
	}
	if h.requestID != nil {
		if id := h.requestID(r.Context()); id != "" {
			attrs = append(attrs, slog.String("request_id", id))
		}
	}
	if len(errs) > 0 {
		attrs = append(attrs, slog.Int("error_count", len(errs)), slog.Any("errors", errorSummary(errs)))
	}
	level := slog.LevelInfo
	if outcome != OutcomeOK {
		level = slog.LevelWarn
	}
	h.opLog.LogAttrs(r.Context(), level, "graphql operation", attrs...)
}

// captureWriter records the status and, for an error status, the start of
// the body, whose errors the operation log reports.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && len(w.body) < maxCapturedBody {
		w.body = append(w.body, b[:min(len(b), maxCapturedBody-len(w.body))]...)
	}
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bodyErrors reads the errors of a request-level error response.
func bodyErrors(body []byte) gqlerror.List {
	var out struct {
		Errors gqlerror.List `json:"errors"`
	}
	if json.Unmarshal(body, &out) != nil {
		return nil
	}
	return out.Errors
}

// errorSummary lists the first few error messages, each with its path and
// extensions.code when it has them, cut to a bounded length with submitted
// values left out.
func errorSummary(errs gqlerror.List) []string {
	out := make([]string, 0, min(len(errs), maxLoggedErrors))
	for _, e := range errs[:min(len(errs), maxLoggedErrors)] {
		msg := e.Message
		if len(e.Path) == 0 {
			// Request-level errors come from the GraphQL library and may
			// quote what was sent; resolver errors carry our own texts.
			msg = valueRe.ReplaceAllString(msg, "$1 …")
		}
		s := logSafe(msg, maxLoggedMessage)
		if len(e.Path) > 0 {
			s = e.Path.String() + ": " + s
		}
		if code, ok := e.Extensions["code"].(string); ok {
			s += " [" + code + "]"
		}
		out = append(out, s)
	}
	return out
}

// valueRe finds where a GraphQL library message quotes a submitted value
// ("got invalid value …", "non string value: …", "Expected value of type
// …, found …"): the rest of the message is left out of the log, since a
// variable holding a password with the wrong type would otherwise be
// written there.
var valueRe = regexp.MustCompile(`(?s)\b(value)\b.*$`)

// logSafe cuts s to n runes and replaces invalid UTF-8.
func logSafe(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}
