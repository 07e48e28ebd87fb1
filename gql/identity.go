package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
)

// tokenExempt lists the root fields that never decode the request's token
// as identity (docs/auth.md): the token mutations read their own token, and
// a stale cookie must not block them. Logging out is among them, so that a
// garbage or expired JWT cookie can always be cleared ("Logging out" in
// docs/auth.md); the logout itself revokes what the tokens still name.
var tokenExempt = map[string]bool{
	"tokenAuth":          true,
	"verifyToken":        true,
	"refreshToken":       true,
	"deleteToken":        true,
	"deleteRefreshToken": true,
	"__typename":         true,
	"__schema":           true,
	"__type":             true,
}

// tokenStrict lists the root fields on which a bad or expired token is an
// error with the token's message. On every other field (the public ones:
// all queries but me, and registerUser) the caller is then anonymous, as
// docs/graphql.md, Identity says.
var tokenStrict = map[string]bool{
	"me":            true,
	"updateUser":    true,
	"createRoom":    true,
	"deleteRoom":    true,
	"updateRoom":    true,
	"joinRoom":      true,
	"deleteMessage": true,
	"updateMessage": true,
}

// identify is the root-field interceptor of docs/graphql.md, Identity: it
// decodes the request's
// token (once per request: RequestAuth caches the answer) and puts the user
// in the context, or nulls the field with the token error's exact text.
func identify(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rfc := graphql.GetRootFieldContext(ctx)
	if rfc == nil || tokenExempt[rfc.Field.Name] {
		return next(ctx)
	}
	ra := auth.FromContext(ctx)
	if ra == nil {
		return next(ctx)
	}
	user, err := ra.User(ctx)
	if err != nil {
		if edusphere.ErrorCode(err) == edusphere.EUNAUTHORIZED && !tokenStrict[rfc.Field.Name] {
			return next(ctx)
		}
		addRootError(ctx, rfc, err)
		return graphql.Null
	}
	if user != nil {
		ctx = edusphere.NewContextWithUser(ctx, user)
	}
	return next(ctx)
}

// addRootError reports err on a root field before any field context
// exists, so it sets the path and location itself.
func addRootError(ctx context.Context, rfc *graphql.RootFieldContext, err error) {
	gerr := &gqlerror.Error{Err: err, Message: err.Error(), Path: ast.Path{ast.PathName(rfc.Field.Alias)}}
	if pos := rfc.Field.Position; pos != nil {
		gerr.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	graphql.AddError(ctx, gerr)
}
