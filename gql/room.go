package gql

import (
	"context"
	"strings"

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

// hostedRoom finds a room the caller hosts: the login guard first, then
// "Room not found", then "Permission denied" (§3.4 updateRoom, deleteRoom).
func (r *Resolver) hostedRoom(ctx context.Context, hostSlug, roomSlug string) (*edusphere.Room, error) {
	user, err := requireUser(edusphere.UserFromContext(ctx))
	if err != nil {
		return nil, err
	}
	room, err := r.services.Rooms.FindRoomBySlug(ctx, hostSlug, roomSlug)
	if err != nil {
		return nil, notFound(err, edusphere.MsgRoomNotFound)
	}
	if !edusphere.CanEditRoom(user, room) {
		return nil, edusphere.PermissionDenied()
	}
	return room, nil
}

// roomNameField cleans the room form's name (trimmed, required, letters,
// digits and spaces, at most 200 characters) and adds its messages to fe
// in the original's validator order. A nil value counts as empty.
func roomNameField(fe *edusphere.FieldErrors, v *string) string {
	var name string
	if v != nil {
		name = strings.TrimSpace(*v)
	}
	if name == "" {
		fe.Add("name", edusphere.MsgRequired)
		return name
	}
	if !edusphere.IsRoomName(name) {
		fe.Add("name", edusphere.MsgRoomNameChars)
	}
	if n := edusphere.Len(name); n > edusphere.MaxNameLength {
		fe.Add("name", edusphere.MsgMaxLength(edusphere.MaxNameLength, n))
	}
	return name
}

// descriptionField cleans the room form's description: null is "",
// trimmed, at most 500 characters.
func descriptionField(fe *edusphere.FieldErrors, v *string) string {
	var d string
	if v != nil {
		d = strings.TrimSpace(*v)
	}
	if n := edusphere.Len(d); n > edusphere.MaxDescriptionLength {
		fe.Add("description", edusphere.MsgMaxLength(edusphere.MaxDescriptionLength, n))
	}
	return d
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
