package gql

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/edusphere/edusphere"
)

// presenceLoaders batch the presence reads of one request: one store read
// for the online lists of every room a response shows, one for the
// last-seen times of every user (docs/presence.md, GraphQL).
type presenceLoaders struct {
	online   *dataloadgen.Loader[uuid.UUID, edusphere.OnlineList]
	lastSeen *dataloadgen.Loader[uuid.UUID, time.Time]
}

type presenceLoadersKey struct{}

func newPresenceLoaders(p edusphere.PresenceService) *presenceLoaders {
	if p == nil {
		return nil
	}
	return &presenceLoaders{
		online: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]edusphere.OnlineList, error) {
			m, err := p.Online(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if _, ok := m[id]; !ok {
					m[id] = edusphere.OnlineList{}
				}
			}
			return m, nil
		}), dataloadgen.WithWait(loaderWait)),
		lastSeen: dataloadgen.NewMappedLoader(guard(func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]time.Time, error) {
			m, err := p.LastSeen(ctx, ids)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if _, ok := m[id]; !ok {
					m[id] = time.Time{} // never seen
				}
			}
			return m, nil
		}), dataloadgen.WithWait(loaderWait)),
	}
}

func withPresenceLoaders(ctx context.Context, p edusphere.PresenceService) context.Context {
	return context.WithValue(ctx, presenceLoadersKey{}, newPresenceLoaders(p))
}

// presenceLoadersFrom returns the request's presence loaders, nil when
// there is no presence service.
func (r *Resolver) presenceLoadersFrom(ctx context.Context) *presenceLoaders {
	if l, ok := ctx.Value(presenceLoadersKey{}).(*presenceLoaders); ok {
		return l
	}
	return newPresenceLoaders(r.presence)
}

// onlineIn returns who is online in room, and false when the caller may
// not know: anonymous callers and users who do not take part in the room.
func (r *Resolver) onlineIn(ctx context.Context, room *edusphere.Room) (edusphere.OnlineList, bool, error) {
	viewer := edusphere.UserFromContext(ctx)
	pl := r.presenceLoadersFrom(ctx)
	if viewer == nil || pl == nil {
		return edusphere.OnlineList{}, false, nil
	}
	participants, err := r.loadersFrom(ctx).participants.Load(ctx, room.ID)
	if err != nil {
		return edusphere.OnlineList{}, false, err
	}
	if !slices.ContainsFunc(participants, func(u *edusphere.User) bool { return u.ID == viewer.ID }) {
		return edusphere.OnlineList{}, false, nil
	}
	l, err := pl.online.Load(ctx, room.ID)
	return l, err == nil, err
}

// onlineUsers resolves RoomType.online: the users of onlineIn, by
// username.
func (r *Resolver) onlineUsers(ctx context.Context, room *edusphere.Room) ([]*edusphere.User, error) {
	l, ok, err := r.onlineIn(ctx, room)
	if err != nil || !ok {
		return nil, err
	}
	users := make([]*edusphere.User, 0, len(l.Users))
	if len(l.Users) > 0 {
		found, err := r.loadersFrom(ctx).users.LoadAll(ctx, l.Users)
		if err != nil {
			// Users deleted since their socket closed are left out.
			found = slices.DeleteFunc(found, func(u *edusphere.User) bool { return u == nil })
		}
		users = append(users, found...)
	}
	slices.SortFunc(users, func(a, b *edusphere.User) int { return strings.Compare(a.Username, b.Username) })
	return users, nil
}

// onlineCount resolves RoomType.onlineCount.
func (r *Resolver) onlineCount(ctx context.Context, room *edusphere.Room) (*int, error) {
	l, ok, err := r.onlineIn(ctx, room)
	if err != nil || !ok {
		return nil, err
	}
	return &l.Count, nil
}

// lastSeen resolves UserType.lastSeen for signed-in callers.
func (r *Resolver) lastSeen(ctx context.Context, u *edusphere.User) (*time.Time, error) {
	pl := r.presenceLoadersFrom(ctx)
	if edusphere.UserFromContext(ctx) == nil || pl == nil {
		return nil, nil
	}
	t, err := pl.lastSeen.Load(ctx, u.ID)
	if err != nil || t.IsZero() {
		return nil, err
	}
	return &t, nil
}

// primeOnline reads, in one store read, who is online in each of rooms,
// and primes the request's presence loader with it; when the selection
// (fields) lists the users, it also primes the user loader with all of
// them in one query. prefetchRooms calls it when the selection asks for
// online or onlineCount.
func (r *Resolver) primeOnline(ctx context.Context, l *loaders, rooms []*edusphere.Room, fields []graphql.CollectedField) error {
	pl := r.presenceLoadersFrom(ctx)
	if pl == nil || edusphere.UserFromContext(ctx) == nil {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(rooms))
	for _, room := range rooms {
		ids = append(ids, room.ID)
	}
	m, err := r.presence.Online(ctx, ids)
	if err != nil {
		return err
	}
	var users []uuid.UUID
	for _, id := range ids {
		pl.online.Prime(id, m[id])
		users = append(users, m[id].Users...)
	}
	selects := func(name string) bool {
		return slices.ContainsFunc(fields, func(f graphql.CollectedField) bool { return f.Name == name })
	}
	// onlineIn checks the caller against the participants: one query for
	// all rooms, unless the selection's participants prime them anyway.
	if !selects("participants") {
		parts, err := r.services.Rooms.FindParticipants(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p := parts[id]
			if p == nil {
				p = []*edusphere.User{}
			}
			l.participants.Prime(id, p)
		}
	}
	if len(users) == 0 || !selects("online") {
		return nil
	}
	return r.primeUsers(ctx, l, users)
}
