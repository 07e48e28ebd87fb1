package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Object types as the action log records them.
const (
	typeUser    = "user"
	typeRoom    = "room"
	typeTopic   = "topic"
	typeMessage = "message"
)

// logAction writes one entry of the action log. before and after are
// marshalled to JSON; nil leaves them empty.
func (h *Handler) logAction(ctx context.Context, actor *edusphere.User, action, objType, objID, repr string, before, after any) error {
	a := &edusphere.AdminAction{
		ActorID: actor.ID, ActorEmail: actor.Email, Action: action,
		ObjectType: objType, ObjectID: objID, ObjectRepr: truncate(repr, 200),
	}
	var err error
	if before != nil {
		if a.Before, err = json.Marshal(before); err != nil {
			return fmt.Errorf("marshal before: %w", err)
		}
	}
	if after != nil {
		if a.After, err = json.Marshal(after); err != nil {
			return fmt.Errorf("marshal after: %w", err)
		}
	}
	if err := h.svc.AdminLog.CreateAdminAction(ctx, a); err != nil {
		return fmt.Errorf("write action log: %w", err)
	}
	return nil
}

// userRepr is how pages and the log name a user.
func userRepr(u *edusphere.User) string { return u.Email }

// userFields is the snapshot of a user the log keeps: everything but the
// password hash.
func userFields(u *edusphere.User) map[string]any {
	m := map[string]any{
		"email": u.Email, "username": u.Username, "name": u.Name, "bio": u.Bio,
		"avatar": u.Avatar, "is_staff": u.IsStaff, "is_superuser": u.IsSuperuser,
		"is_active": u.IsActive, "date_joined": u.DateJoined,
	}
	if u.LastLogin != nil {
		m["last_login"] = *u.LastLogin
	}
	return m
}

// userChanges returns the fields upd would change on u, before and after.
func userChanges(u *edusphere.User, upd edusphere.UserUpdate) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	add := func(name string, old, new any) {
		if old != new {
			before[name], after[name] = old, new
		}
	}
	if upd.Name != nil {
		add("name", u.Name, *upd.Name)
	}
	if upd.Bio != nil {
		add("bio", u.Bio, *upd.Bio)
	}
	if upd.IsStaff != nil {
		add("is_staff", u.IsStaff, *upd.IsStaff)
	}
	if upd.IsSuperuser != nil {
		add("is_superuser", u.IsSuperuser, *upd.IsSuperuser)
	}
	if upd.IsActive != nil {
		add("is_active", u.IsActive, *upd.IsActive)
	}
	return before, after
}

// checkUserChange enforces who may change what on a user account:
// only superusers change staff or superuser status and touch superuser
// accounts, and nobody locks themselves out.
func checkUserChange(actor, target *edusphere.User, before, after map[string]any) error {
	if len(after) == 0 {
		return nil
	}
	_, staff := after["is_staff"]
	_, super := after["is_superuser"]
	switch {
	case (staff || super) && !actor.IsSuperuser:
		return edusphere.Errorf(edusphere.EFORBIDDEN, "Only superusers may change staff or superuser status.")
	case target.IsSuperuser && !actor.IsSuperuser:
		return edusphere.Errorf(edusphere.EFORBIDDEN, "Only superusers may change a superuser account.")
	case actor.ID == target.ID && (after["is_active"] == false || after["is_staff"] == false):
		return edusphere.Errorf(edusphere.EFORBIDDEN, "You cannot deactivate your own account or remove your own staff status.")
	}
	return nil
}

// updateUser applies upd to u for actor and logs it. A change of active
// status goes through the account service, which ends the user's sessions
// and closes their chat sockets on deactivation; removing staff status ends
// the user's admin sessions. It returns whether anything changed.
func (h *Handler) updateUser(ctx context.Context, actor, u *edusphere.User, upd edusphere.UserUpdate) (bool, error) {
	before, after := userChanges(u, upd)
	if len(after) == 0 {
		return false, nil
	}
	if err := checkUserChange(actor, u, before, after); err != nil {
		return false, err
	}
	// Send only the changed fields, so a concurrent edit of another field survives.
	var only edusphere.UserUpdate
	for k := range after {
		switch k {
		case "name":
			only.Name = upd.Name
		case "bio":
			only.Bio = upd.Bio
		case "is_staff":
			only.IsStaff = upd.IsStaff
		case "is_superuser":
			only.IsSuperuser = upd.IsSuperuser
		}
	}
	if only != (edusphere.UserUpdate{}) {
		if _, err := h.svc.Users.UpdateUser(ctx, u.ID, only); err != nil {
			return false, err
		}
	}
	if active, ok := after["is_active"]; ok {
		var err error
		if active == true {
			_, err = h.cfg.Accounts.ReactivateUser(ctx, u.ID)
		} else {
			_, err = h.cfg.Accounts.DeactivateUser(ctx, u.ID)
		}
		if err != nil {
			return true, err
		}
	}
	if after["is_staff"] == false {
		if err := h.svc.Sessions.DeleteUserAdminSessions(ctx, u.ID); err != nil {
			return true, fmt.Errorf("end admin sessions: %w", err)
		}
	}
	return true, h.logAction(ctx, actor, "update", typeUser, u.ID.String(), userRepr(u), before, after)
}

// count returns the total of a finder called with Limit 1.
func count[T any](rows []T, total int, err error) (int, error) { return total, err }

// userCascade lists what deleting u also deletes.
func (h *Handler) userCascade(ctx context.Context, u *edusphere.User) ([]string, error) {
	rooms, _, err := h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{HostID: &u.ID})
	if err != nil {
		return nil, err
	}
	own, err := count(h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{UserID: &u.ID, Limit: 1}))
	if err != nil {
		return nil, err
	}
	others := 0
	for _, room := range rooms {
		all, err := count(h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID, Limit: 1}))
		if err != nil {
			return nil, err
		}
		mine, err := count(h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID, UserID: &u.ID, Limit: 1}))
		if err != nil {
			return nil, err
		}
		others += all - mine
	}
	member, err := count(h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{ParticipantID: &u.ID, Limit: 1}))
	if err != nil {
		return nil, err
	}
	// Hosts join their own rooms when creating them.
	joined := max(0, member-len(rooms))
	var out []string
	if len(rooms) > 0 {
		names := make([]string, 0, len(rooms))
		for _, r := range rooms {
			names = append(names, r.Name)
		}
		slices.Sort(names)
		names = names[:min(len(names), 5)]
		more := ""
		if len(rooms) > 5 {
			more = ", …"
		}
		out = append(out, fmt.Sprintf("%s hosted (%s%s)", plural(len(rooms), "room", "rooms"), strings.Join(names, ", "), more))
	}
	if own+others > 0 {
		s := plural(own+others, "message", "messages")
		if others > 0 {
			s += fmt.Sprintf(" (%d of their own, %d by others in their rooms)", own, others)
		}
		out = append(out, s)
	}
	if joined > 0 {
		out = append(out, plural(joined, "room membership", "room memberships")+" in other users’ rooms")
	}
	if u.Avatar != "" {
		out = append(out, "the avatar file "+u.Avatar)
	}
	return out, nil
}

// deleteUser deletes u for actor through the account service, which takes
// along everything that depends on the user and tells the open sockets.
func (h *Handler) deleteUser(ctx context.Context, actor, u *edusphere.User) error {
	switch {
	case actor.ID == u.ID:
		return edusphere.Errorf(edusphere.EFORBIDDEN, "You cannot delete your own account.")
	case u.IsSuperuser && !actor.IsSuperuser:
		return edusphere.Errorf(edusphere.EFORBIDDEN, "Only superusers may delete a superuser account.")
	}
	if err := h.cfg.Accounts.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	return h.logAction(ctx, actor, "delete", typeUser, u.ID.String(), userRepr(u), userFields(u), nil)
}

// roomFields is the snapshot of a room the log keeps.
func roomFields(r *edusphere.Room, topic string) map[string]any {
	return map[string]any{
		"name": r.Name, "slug": r.Slug, "host": r.HostID, "topic": topic,
		"description": r.Description, "created": r.Created, "updated": r.Updated,
	}
}

// roomCascade lists what deleting room also deletes.
func (h *Handler) roomCascade(ctx context.Context, room *edusphere.Room) ([]string, error) {
	n, err := count(h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID, Limit: 1}))
	if err != nil {
		return nil, err
	}
	var out []string
	if n > 0 {
		out = append(out, plural(n, "message", "messages"))
	}
	if room.ParticipantCount > 0 {
		out = append(out, plural(room.ParticipantCount, "participant link", "participant links"))
	}
	return out, nil
}

// deleteRoom deletes room (its messages and participant links go with it)
// through the wrapped service, which closes the room's sockets.
func (h *Handler) deleteRoom(ctx context.Context, actor *edusphere.User, room *edusphere.Room) error {
	topic := h.topicName(ctx, room.TopicID)
	if err := h.svc.Rooms.DeleteRoom(ctx, room.ID); err != nil {
		return err
	}
	return h.logAction(ctx, actor, "delete", typeRoom, room.ID.String(), room.Name, roomFields(room, topic), nil)
}

// topicName returns the name of a topic, or "" when it cannot be read.
func (h *Handler) topicName(ctx context.Context, id int64) string {
	t, err := h.svc.Topics.FindTopicByID(ctx, id)
	if err != nil {
		return ""
	}
	return t.Name
}

// topicCascade lists what deleting t also deletes.
func (h *Handler) topicCascade(ctx context.Context, t *edusphere.Topic) ([]string, error) {
	rooms, _, err := h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{TopicID: &t.ID})
	if err != nil {
		return nil, err
	}
	msgs := 0
	for _, room := range rooms {
		n, err := count(h.svc.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID, Limit: 1}))
		if err != nil {
			return nil, err
		}
		msgs += n
	}
	var out []string
	if len(rooms) > 0 {
		out = append(out, plural(len(rooms), "room", "rooms"))
	}
	if msgs > 0 {
		out = append(out, plural(msgs, "message", "messages")+" in those rooms")
	}
	return out, nil
}

// deleteTopic deletes t and its rooms, each room on its own so that its
// sockets close.
func (h *Handler) deleteTopic(ctx context.Context, actor *edusphere.User, t *edusphere.Topic) error {
	rooms, _, err := h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{TopicID: &t.ID})
	if err != nil {
		return err
	}
	for _, room := range rooms {
		if err := h.svc.Rooms.DeleteRoom(ctx, room.ID); err != nil && edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			return fmt.Errorf("delete room of topic: %w", err)
		}
	}
	if err := h.svc.Topics.DeleteTopic(ctx, t.ID); err != nil {
		return err
	}
	return h.logAction(ctx, actor, "delete", typeTopic, fmt.Sprint(t.ID), t.Name,
		map[string]any{"name": t.Name, "rooms": len(rooms)}, nil)
}

// messageRepr is how pages and the log name a message.
func messageRepr(m *edusphere.Message) string { return truncate(m.Body, 50) }

// deleteMessage deletes m through the wrapped service, which tells the room.
func (h *Handler) deleteMessage(ctx context.Context, actor *edusphere.User, m *edusphere.Message) error {
	if err := h.svc.Messages.DeleteMessage(ctx, m.ID); err != nil {
		return err
	}
	return h.logAction(ctx, actor, "delete", typeMessage, m.ID.String(), messageRepr(m),
		map[string]any{"user": m.UserID, "room": m.RoomID, "body": m.Body, "edited": m.Edited, "created": m.Created, "updated": m.Updated}, nil)
}

// usersByID loads the users with ids, for the names in a list.
func (h *Handler) usersByID(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*edusphere.User, error) {
	out := map[uuid.UUID]*edusphere.User{}
	if len(ids) == 0 {
		return out, nil
	}
	users, _, err := h.svc.Users.FindUsers(ctx, edusphere.UserFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// roomsByID loads the rooms with ids.
func (h *Handler) roomsByID(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*edusphere.Room, error) {
	out := map[uuid.UUID]*edusphere.Room{}
	if len(ids) == 0 {
		return out, nil
	}
	rooms, _, err := h.svc.Rooms.FindRooms(ctx, edusphere.RoomFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	for _, r := range rooms {
		out[r.ID] = r
	}
	return out, nil
}

// topicsByID loads the topics with ids.
func (h *Handler) topicsByID(ctx context.Context, ids []int64) (map[int64]*edusphere.Topic, error) {
	out := map[int64]*edusphere.Topic{}
	if len(ids) == 0 {
		return out, nil
	}
	topics, _, err := h.svc.Topics.FindTopics(ctx, edusphere.TopicFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	for _, t := range topics {
		out[t.ID] = t
	}
	return out, nil
}
