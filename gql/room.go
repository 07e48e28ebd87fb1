package gql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/edusphere/edusphere"
)

// findRooms runs a rooms list query with the page arguments and primes the
// loaders with what the selection needs.
func (r *Resolver) findRooms(ctx context.Context, filter edusphere.RoomFilter, first *int, after *string) ([]*edusphere.Room, error) {
	offset, limit, ok, err := r.page(first, after)
	if err != nil || !ok {
		return []*edusphere.Room{}, err
	}
	filter.Offset, filter.Limit = offset, limit
	// Every GraphQL list shows only the rooms the caller may see
	// (docs/graphql.md, Private rooms).
	filter.VisibleTo = edusphere.Viewer(edusphere.UserFromContext(ctx))
	rooms, total, err := r.services.Rooms.FindRooms(ctx, filter)
	if err != nil {
		return nil, err
	}
	r.noteCut(ctx, first, offset, len(rooms), total, keptFirst)
	if rooms == nil {
		rooms = []*edusphere.Room{}
	}
	if err := r.prefetchRooms(ctx, rooms, selected(ctx, nil, "RoomType")); err != nil {
		return nil, err
	}
	return rooms, nil
}

// callerRoom finds a room for the caller: the login guard first, then
// "Room not found" (docs/graphql.md, Mutations).
func (r *Resolver) callerRoom(ctx context.Context, hostSlug, roomSlug string) (*edusphere.User, *edusphere.Room, error) {
	user, err := requireUser(edusphere.UserFromContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	room, err := r.visibleRoomBySlug(ctx, user, hostSlug, roomSlug)
	if err != nil {
		return nil, nil, err
	}
	return user, room, nil
}

// visibleRoomBySlug finds a room user (nil when anonymous) may see; a
// private room of others is "Room not found", like an unknown one.
func (r *Resolver) visibleRoomBySlug(ctx context.Context, user *edusphere.User, hostSlug, roomSlug string) (*edusphere.Room, error) {
	room, err := r.services.Rooms.FindRoomBySlug(ctx, hostSlug, roomSlug)
	if err == nil {
		err = edusphere.CheckRoomVisible(ctx, r.services.Rooms, user, room)
	}
	if err != nil {
		return nil, notFound(err, edusphere.MsgRoomNotFound)
	}
	return room, nil
}

// hostedRoom finds a room the caller hosts: callerRoom, then "Permission
// denied" (docs/graphql.md, Mutations).
func (r *Resolver) hostedRoom(ctx context.Context, hostSlug, roomSlug string) (*edusphere.Room, error) {
	user, room, err := r.callerRoom(ctx, hostSlug, roomSlug)
	if err != nil {
		return nil, err
	}
	if !edusphere.CanEditRoom(user, room) {
		return nil, edusphere.PermissionDenied()
	}
	return room, nil
}

// givenArgs reports which arguments of the current field the request
// actually gave, telling a left-out argument from an explicit null: the
// generated code hands both to the resolver as nil. A variable that was
// declared but left out of the variables counts as left out.
func givenArgs(ctx context.Context) map[string]bool {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	given := make(map[string]bool, len(fc.Field.Arguments))
	for _, a := range fc.Field.Arguments {
		if a.Value != nil && a.Value.Kind == ast.Variable {
			_, given[a.Name] = oc.Variables[a.Value.Raw]
			continue
		}
		given[a.Name] = true
	}
	return given
}

// selectedChild returns what the selection asks of typeName objects under
// the child field named child of the current field (a payload's room).
func selectedChild(ctx context.Context, child, typeName string) []graphql.CollectedField {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == child {
			return selected(ctx, &f, typeName)
		}
	}
	return nil
}
