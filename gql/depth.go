package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit refuses operations whose selections nest deeper than max.
// Introspection fields (__schema, __type) are not counted, so a query
// editor can still load the schema.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

// ExtensionName names the extension.
func (depthLimit) ExtensionName() string { return "DepthLimit" }

// Validate accepts any schema.
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation's depth.
func (d depthLimit) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	if n := depth(rc.Doc, rc.Operation.SelectionSet, 0, d.max); n > d.max {
		return gqlerror.Errorf("operation is nested %d levels deep, more than the limit of %d", n, d.max)
	}
	return nil
}

// depth returns the nesting depth of set, stopping once it passes limit
// (which also ends fragment cycles, already refused by validation).
func depth(doc *ast.QueryDocument, set ast.SelectionSet, level, limit int) int {
	if level > limit {
		return level
	}
	deepest := level
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			if len(sel.Name) > 1 && sel.Name[:2] == "__" {
				continue
			}
			d = depth(doc, sel.SelectionSet, level+1, limit)
		case *ast.InlineFragment:
			d = depth(doc, sel.SelectionSet, level, limit)
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(sel.Name); f != nil {
				d = depth(doc, f.SelectionSet, level, limit)
			}
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}
