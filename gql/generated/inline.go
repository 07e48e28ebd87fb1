package generated

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
)

// The functions here replace gqlgen's goroutine-per-element and
// goroutine-per-field scheduling in generated.go (gql/internal/inline
// rewrites the calls; see that command for why). They keep gqlgen's
// results: the same field contexts, a panic turned into an error on the
// field's path and a null, and the same counting of nulls that make the
// enclosing object null.

// marshalList marshals a list's elements in order in the calling goroutine,
// giving each element its field context with the element's index.
func marshalList(ctx context.Context, n int, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	for i := range n {
		ctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		ret[i] = marshalElement(ctx, i, marshal)
	}
	return ret
}

func marshalElement(ctx context.Context, i int, marshal func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshal(ctx, i)
}

// resolveInline resolves field i of out, a resolver field of a non-root
// object, in the calling goroutine. A deferred field (@defer) still goes
// through gqlgen, which sends it later.
func resolveInline(ctx context.Context, field graphql.CollectedField, out *graphql.FieldSet,
	oc *graphql.OperationContext, deferred *graphql.DeferredGroup, i int,
	recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler,
) {
	if field.IsDeferred() {
		out.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	v := resolveRecovering(ctx, oc, recoverFromPanic, resolve)
	out.Values[i] = v
	if (nonNull && v == graphql.Null) || (!nonNull && v == graphql.RequiredNull) {
		atomic.AddUint32(&out.Invalids, 1)
	}
}

func resolveRecovering(ctx context.Context, oc *graphql.OperationContext, recoverFromPanic bool,
	resolve func(ctx context.Context) graphql.Marshaler,
) (m graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return resolve(ctx)
}
