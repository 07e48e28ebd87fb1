package gql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/gql/generated"
	"github.com/edusphere/edusphere/media"
)

// Config configures the GraphQL handler. Zero values take the defaults
// given in each field's comment.
type Config struct {
	// Services are the stores, already wrapped by the hub so that message
	// changes reach the sockets.
	Services edusphere.Services
	// Auth issues, checks and revokes tokens; its middleware must wrap the handler.
	Auth *auth.Service
	// Media stores avatars; AvatarLimits bound them (media's defaults when zero).
	Media        media.Storage
	AvatarLimits media.Limits

	// Debug serves GraphiQL on GET for browsers (package graphiql).
	Debug bool
	// Introspection enables __schema and __type queries.
	Introspection bool
	// MaxDepth bounds the nesting of selections; default 12.
	MaxDepth int
	// MaxComplexity bounds gqlgen's complexity score of an operation; default 1000.
	MaxComplexity int
	// ListCap is the most items a list field returns; default 5000.
	ListCap int
	// MaxBodyBytes bounds the body apart from files; default 2,621,440.
	MaxBodyBytes int64
	// MaxMemory is how much of an upload stays in memory; default 1 MiB.
	MaxMemory int64
	// MaxVariablesBytes caps the variables' JSON text; default 64 KiB.
	MaxVariablesBytes int64
	// QueryCacheSize is how many parsed and validated documents are kept; default 1000.
	QueryCacheSize int

	// Document bounds a query before it is validated (docs/limits.md).
	Document DocumentLimits
	// Timeout is each request's time budget from the moment its body is
	// read: validation and resolvers stop when it runs out; default 10s.
	Timeout time.Duration
	// MaxErrors is the most errors one response lists; default 20.
	MaxErrors int

	// Presence answers RoomType.online, onlineCount and UserType.lastSeen
	// (docs/presence.md); nil makes them null.
	Presence edusphere.PresenceService
	// OnRoomRead, when set, is told of every read marker markRoomRead
	// moved, after it moved (the event socket tells the user's other
	// tabs; docs/graphql.md, "History and unread").
	OnRoomRead func(ctx context.Context, userID uuid.UUID, st *edusphere.ReadState)

	// Logger receives internal errors; default slog.Default().
	Logger *slog.Logger
	// OperationLog receives one line per request (the main log, or
	// GRAPHQL_LOG_FILE); nil logs no operations. See ServeHTTP for what a
	// line holds.
	OperationLog *slog.Logger
	// Metrics receives the operation histogram; nil means no metrics.
	Metrics prometheus.Registerer
	// RequestID returns the request id the operation log names; nil omits it.
	RequestID func(ctx context.Context) string
}

// Defaults of Config.
const (
	DefaultMaxDepth       = 12
	DefaultMaxComplexity  = 1000
	DefaultListCap        = 5000
	DefaultQueryCacheSize = 1000
	DefaultTimeout        = 10 * time.Second
	DefaultMaxErrors      = 20
)

// Messages of the document checks and the error cap (docs/graphql.md, "Limits").
const (
	msgNoOperation = "no operation provided"
	msgStopped     = "The request took too long and was stopped."
	msgMoreErrors  = "%d more errors were left out."
)

// Handler serves /graphql/ with every transport of docs/graphql.md, Transports.
type Handler struct {
	exec      *executor.Executor
	schema    *ast.Schema
	docs      documents
	services  edusphere.Services
	presence  edusphere.PresenceService
	limits    Limits
	docLimits DocumentLimits
	timeout   time.Duration
	maxErrors int
	debug     bool
	logger    *slog.Logger
	opLog     *slog.Logger
	metrics   *opMetrics
	requestID func(ctx context.Context) string
}

// NewHandler returns the /graphql/ handler. It expects auth's middlewares
// around it (SecurityHeaders, CORS, CSRF, Middleware) for identity,
// cookies and the CSRF check.
func NewHandler(cfg Config) http.Handler { return New(cfg) }

// New is NewHandler returning the concrete type.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxComplexity <= 0 {
		cfg.MaxComplexity = DefaultMaxComplexity
	}
	if cfg.ListCap <= 0 {
		cfg.ListCap = DefaultListCap
	}
	if cfg.QueryCacheSize <= 0 {
		cfg.QueryCacheSize = DefaultQueryCacheSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxErrors <= 0 {
		cfg.MaxErrors = DefaultMaxErrors
	}
	maxFile := cfg.AvatarLimits.MaxBytes
	if maxFile <= 0 {
		maxFile = media.DefaultMaxBytes
	}
	res := &Resolver{
		services:     cfg.Services,
		auth:         cfg.Auth,
		media:        cfg.Media,
		avatarLimits: cfg.AvatarLimits,
		listCap:      cfg.ListCap,
		logger:       cfg.Logger,
		presence:     cfg.Presence,
		onRoomRead:   cfg.OnRoomRead,
		invites:      auth.NewLimiter(auth.Limit{Count: edusphere.MaxInvitationsPerWindow, Per: edusphere.InvitationWindow}),
	}
	es := generated.NewExecutableSchema(generated.Config{Resolvers: res})
	docs := documents{lru: lru.New[*ast.QueryDocument](cfg.QueryCacheSize)}
	exec := executor.New(es)
	exec.SetQueryCache(docs)
	exec.SetErrorPresenter(presentError(cfg.Logger))
	exec.SetRecoverFunc(recoverPanic(cfg.Logger))
	if cfg.Introspection {
		exec.Use(extension.Introspection{})
	}
	exec.Use(uuidVariables{})
	exec.Use(depthLimit{max: cfg.MaxDepth})
	exec.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	exec.AroundOperations(readScope)
	exec.AroundRootFields(identify)
	installObserver(exec)
	// No AroundFields middleware: the generated code marshals scalar struct
	// fields without the per-field machinery such middleware hooks into
	// (gql/internal/inline), so it would not see them.
	return &Handler{
		exec:      exec,
		schema:    es.Schema(),
		docs:      docs,
		services:  cfg.Services,
		presence:  cfg.Presence,
		limits:    Limits{MaxBodyBytes: cfg.MaxBodyBytes, MaxFileBytes: maxFile, MaxMemory: cfg.MaxMemory, MaxVariablesBytes: cfg.MaxVariablesBytes},
		docLimits: cfg.Document.withDefaults(),
		timeout:   cfg.Timeout,
		maxErrors: cfg.MaxErrors,
		debug:     cfg.Debug,
		logger:    cfg.Logger,
		opLog:     cfg.OperationLog,
		metrics:   newOpMetrics(cfg.Metrics),
		requestID: cfg.RequestID,
	}
}

// MaxRequestBytes is the largest request body the handler reads, uploads
// included (Limits.MaxRequestBytes); the server caps /graphql/ bodies at it
// before any middleware reads them.
func (h *Handler) MaxRequestBytes() int64 { return h.limits.MaxRequestBytes() }

// serveHTTP answers one GraphQL request; ServeHTTP (observe.go) wraps it
// with the operation log and metrics.
func (h *Handler) serveHTTP(w http.ResponseWriter, r *http.Request) {
	addVary(w.Header(), "Cookie", "origin")
	if !strings.HasSuffix(r.URL.Path, "/") && r.Method != http.MethodPost {
		// Django's APPEND_SLASH; a POST without the slash is served as is.
		target := r.URL.Path + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeMessage(w, http.StatusMethodNotAllowed, msgOnlyGetPost)
		return
	}
	if r.Method == http.MethodGet && h.debug && prefersHTML(r.Header.Get("Accept")) && !r.URL.Query().Has("raw") {
		serveEditor(w, r)
		return
	}

	req, err := DecodeRequest(r, h.limits)
	if err != nil {
		re, ok := err.(*RequestError)
		if !ok {
			re = badRequest(msgInvalidJSON)
		}
		writeMessage(w, re.Status, re.Message)
		return
	}
	defer req.Close()
	if req.Query == "" {
		writeMessage(w, http.StatusBadRequest, msgNoQuery)
		return
	}

	// From here on the request works within its time budget.
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()

	// The document is measured and parsed before anything else looks at
	// it, then the operation's type is checked, then it is validated
	// (docs/limits.md, "GraphQL").
	doc, cached := h.docs.lru.Get(ctx, req.Query)
	if !cached {
		var errs gqlerror.List
		doc, errs = ParseDocument(req.Query, h.docLimits)
		if errs != nil {
			h.writeResponse(w, http.StatusBadRequest, errs, nil, nil, false)
			return
		}
		if len(doc.Operations) == 0 {
			writeMessage(w, http.StatusBadRequest, msgNoOperation)
			return
		}
	}
	if op := doc.Operations.ForName(req.OperationName); op != nil {
		if r.Method == http.MethodGet && op.Operation != ast.Query {
			w.Header().Set("Allow", "POST")
			writeMessage(w, http.StatusMethodNotAllowed, fmt.Sprintf(msgOperationNotPost, op.Operation))
			return
		}
		if op.Operation == ast.Subscription {
			writeMessage(w, http.StatusBadRequest, msgSubscription)
			return
		}
	}
	if !cached {
		errs, err := validateDocument(ctx, h.schema, doc)
		if err != nil {
			writeMessage(w, http.StatusServiceUnavailable, msgStopped)
			return
		}
		if errs != nil {
			h.writeResponse(w, http.StatusBadRequest, errs, nil, nil, false)
			return
		}
		h.docs.Add(ctx, req.Query, doc)
	}

	ps := &panicState{}
	cs := &cuts{}
	ctx = withPrepared(ctx, req.Query, doc)
	ctx = context.WithValue(ctx, panicKey{}, ps)
	ctx = context.WithValue(ctx, cutsKey{}, cs)
	ctx = graphql.StartOperationTrace(withPresenceLoaders(withLoaders(ctx, newLoaders(h.services)), h.presence))
	params := &graphql.RawParams{
		Query:         req.Query,
		OperationName: req.OperationName,
		Variables:     req.Variables,
		Headers:       r.Header,
	}
	start := graphql.Now()
	params.ReadTime = graphql.TraceTiming{Start: start, End: start}
	rc, errs := h.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		h.writeResponse(w, http.StatusBadRequest, errs, nil, nil, false)
		return
	}
	responses, ctx := h.exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	// A resolver that panicked answers 500, whatever the other fields did:
	// the panic goes on to the server's recovery, which logs it once and
	// sends the error page (never a 2xx).
	ps.repanic()
	// A query that ran out of time answers 503 rather than a page of
	// "Internal error." fields; a mutation's answer is sent as it is,
	// since what it changed stays changed.
	if resp == nil || (errors.Is(ctx.Err(), context.DeadlineExceeded) && rc.Operation.Operation == ast.Query) {
		writeMessage(w, http.StatusServiceUnavailable, msgStopped)
		return
	}
	h.writeResponse(w, http.StatusOK, resp.Errors, resp.Data, cs.extension(), true)
}

// addVary adds each value to the Vary header unless it is there already.
func addVary(h http.Header, values ...string) {
	have := strings.ToLower(strings.Join(h.Values("Vary"), ","))
	var add []string
	for _, v := range values {
		found := false
		for _, t := range strings.Split(have, ",") {
			if strings.TrimSpace(t) == strings.ToLower(v) {
				found = true
				break
			}
		}
		if !found {
			add = append(add, v)
		}
	}
	if len(add) > 0 {
		h.Add("Vary", strings.Join(add, ", "))
	}
}

// prefersHTML reports whether an Accept header ranks text/html above
// application/json, the original's test for showing GraphiQL.
func prefersHTML(accept string) bool {
	if accept == "" {
		return false
	}
	best := func(types ...string) float64 {
		q := -1.0
		for _, part := range strings.Split(accept, ",") {
			fields := strings.Split(part, ";")
			mt := strings.TrimSpace(strings.ToLower(fields[0]))
			weight := 1.0
			for _, p := range fields[1:] {
				p = strings.TrimSpace(p)
				if strings.HasPrefix(p, "q=") {
					if f, err := strconv.ParseFloat(p[2:], 64); err == nil {
						weight = f
					}
				}
			}
			for _, t := range types {
				if mt == t && weight > q {
					q = weight
				}
			}
		}
		return q
	}
	html := best("text/html")
	if html <= 0 {
		return false
	}
	return html > best("application/json", "*/*")
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeMessage writes {"errors":[{"message":msg}]}.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeResponse(w, status, gqlerror.List{{Message: msg}}, nil, nil, false)
}

// writeResponse writes {"errors":[...],"data":...,"extensions":...} with
// at most h.maxErrors errors, then one saying how many more there were
// (docs/graphql.md, "Limits").
func (h *Handler) writeResponse(w http.ResponseWriter, status int, errs gqlerror.List, data json.RawMessage, ext map[string]any, withData bool) {
	if len(errs) > h.maxErrors {
		more := len(errs) - h.maxErrors
		errs = append(errs[:h.maxErrors:h.maxErrors], &gqlerror.Error{Message: fmt.Sprintf(msgMoreErrors, more)})
	}
	writeResponse(w, status, errs, data, ext, withData)
}

// writeResponse writes {"errors":[...],"data":...,"extensions":...} with
// each error's keys in the order of docs/graphql.md, Status codes and
// response shape: message, locations, path,
// extensions. Without withData there is no data key (request-level
// errors); without ext, no extensions key.
func writeResponse(w http.ResponseWriter, status int, errs gqlerror.List, data json.RawMessage, ext map[string]any, withData bool) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	buf.WriteByte('{')
	if len(errs) > 0 {
		buf.WriteString(`"errors":[`)
		for i, e := range errs {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeError(buf, e, withData)
		}
		buf.WriteByte(']')
	}
	if withData {
		if len(errs) > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"data":`)
		if len(data) == 0 {
			buf.WriteString("null")
		} else {
			buf.Write(data)
		}
	}
	if len(ext) > 0 {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"extensions":`)
		writeJSON(buf, ext)
	}
	buf.WriteByte('}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError writes one error object. Request-level errors (no data) keep
// only message and locations, as the original printed them.
func writeError(buf *bytes.Buffer, e *gqlerror.Error, full bool) {
	buf.WriteString(`{"message":`)
	writeJSON(buf, e.Message)
	if len(e.Locations) > 0 {
		buf.WriteString(`,"locations":[`)
		for i, l := range e.Locations {
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(buf, `{"line":%d,"column":%d}`, l.Line, l.Column)
		}
		buf.WriteByte(']')
	}
	if full && len(e.Path) > 0 {
		buf.WriteString(`,"path":[`)
		for i, p := range e.Path {
			if i > 0 {
				buf.WriteByte(',')
			}
			switch p := p.(type) {
			case ast.PathIndex:
				buf.WriteString(strconv.Itoa(int(p)))
			case ast.PathName:
				writeJSON(buf, string(p))
			}
		}
		buf.WriteByte(']')
	}
	if full && len(e.Extensions) > 0 {
		buf.WriteString(`,"extensions":`)
		writeJSON(buf, e.Extensions)
	}
	buf.WriteByte('}')
}

func writeJSON(buf *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		buf.WriteString("null")
		return
	}
	buf.Write(b)
}

// clientMeta returns the caller's user agent and address for the auth service.
func clientMeta(ctx context.Context) auth.ClientMeta {
	if ra := auth.FromContext(ctx); ra != nil {
		return ra.Meta
	}
	return auth.ClientMeta{}
}

// tokenOrCookie is the token argument, else the JWT cookie (docs/auth.md,
// refreshToken and verifyToken).
func tokenOrCookie(ctx context.Context, token *string) string {
	if token != nil && *token != "" {
		return *token
	}
	if ra := auth.FromContext(ctx); ra != nil && ra.HasJWTCookie {
		return ra.JWTCookie
	}
	return ""
}
