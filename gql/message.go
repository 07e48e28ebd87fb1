package gql

import (
	"context"

	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
)

// findMessages runs a messages list query with the page arguments and
// primes the loaders with what the selection needs.
func (r *Resolver) findMessages(ctx context.Context, filter edusphere.MessageFilter, first *int, after *string) ([]*edusphere.Message, error) {
	offset, limit, ok, err := r.page(first, after)
	if err != nil || !ok {
		return []*edusphere.Message{}, err
	}
	filter.Offset, filter.Limit = offset, limit
	msgs, total, err := r.services.Messages.FindMessages(ctx, filter)
	if err != nil {
		return nil, err
	}
	kept := keptFirst
	if filter.Order == edusphere.MessageOrderNewest {
		kept = keptNewest
	} else if wholeList(first, after) && len(msgs) == limit && total > limit {
		// A room's history reads oldest first, and a cut must keep the
		// newest messages (docs/graphql.md, "Limits"): read the last page.
		filter.Offset = total - limit
		if msgs, total, err = r.services.Messages.FindMessages(ctx, filter); err != nil {
			return nil, err
		}
		kept = keptNewest
	}
	r.noteCut(ctx, first, offset, len(msgs), total, kept)
	if msgs == nil {
		msgs = []*edusphere.Message{}
	}
	if err := r.prefetchMessages(ctx, msgs, selected(ctx, nil, "MessageType")); err != nil {
		return nil, err
	}
	return msgs, nil
}

// ownMessage finds a message the caller wrote: the login guard first, then
// "Message not found", then "Permission denied".
func (r *Resolver) ownMessage(ctx context.Context, id uuid.UUID) (*edusphere.Message, error) {
	user, err := requireUser(edusphere.UserFromContext(ctx))
	if err != nil {
		return nil, err
	}
	msg, err := r.services.Messages.FindMessageByID(ctx, id)
	if err != nil {
		return nil, notFound(err, edusphere.MsgMessageNotFound)
	}
	if !edusphere.CanEditMessage(user, msg) {
		return nil, edusphere.PermissionDenied()
	}
	return msg, nil
}
