// Package gql serves the GraphQL API at /graphql/ with gqlgen, schema
// first: schema/*.graphqls (one file per noun) is the original's SDL plus
// optional first/after arguments on list fields; generated/ and model/
// are produced by `go generate ./...` and committed.
//
// The handler decodes every request form the original accepted (GET,
// JSON, application/graphql, url-encoded and multipart forms with the
// GraphQL multipart request spec), answers request-level problems with the
// original's status codes and texts, and runs operations with:
//   - a root-field interceptor that decodes the caller's token once per
//     request and puts the user in the context (identity.go);
//   - an error presenter mapping edusphere.Error codes to the error shapes
//     of docs/graphql.md, Error kinds and codes (errors.go);
//   - per-request dataloaders, primed by list resolvers, so a list costs a
//     fixed number of SQL statements whatever its length (loader.go), and
//     nested fields resolve from memory in the request's goroutine (the
//     generated code is rewritten by gql/internal/inline after gqlgen);
//   - one catalog version read per query operation for the read cache that
//     cmd/edusphere puts in front of the services (package cache);
//   - limits measured before validation (document size, tokens, nesting,
//     selections with fragments expanded, aliases, directives, fragments,
//     repeated fields), validation that stops with the request's context,
//     a time budget per request, a cap on errors per response, and depth,
//     complexity, body-size and list-length limits (docs/graphql.md,
//     "Limits"; docs/limits.md);
//   - a panic in any resolver or loader answering 500 (errors.go).
package gql
