package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// visibleRoom finds a room by id for the logged-in caller: the login guard
// first, then "Room not found" for an unknown room or a private room the
// caller does not take part in (docs/graphql.md, Membership and
// invitations).
func (r *Resolver) visibleRoom(ctx context.Context, id uuid.UUID) (*edusphere.User, *edusphere.Room, error) {
	user, err := requireUser(edusphere.UserFromContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	room, err := r.services.Rooms.FindRoomByID(ctx, id)
	if err == nil {
		err = edusphere.CheckRoomVisible(ctx, r.services.Rooms, user, room)
	}
	if err != nil {
		return nil, nil, notFound(err, edusphere.MsgRoomNotFound)
	}
	return user, room, nil
}

// invitations returns the invitation service, or an internal error when
// the server was built without one.
func (r *Resolver) invitations() (edusphere.InvitationService, error) {
	if r.services.Invitations == nil {
		return nil, edusphere.Errorf(edusphere.EINTERNAL, "invitations are not configured")
	}
	return r.services.Invitations, nil
}

// callerInvitation finds an invitation the caller may act on as the
// invited user; anyone else's is "Invitation not found".
func (r *Resolver) callerInvitation(ctx context.Context, id uuid.UUID) (*edusphere.User, *edusphere.Invitation, error) {
	user, err := requireUser(edusphere.UserFromContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	invs, err := r.invitations()
	if err != nil {
		return nil, nil, err
	}
	inv, err := invs.FindInvitationByID(ctx, id)
	if err != nil {
		return nil, nil, notFound(err, edusphere.MsgInvitationNotFound)
	}
	return user, inv, nil
}

// findInvitations runs an invitation list query with the page arguments.
func (r *Resolver) findInvitations(ctx context.Context, f edusphere.InvitationFilter, first *int, after *string) ([]*edusphere.Invitation, error) {
	invs, err := r.invitations()
	if err != nil {
		return nil, err
	}
	offset, limit, ok, err := r.page(first, after)
	if err != nil || !ok {
		return []*edusphere.Invitation{}, err
	}
	f.Offset, f.Limit = offset, limit
	list, total, err := invs.FindInvitations(ctx, f)
	if err != nil {
		return nil, err
	}
	r.noteCut(ctx, first, offset, len(list), total, keptFirst)
	if list == nil {
		list = []*edusphere.Invitation{}
	}
	if err := r.prefetchInvitations(ctx, list, selected(ctx, nil, "InvitationType")); err != nil {
		return nil, err
	}
	return list, nil
}

// prefetchInvitations primes the rooms, invited users and inviters the
// selection asks for, with one query each (gql/loader.go). The invited
// user sees the room an invitation names, private or not.
func (r *Resolver) prefetchInvitations(ctx context.Context, invs []*edusphere.Invitation, fields []graphql.CollectedField) error {
	if len(invs) == 0 {
		return nil
	}
	l := r.loadersFrom(ctx)
	for i := range fields {
		f := &fields[i]
		switch f.Name {
		case "user", "invitedBy":
			ids := make([]uuid.UUID, 0, len(invs))
			for _, inv := range invs {
				if f.Name == "user" {
					ids = append(ids, inv.UserID)
				} else {
					ids = append(ids, inv.InviterID)
				}
			}
			if err := r.primeUsers(ctx, l, ids); err != nil {
				return err
			}
		case "room":
			ids := uniqueIDs(len(invs), func(i int) uuid.UUID { return invs[i].RoomID })
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
		}
	}
	return nil
}
