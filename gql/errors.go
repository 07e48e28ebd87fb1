package gql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/edusphere/edusphere"
)

// Extension codes sent in errors[].extensions.code. The original sent only
// NOT_FOUND and PERMISSION_DENIED; the client ignores other codes, and the
// login guard deliberately has none (never UNAUTHENTICATED; docs/graphql.md,
// Error kinds and codes).
const (
	CodeNotFound         = "NOT_FOUND"
	CodePermissionDenied = "PERMISSION_DENIED"
	CodeTooManyRequests  = "TOO_MANY_REQUESTS"
)

// msgInternal is all a caller learns of an unexpected failure.
const msgInternal = edusphere.MsgInternal

// presentError maps a resolver error to the API's error kinds
// (docs/graphql.md, Error kinds and codes):
// form errors become "Invalid data" with extensions.errors in form order;
// not-found and permission errors carry their code; model and auth errors
// keep their exact text with no extensions; anything else is logged and
// shown as "Internal error.".
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var wrapped *gqlerror.Error
		if !errors.As(err, &wrapped) {
			wrapped = &gqlerror.Error{Message: err.Error()}
		}
		out := &gqlerror.Error{Message: wrapped.Message, Path: wrapped.Path, Locations: wrapped.Locations}
		if len(out.Locations) == 0 {
			if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil && fc.Field.Position != nil {
				out.Locations = []gqlerror.Location{{Line: fc.Field.Position.Line, Column: fc.Field.Position.Column}}
			}
		}
		if len(out.Path) == 0 {
			out.Path = graphql.GetPath(ctx)
		}

		var de *edusphere.Error
		switch {
		case errors.As(err, &de):
			out.Message = de.Message
			switch {
			case len(de.Fields) > 0:
				out.Message = edusphere.MsgInvalidData
				out.Extensions = map[string]any{"errors": de.Fields}
			case de.Code == edusphere.ENOTFOUND:
				out.Extensions = map[string]any{"code": CodeNotFound}
			case de.Code == edusphere.EFORBIDDEN:
				out.Extensions = map[string]any{"code": CodePermissionDenied}
			case de.Code == edusphere.ETOOMANYREQUEST:
				out.Extensions = map[string]any{"code": CodeTooManyRequests}
			case de.Code == edusphere.EINTERNAL:
				logger.ErrorContext(ctx, "graphql resolver", "path", out.Path.String(), "err", err)
				out.Message = msgInternal
			}
		case wrapped.Err == nil || isGQLError(wrapped.Err) || strings.HasSuffix(err.Error(), "introspection disabled"):
			// gqlgen's own errors: argument coercion, null in a non-null field.
			out.Extensions = wrapped.Extensions
		case errors.Is(err, errPanicked):
			// Logged once, with its stack, by the server's recovery.
			out.Message = msgInternal
		default:
			logger.ErrorContext(ctx, "graphql resolver", "path", out.Path.String(), "err", err)
			out.Message = msgInternal
		}
		return out
	}
}

func isGQLError(err error) bool {
	var g *gqlerror.Error
	return errors.As(err, &g)
}

// recoverPanic is gqlgen's recovery for a panicking resolver: it records
// the panic, with its stack, in the request's panicState and lets the
// field fail; once the operation is over the handler panics again with it
// (panicState.repanic), so the request answers 500 and the server's
// recovery logs it once, with the request id.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		if ps, ok := ctx.Value(panicKey{}).(*panicState); ok {
			ps.record(v, debug.Stack())
		} else {
			// Outside the handler (a resolver called directly): log here.
			logger.ErrorContext(ctx, "graphql panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		return errPanicked
	}
}

// errPanicked fails a field whose resolver or loader panicked; the panic
// itself is logged by the server's recovery, not as a field error.
var errPanicked = errors.New("resolver panic")

type panicKey struct{}

// panicState keeps the first panic of a request's resolvers and loaders.
type panicState struct {
	mu  sync.Mutex
	err *PanicError
}

func (ps *panicState) record(v any, stack []byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.err == nil {
		ps.err = &PanicError{Value: v, Stack: stack}
	}
}

// repanic panics with the recorded panic, if any.
func (ps *panicState) repanic() {
	ps.mu.Lock()
	err := ps.err
	ps.mu.Unlock()
	if err != nil {
		panic(err)
	}
}

// recordPanic records a panic caught outside gqlgen's recovery (a loader's
// batch, which runs in its own goroutine) in ctx's request.
func recordPanic(ctx context.Context, v any) {
	if ps, ok := ctx.Value(panicKey{}).(*panicState); ok {
		ps.record(v, debug.Stack())
	}
}

// PanicError is the value the handler panics with when a resolver
// panicked: the original value and the stack where it happened, which a
// recovering middleware can log in place of its own.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("graphql resolver panic: %v", e.Value) }

// PanicStack returns the stack of the original panic.
func (e *PanicError) PanicStack() []byte { return e.Stack }
