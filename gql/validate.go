package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validateDocument runs the standard validation rules on doc, stopping
// when ctx ends (the client left, or the request's time budget ran out):
// err is then ctx's error. The validator takes no context, so one more
// rule looks at ctx at every field, fragment, directive and value it
// visits, and unwinds the walk when ctx is done. ParseDocument's limits
// keep the work between two such visits small.
func validateDocument(ctx context.Context, schema *ast.Schema, doc *ast.QueryDocument) (errs gqlerror.List, err error) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(validationStopped); !ok {
				panic(v)
			}
			errs, err = nil, ctx.Err()
		}
	}()
	set := rules.NewDefaultRules()
	set.AddRule("RequestContext", func(o *core.Events, _ core.AddErrFunc) {
		check := func() {
			if ctx.Err() != nil {
				panic(validationStopped{})
			}
		}
		o.OnOperation(func(*core.Walker, *ast.OperationDefinition) { check() })
		o.OnFragment(func(*core.Walker, *ast.FragmentDefinition) { check() })
		o.OnField(func(*core.Walker, *ast.Field) { check() })
		o.OnInlineFragment(func(*core.Walker, *ast.InlineFragment) { check() })
		o.OnFragmentSpread(func(*core.Walker, *ast.FragmentSpread) { check() })
		o.OnDirective(func(*core.Walker, *ast.Directive) { check() })
		o.OnValue(func(*core.Walker, *ast.Value) { check() })
	})
	return validator.ValidateWithRules(schema, doc, set), nil
}

// validationStopped unwinds the validator's walk (validateDocument).
type validationStopped struct{}

// documents is the executor's query cache. The handler parses, measures
// and validates every document itself (ParseDocument, validateDocument)
// and hands the result to the executor through the request's context, so
// the executor never parses or validates on its own; validated documents
// are also kept by query text for later requests.
type documents struct {
	lru *lru.LRU[*ast.QueryDocument]
}

type preparedKey struct{}

// prepared is a validated document for one request's query text.
type prepared struct {
	query string
	doc   *ast.QueryDocument
}

func withPrepared(ctx context.Context, query string, doc *ast.QueryDocument) context.Context {
	return context.WithValue(ctx, preparedKey{}, &prepared{query: query, doc: doc})
}

// Get returns the request's prepared document, else a cached one.
func (d documents) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	if p, ok := ctx.Value(preparedKey{}).(*prepared); ok && p.query == query {
		return p.doc, true
	}
	return d.lru.Get(ctx, query)
}

// Add keeps a validated document.
func (d documents) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	d.lru.Add(ctx, query, doc)
}
