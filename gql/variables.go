package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/edusphere/edusphere/gql/model"
)

// uuidVariables refuses, at request level (400), a UUID variable that is
// not a UUID, as the original's variable coercion did; gqlgen itself only
// looks at custom scalars when a resolver reads them.
type uuidVariables struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = uuidVariables{}

// ExtensionName names the extension.
func (uuidVariables) ExtensionName() string { return "UUIDVariables" }

// Validate accepts any schema.
func (uuidVariables) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks every variable declared with type UUID.
func (uuidVariables) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	for _, def := range rc.Operation.VariableDefinitions {
		v, ok := rc.Variables[def.Variable]
		if !ok || !checkUUIDs(def.Type, v) {
			if ok {
				err := gqlerror.Errorf("Variable \"$%s\" got invalid value %s; badly formed hexadecimal UUID string", def.Variable, display(v))
				if def.Position != nil {
					err.Locations = []gqlerror.Location{{Line: def.Position.Line, Column: def.Position.Column}}
				}
				return err
			}
		}
	}
	return nil
}

// checkUUIDs reports whether v fits t as far as UUID values go.
func checkUUIDs(t *ast.Type, v any) bool {
	if v == nil {
		return true
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return checkUUIDs(t.Elem, v)
		}
		for _, item := range list {
			if !checkUUIDs(t.Elem, item) {
				return false
			}
		}
		return true
	}
	if t.NamedType != "UUID" {
		return true
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, ok = model.ParseUUID(s)
	return ok
}

func display(v any) string {
	if s, ok := v.(string); ok {
		return "\"" + s + "\""
	}
	return "a non-string value"
}
