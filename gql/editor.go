package gql

import (
	"net/http"

	"github.com/edusphere/edusphere/gql/graphiql"
)

// serveEditor writes GraphiQL (package graphiql): schema-aware completion,
// the docs explorer, variables and headers, all embedded so it works
// offline. Its fetcher sends X-CSRFToken from the csrftoken cookie, as the
// original's GraphiQL page did.
func serveEditor(w http.ResponseWriter, r *http.Request) { graphiql.ServeHTTP(w, r) }
