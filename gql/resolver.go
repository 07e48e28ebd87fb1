package gql

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/media"
)

// Resolver is the root of every resolver: it carries the services and the
// settings the handler was built with. Per-request state (the caller, the
// dataloaders) rides in the context instead.
type Resolver struct {
	services     edusphere.Services
	auth         *auth.Service
	media        media.Storage
	avatarLimits media.Limits
	listCap      int
	logger       *slog.Logger
	presence     edusphere.PresenceService // nil: presence fields are null
	onRoomRead   func(ctx context.Context, userID uuid.UUID, st *edusphere.ReadState)
	// invites counts the invitations each user sends from this process,
	// revoked ones included: the store's window counts pending
	// invitations only, which an invite-and-revoke loop would get around
	// (docs/limits.md, Invitations).
	invites *auth.Limiter
}

// page turns the optional first/after arguments of a list field into the
// store's Offset and Limit. Without them the whole list comes back, up to
// the hard cap; ok is false when the answer is known to be empty.
func (r *Resolver) page(first *int, after *string) (offset, limit int, ok bool, err error) {
	limit = r.listCap
	if first != nil {
		if *first < 0 {
			return 0, 0, false, edusphere.Errorf(edusphere.EINVALID, "first must not be negative")
		}
		if *first == 0 {
			return 0, 0, false, nil
		}
		limit = min(*first, r.listCap)
	}
	if after != nil && *after != "" {
		n, ok := decodeCursor(*after)
		if !ok {
			return 0, 0, false, edusphere.Errorf(edusphere.EINVALID, "after is not a valid cursor")
		}
		offset = n
	}
	return offset, limit, true, nil
}

// cursorPrefix marks an offset cursor; cursors are opaque to clients.
const cursorPrefix = "offset:"

// EncodeCursor returns the cursor that makes a list continue after the
// first n items; pass it as the after argument.
func EncodeCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(n)))
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[len(cursorPrefix):]))
	if err != nil || n < 0 {
		return 0, false
	}
	// The item at index n-1 was the last one seen.
	return n, true
}

// truthy reports whether an optional string argument is set and non-empty,
// Python's truth test the original applied to filters.
func truthy(s *string) bool { return s != nil && *s != "" }

// requireUser returns the caller, or the login guard's error.
func requireUser(ctxUser *edusphere.User) (*edusphere.User, error) {
	if ctxUser == nil {
		return nil, edusphere.LoginRequired()
	}
	return ctxUser, nil
}

// notFound keeps the API's not-found text (docs/graphql.md, Error kinds and
// codes) whatever wording a store used.
func notFound(err error, msg string) error {
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return edusphere.NotFound(msg)
	}
	return err
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
