package gql

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// A list field returns at most the list cap's items (Config.ListCap). When
// the cap, and not the caller's own first argument, makes a list shorter
// than the data, the list is cut: the response then carries the extension
//
//	"extensions": {"truncated": [{"path": ["messages"], "returned": 5000,
//	  "total": 6000, "cap": 5000, "kept": "newest"}]}
//
// and the cut is logged. A room's messages, which read oldest first, keep
// their newest items; every other list keeps its first items in its own
// order (the most popular rooms and topics, a user's newest messages).
// docs/graphql.md, "Limits", documents it.

// Which end of a cut list was kept.
const (
	keptNewest = "newest"
	keptFirst  = "first"
)

// listCut describes one cut list in the "truncated" extension.
type listCut struct {
	Path     []any  `json:"path"`
	Returned int    `json:"returned"`
	Total    int    `json:"total"`
	Cap      int    `json:"cap"`
	Kept     string `json:"kept"`
}

type cutsKey struct{}

// cuts collects the request's cut lists; root fields may resolve
// concurrently.
type cuts struct {
	mu   sync.Mutex
	list []listCut
}

// extension returns the response extensions naming the cut lists, or nil.
func (c *cuts) extension() map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) == 0 {
		return nil
	}
	return map[string]any{"truncated": c.list}
}

// wholeList reports whether a list field was asked for without paging
// arguments, so that the whole list is expected.
func wholeList(first *int, after *string) bool {
	return first == nil && (after == nil || *after == "")
}

// noteCut records and logs a cut list: returned items of total, from
// offset, when the cap rather than the caller's first argument ended it.
func (r *Resolver) noteCut(ctx context.Context, first *int, offset, returned, total int, kept string) {
	if returned < r.listCap || offset+returned >= total || (first != nil && *first <= r.listCap) {
		return
	}
	path := graphql.GetPath(ctx)
	cut := listCut{Returned: returned, Total: total, Cap: r.listCap, Kept: kept}
	for _, p := range path {
		cut.Path = append(cut.Path, p)
	}
	r.logger.InfoContext(ctx, "graphql list cut at the cap", "path", path.String(), "returned", returned, "total", total, "cap", r.listCap, "kept", kept)
	if c, ok := ctx.Value(cutsKey{}).(*cuts); ok {
		c.mu.Lock()
		c.list = append(c.list, cut)
		c.mu.Unlock()
	}
}
