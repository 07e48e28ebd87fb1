package gql

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/cache"
)

// loaders batch the lookups of one request so that a list never costs one
// query per item. List resolvers also prime them with everything the
// selection will ask for (see prefetch), which keeps the statement count of
// a request independent of the list length without waiting for a batch.
type loaders struct {
	users        *dataloadgen.Loader[uuid.UUID, *edusphere.User]
	topics       *dataloadgen.Loader[int64, *edusphere.Topic]
	rooms        *dataloadgen.Loader[uuid.UUID, *edusphere.Room]
	participants *dataloadgen.Loader[uuid.UUID, []*edusphere.User]
	// parents are the messages replies answer, nil when deleted.
	parents *dataloadgen.Loader[uuid.UUID, *edusphere.Message]
	// roomSeqs and readStates serve Room.seq and Room.unreadCount
	// (gql/history.go); a nil read state means the caller does not take
	// part in the room.
	roomSeqs   *dataloadgen.Loader[uuid.UUID, int64]
	readStates *dataloadgen.Loader[uuid.UUID, *edusphere.ReadState]
}

type loadersKey struct{}

// loaderWait is how long a loader collects keys before it queries; short,
// because prefetching already answers the common paths. Nested fields
// resolve one after another (gql/internal/inline), so a key that no list
// resolver primed waits this long on its own before its query.
const loaderWait = 500 * time.Microsecond

func newLoaders(s edusphere.Services) *loaders {
	return &loaders{
		users: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*edusphere.User, error) {
			return fetchUsers(ctx, s, ids)
		}), dataloadgen.WithWait(loaderWait)),
		topics: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []int64) (map[int64]*edusphere.Topic, error) {
			return fetchTopics(ctx, s, ids)
		}), dataloadgen.WithWait(loaderWait)),
		rooms: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*edusphere.Room, error) {
			return fetchRooms(ctx, s, ids)
		}), dataloadgen.WithWait(loaderWait)),
		participants: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*edusphere.User, error) {
			m, err := s.Rooms.FindParticipants(ctx, ids)
			if err != nil {
				return nil, err
			}
			// A room without participants is a valid empty answer, not a miss.
			for _, id := range ids {
				if _, ok := m[id]; !ok {
					m[id] = []*edusphere.User{}
				}
			}
			return m, nil
		}), dataloadgen.WithWait(loaderWait)),
		parents: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*edusphere.Message, error) {
			return fetchParents(ctx, s, ids)
		}), dataloadgen.WithWait(loaderWait)),
		roomSeqs: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
			return fetchRoomSeqs(ctx, s, ids)
		}), dataloadgen.WithWait(loaderWait)),
		readStates: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*edusphere.ReadState, error) {
			return fetchReadStates(ctx, s, edusphere.UserFromContext(ctx), ids)
		}), dataloadgen.WithWait(loaderWait)),
	}
}

// guard wraps a loader's batch function, which runs in a goroutine of its
// own: a panic there is recorded for the request (it then answers 500,
// see recoverPanic) and the batch fails with an error.
func guard[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error)) func(context.Context, []K) (map[K]V, error) {
	return func(ctx context.Context, keys []K) (m map[K]V, err error) {
		defer func() {
			if v := recover(); v != nil {
				recordPanic(ctx, v)
				m, err = nil, errPanicked
			}
		}()
		return fetch(ctx, keys)
	}
}

// readScope lets the reads of a query operation share one read of the
// catalog version (package cache): one small query per request instead of
// one per list. Mutations read it afresh for every lookup, so the answer
// they return sees their own writes.
func readScope(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Query {
		ctx = cache.WithScope(ctx)
	}
	return next(ctx)
}

func withLoaders(ctx context.Context, l *loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loadersFrom returns the request's loaders; a context without them (a
// resolver called outside the handler) gets fresh ones.
func (r *Resolver) loadersFrom(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return newLoaders(r.services)
}

func fetchUsers(ctx context.Context, s edusphere.Services, ids []uuid.UUID) (map[uuid.UUID]*edusphere.User, error) {
	users, _, err := s.Users.FindUsers(ctx, edusphere.UserFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	m := make(map[uuid.UUID]*edusphere.User, len(users))
	for _, u := range users {
		m[u.ID] = u
	}
	return m, nil
}

func fetchTopics(ctx context.Context, s edusphere.Services, ids []int64) (map[int64]*edusphere.Topic, error) {
	topics, _, err := s.Topics.FindTopics(ctx, edusphere.TopicFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	m := make(map[int64]*edusphere.Topic, len(topics))
	for _, t := range topics {
		m[t.ID] = t
	}
	return m, nil
}

func fetchRooms(ctx context.Context, s edusphere.Services, ids []uuid.UUID) (map[uuid.UUID]*edusphere.Room, error) {
	rooms, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	m := make(map[uuid.UUID]*edusphere.Room, len(rooms))
	for _, r := range rooms {
		m[r.ID] = r
	}
	return m, nil
}

// selected returns the sub-fields the current field's selection asks for
// on objects of typeName, or those of parent when it is non-nil.
func selected(ctx context.Context, parent *graphql.CollectedField, typeName string) []graphql.CollectedField {
	if parent == nil {
		return graphql.CollectFieldsCtx(ctx, []string{typeName})
	}
	return graphql.CollectFields(graphql.GetOperationContext(ctx), parent.Selections, []string{typeName})
}

// prefetchRooms loads, with one query each, the hosts, topics and
// participants that the selection on rooms asks for, and primes the
// request's loaders with them.
func (r *Resolver) prefetchRooms(ctx context.Context, rooms []*edusphere.Room, fields []graphql.CollectedField) error {
	if len(rooms) == 0 {
		return nil
	}
	l := r.loadersFrom(ctx)
	primedOnline := false
	history := false // seq and unreadCount are primed together
	for _, f := range fields {
		switch f.Name {
		case "online", "onlineCount":
			if !primedOnline {
				primedOnline = true
				if err := r.primeOnline(ctx, l, rooms, fields); err != nil {
					return err
				}
			}
		case "host":
			ids := make([]uuid.UUID, 0, len(rooms))
			for _, room := range rooms {
				ids = append(ids, room.HostID)
			}
			if err := r.primeUsers(ctx, l, ids); err != nil {
				return err
			}
		case "topic":
			seen := make(map[int64]bool, len(rooms))
			ids := make([]int64, 0, len(rooms))
			for _, room := range rooms {
				if !seen[room.TopicID] {
					seen[room.TopicID] = true
					ids = append(ids, room.TopicID)
				}
			}
			m, err := fetchTopics(ctx, r.services, ids)
			if err != nil {
				return err
			}
			for id, t := range m {
				l.topics.Prime(id, t)
			}
		case "seq", "unreadCount":
			if history {
				continue
			}
			history = true
			if err := r.primeHistory(ctx, l, fields, rooms); err != nil {
				return err
			}
		case "participants":
			ids := make([]uuid.UUID, 0, len(rooms))
			for _, room := range rooms {
				ids = append(ids, room.ID)
			}
			m, err := r.services.Rooms.FindParticipants(ctx, ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				users := m[id]
				if users == nil {
					users = []*edusphere.User{}
				}
				l.participants.Prime(id, users)
			}
		}
	}
	return nil
}

// prefetchMessages primes authors and rooms, and what the selection asks
// of those rooms, for a list of messages.
func (r *Resolver) prefetchMessages(ctx context.Context, msgs []*edusphere.Message, fields []graphql.CollectedField) error {
	if len(msgs) == 0 {
		return nil
	}
	l := r.loadersFrom(ctx)
	for i := range fields {
		f := &fields[i]
		switch f.Name {
		case "user":
			ids := make([]uuid.UUID, 0, len(msgs))
			for _, m := range msgs {
				ids = append(ids, m.UserID)
			}
			if err := r.primeUsers(ctx, l, ids); err != nil {
				return err
			}
		case "room":
			ids := uniqueIDs(len(msgs), func(i int) uuid.UUID { return msgs[i].RoomID })
			m, err := fetchRooms(ctx, r.services, ids)
			if err != nil {
				return err
			}
			rooms := make([]*edusphere.Room, 0, len(m))
			for id, room := range m {
				l.rooms.Prime(id, room)
				rooms = append(rooms, room)
			}
			if err := r.prefetchRooms(ctx, rooms, selected(ctx, f, "RoomType")); err != nil {
				return err
			}
		case "replyTo":
			if err := r.prefetchReplies(ctx, l, msgs, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// primeUsers loads the users with ids that are not cached yet.
func (r *Resolver) primeUsers(ctx context.Context, l *loaders, ids []uuid.UUID) error {
	ids = uniqueIDs(len(ids), func(i int) uuid.UUID { return ids[i] })
	m, err := fetchUsers(ctx, r.services, ids)
	if err != nil {
		return err
	}
	for id, u := range m {
		l.users.Prime(id, u)
	}
	return nil
}

func uniqueIDs(n int, at func(int) uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]struct{}, n)
	out := make([]uuid.UUID, 0, n)
	for i := 0; i < n; i++ {
		id := at(i)
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}
