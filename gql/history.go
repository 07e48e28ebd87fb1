package gql

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/gql/model"
)

// historyArgs checks the paging arguments of messages and messagePage
// (docs/graphql.md, "History and unread") before any query runs: last is
// 1 to edusphere.MaxHistoryPage, before a message id.
func historyArgs(last *int, before *string) (q edusphere.HistoryQuery, err error) {
	if last != nil {
		if *last < 1 || *last > edusphere.MaxHistoryPage {
			return q, edusphere.Errorf(edusphere.EINVALID, "last must be between 1 and %d.", edusphere.MaxHistoryPage)
		}
		q.Last = *last
	}
	if before != nil {
		id, err := uuid.Parse(*before)
		if err != nil {
			return q, edusphere.Errorf(edusphere.EINVALID, "before is not a valid cursor.")
		}
		q.Before = &id
	}
	return q, nil
}

// historyPage reads one page of the room's history and primes the loaders
// with what fields asks of its messages.
func (r *Resolver) historyPage(ctx context.Context, hostSlug, roomSlug string, q edusphere.HistoryQuery, fields []graphql.CollectedField) (*edusphere.HistoryPage, error) {
	room, err := r.services.Rooms.FindRoomBySlug(ctx, hostSlug, roomSlug)
	if err != nil {
		return nil, notFound(err, edusphere.MsgRoomNotFound)
	}
	r.loadersFrom(ctx).rooms.Prime(room.ID, room)
	q.RoomID = room.ID
	page, err := r.services.Messages.FindHistory(ctx, q)
	if err != nil {
		return nil, err
	}
	if page.Messages == nil {
		page.Messages = []*edusphere.Message{}
	}
	if err := r.prefetchMessages(ctx, page.Messages, fields); err != nil {
		return nil, err
	}
	return page, nil
}

// messagePage turns a history page into its GraphQL type.
func messagePage(p *edusphere.HistoryPage) *model.MessagePageType {
	out := &model.MessagePageType{Messages: p.Messages, HasMore: p.HasMore, Seq: int(p.Seq)}
	if p.HasMore {
		out.Next = ptr(p.Next.String())
	}
	return out
}

// fetchRoomSeqs reads the rooms' sequence numbers, MaxReadStates at a time;
// a room deleted meanwhile reads 0.
func fetchRoomSeqs(ctx context.Context, s edusphere.Services, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	out := make(map[uuid.UUID]int64, len(ids))
	for chunk := range slices.Chunk(ids, edusphere.MaxReadStates) {
		m, err := s.ReadMarkers.RoomSeqs(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for _, id := range chunk {
			out[id] = m[id]
		}
	}
	return out, nil
}

// fetchReadStates reads user's read states in the rooms, MaxReadStates at
// a time; rooms the user does not take part in (and every room, for an
// anonymous caller) map to nil.
func fetchReadStates(ctx context.Context, s edusphere.Services, user *edusphere.User, ids []uuid.UUID) (map[uuid.UUID]*edusphere.ReadState, error) {
	out := make(map[uuid.UUID]*edusphere.ReadState, len(ids))
	for _, id := range ids {
		out[id] = nil
	}
	if user == nil {
		return out, nil
	}
	for chunk := range slices.Chunk(ids, edusphere.MaxReadStates) {
		m, err := s.ReadMarkers.FindReadStates(ctx, user.ID, chunk)
		if err != nil {
			return nil, err
		}
		for id, st := range m {
			out[id] = st
		}
	}
	return out, nil
}

// primeHistory loads what fields asks of rooms' history state, once for
// both fields: the caller's read states (for "unreadCount"), which carry
// their rooms' sequence numbers, then (for "seq") the sequence numbers of
// the other rooms; one query per MaxReadStates rooms each.
func (r *Resolver) primeHistory(ctx context.Context, l *loaders, fields []graphql.CollectedField, rooms []*edusphere.Room) error {
	var seq, unread bool
	for _, f := range fields {
		seq = seq || f.Name == "seq"
		unread = unread || f.Name == "unreadCount"
	}
	ids := uniqueIDs(len(rooms), func(i int) uuid.UUID { return rooms[i].ID })
	if user := edusphere.UserFromContext(ctx); unread && user != nil {
		m, err := fetchReadStates(ctx, r.services, user, ids)
		if err != nil {
			return err
		}
		primeReadStates(l, m)
		ids = slices.DeleteFunc(ids, func(id uuid.UUID) bool { return m[id] != nil })
	}
	if !seq || len(ids) == 0 {
		return nil
	}
	m, err := fetchRoomSeqs(ctx, r.services, ids)
	if err != nil {
		return err
	}
	for id, seq := range m {
		l.roomSeqs.Prime(id, seq)
	}
	return nil
}

// primeReadStates primes the read states and, from them, the rooms'
// sequence numbers.
func primeReadStates(l *loaders, m map[uuid.UUID]*edusphere.ReadState) {
	for id, st := range m {
		l.readStates.Prime(id, st)
		if st != nil {
			l.roomSeqs.Prime(id, st.RoomSeq)
		}
	}
}

// myReadStates returns the caller's read states in all their rooms (the
// MaxReadStates they joined last), ordered by room id.
func (r *Resolver) myReadStates(ctx context.Context) ([]*edusphere.ReadState, error) {
	user, err := requireUser(edusphere.UserFromContext(ctx))
	if err != nil {
		return nil, err
	}
	m, err := r.services.ReadMarkers.FindReadStates(ctx, user.ID, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*edusphere.ReadState, 0, len(m))
	for _, st := range m {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *edusphere.ReadState) int { return slices.Compare(a.RoomID[:], b.RoomID[:]) })
	return out, nil
}
