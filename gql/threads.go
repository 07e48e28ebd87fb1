package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
)

// searchMessages checks the bounds of a search before the store runs it
// (docs/limits.md, "Search") and primes the loaders with what the results'
// messages select.
func (r *Resolver) searchMessages(ctx context.Context, user *edusphere.User, query string, room *uuid.UUID, first *int, after *string) (*edusphere.SearchPage, error) {
	terms, err := edusphere.SearchTerms(query)
	if err != nil {
		return nil, err
	}
	n, err := edusphere.SearchFirst(first)
	if err != nil {
		return nil, err
	}
	q := edusphere.SearchQuery{UserID: user.ID, Terms: terms, RoomID: room, First: n}
	if after != nil && *after != "" {
		if q.After, err = edusphere.ParseSearchCursor(*after); err != nil {
			return nil, err
		}
	}
	page, err := r.services.Search.SearchMessages(ctx, q)
	if err != nil {
		return nil, err
	}
	msgs := make([]*edusphere.Message, len(page.Hits))
	for i, h := range page.Hits {
		msgs[i] = h.Message
	}
	for _, res := range selected(ctx, nil, "MessageSearch") {
		if res.Name != "results" {
			continue
		}
		for _, f := range selected(ctx, &res, "MessageSearchResult") {
			if f.Name == "message" {
				if err := r.prefetchMessages(ctx, msgs, selected(ctx, &f, "MessageType")); err != nil {
					return nil, err
				}
			}
		}
	}
	return page, nil
}

// reportMessage files a report of the message by user, who must take part
// in its room (edusphere.CanReportMessage); to anyone else the message
// does not exist.
func (r *Resolver) reportMessage(ctx context.Context, user *edusphere.User, messageID uuid.UUID, reason string) error {
	if err := edusphere.ValidateReportReason(reason); err != nil {
		return err
	}
	msg, err := r.services.Messages.FindMessageByID(ctx, messageID)
	if err != nil {
		return notFound(err, edusphere.MsgMessageNotFound)
	}
	ok, err := r.services.Rooms.IsParticipant(ctx, msg.RoomID, user.ID)
	if err != nil {
		return err
	} else if !edusphere.CanReportMessage(user, ok) {
		return edusphere.NotFound(edusphere.MsgMessageNotFound)
	}
	return r.services.Reports.CreateReport(ctx, &edusphere.Report{MessageID: msg.ID, ReporterID: user.ID, Reason: reason})
}

// fetchParents returns the messages with ids, and nil for those that are
// gone: a reply's parent may be deleted (docs/data.md, "Replies").
func fetchParents(ctx context.Context, s edusphere.Services, ids []uuid.UUID) (map[uuid.UUID]*edusphere.Message, error) {
	msgs, _, err := s.Messages.FindMessages(ctx, edusphere.MessageFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	m := make(map[uuid.UUID]*edusphere.Message, len(ids))
	for _, id := range ids {
		m[id] = nil
	}
	for _, msg := range msgs {
		m[msg.ID] = msg
	}
	return m, nil
}

// prefetchReplies loads, with one query, the parents of the replies among
// msgs, and with one more the parents' authors when the selection asks
// for them, and primes the request's loaders.
func (r *Resolver) prefetchReplies(ctx context.Context, l *loaders, msgs []*edusphere.Message, field *graphql.CollectedField) error {
	var ids []uuid.UUID
	for _, m := range msgs {
		if m.ReplyTo != nil {
			ids = append(ids, *m.ReplyTo)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ids = uniqueIDs(len(ids), func(i int) uuid.UUID { return ids[i] })
	parents, err := fetchParents(ctx, r.services, ids)
	if err != nil {
		return err
	}
	authors := make([]uuid.UUID, 0, len(parents))
	for id, p := range parents {
		l.parents.Prime(id, p)
		if p != nil {
			authors = append(authors, p.UserID)
		}
	}
	for _, f := range selected(ctx, field, "MessageReply") {
		if f.Name == "author" && len(authors) > 0 {
			return r.primeUsers(ctx, l, authors)
		}
	}
	return nil
}
