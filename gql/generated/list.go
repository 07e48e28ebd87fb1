package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalList marshals a list's elements in order in the calling goroutine;
// gql/internal/seqlists points the generated code here instead of at
// graphql.MarshalSliceConcurrently (see that command for why). Like the
// original it gives each element its field context with the element's
// index, and a panic while marshalling an element becomes an error on that
// element's path and a null in its place.
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
