package gql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

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

// recoverPanic logs a resolver panic and reports it as an internal error.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "graphql panic", "panic", fmt.Sprint(v))
		return errors.New("resolver panic")
	}
}
