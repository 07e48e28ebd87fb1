package hub

import (
	"context"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// publishTimeout bounds one publish after a commit.
const publishTimeout = 5 * time.Second

// Wrap returns s with Messages, Rooms, Users and Topics replaced by services
// that publish after the store commits: message frames to the room, room
// deletion (sockets closed with 4404), user deactivation and deletion
// (sockets closed with 4403). GraphQL and the admin use the wrapped services
// so their changes reach the sockets. Wrapping twice wraps once.
func (h *Hub) Wrap(s edusphere.Services) edusphere.Services {
	raw := unwrap(s)
	if _, ok := s.Messages.(*messageService); !ok && s.Messages != nil {
		s.Messages = &messageService{MessageService: s.Messages, h: h, users: raw.Users}
	}
	if _, ok := s.Rooms.(*roomService); !ok && s.Rooms != nil {
		s.Rooms = &roomService{RoomService: s.Rooms, h: h}
	}
	if _, ok := s.Users.(*userService); !ok && s.Users != nil {
		s.Users = &userService{UserService: s.Users, h: h, rooms: raw.Rooms, messages: raw.Messages}
	}
	if _, ok := s.Topics.(*topicService); !ok && s.Topics != nil {
		s.Topics = &topicService{TopicService: s.Topics, h: h, rooms: raw.Rooms}
	}
	return s
}

// unwrap returns the store's own services under any wrappers of this package.
func unwrap(s edusphere.Services) edusphere.Services {
	if w, ok := s.Messages.(*messageService); ok {
		s.Messages = w.MessageService
	}
	if w, ok := s.Rooms.(*roomService); ok {
		s.Rooms = w.RoomService
	}
	if w, ok := s.Users.(*userService); ok {
		s.Users = w.UserService
	}
	if w, ok := s.Topics.(*topicService); ok {
		s.Topics = w.TopicService
	}
	return s
}

// publish sends ev after a commit. The request's cancellation must not undo
// the announcement of a change already made, so ctx only lends its values.
func (h *Hub) publish(ctx context.Context, channel string, ev edusphere.Event) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := h.broker.Publish(ctx, channel, ev); err != nil {
		h.log.Warn("publish", "channel", channel, "type", ev.Type, "err", err)
	}
}

func (h *Hub) publishRoomDeleted(ctx context.Context, roomID uuid.UUID) {
	h.publish(ctx, edusphere.RoomChannel(roomID), edusphere.Event{Type: edusphere.EventRoomDeleted, RoomID: roomID})
}

// messageService publishes message frames after each change.
type messageService struct {
	edusphere.MessageService
	h     *Hub
	users edusphere.UserService
}

// CreateMessage inserts m, then publishes the "new" frame.
func (s *messageService) CreateMessage(ctx context.Context, m *edusphere.Message) error {
	if err := s.MessageService.CreateMessage(ctx, m); err != nil {
		return err
	}
	s.h.metrics.MessagePersisted()
	author := edusphere.UserFromContext(ctx)
	if author == nil || author.ID != m.UserID {
		u, err := s.users.FindUserByID(ctx, m.UserID)
		if err != nil {
			s.h.log.Error("find author for broadcast", "message", m.ID, "err", err)
			return nil
		}
		author = u
	}
	s.h.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageCreated, RoomID: m.RoomID, UserID: m.UserID, Frame: NewFrame(m, author),
	})
	return nil
}

// UpdateMessage updates the message, then publishes the "update" frame.
func (s *messageService) UpdateMessage(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error) {
	m, err := s.MessageService.UpdateMessage(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	s.h.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageUpdated, RoomID: m.RoomID, UserID: m.UserID, Frame: UpdateFrame(m),
	})
	return m, nil
}

// DeleteMessage deletes the message, then publishes the "delete" frame.
func (s *messageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	m, err := s.MessageService.FindMessageByID(ctx, id)
	if err != nil {
		return err
	}
	return deleteMessage(ctx, s.h, s.MessageService, m)
}

// deleteMessage deletes the already found m and publishes its frame.
func deleteMessage(ctx context.Context, h *Hub, store edusphere.MessageService, m *edusphere.Message) error {
	if err := store.DeleteMessage(ctx, m.ID); err != nil {
		return err
	}
	h.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageDeleted, RoomID: m.RoomID, UserID: m.UserID, Frame: DeleteFrame(m.ID),
	})
	return nil
}

// roomService closes a room's sockets after it is deleted.
type roomService struct {
	edusphere.RoomService
	h *Hub
}

// DeleteRoom deletes the room, then closes its sockets everywhere.
func (s *roomService) DeleteRoom(ctx context.Context, id uuid.UUID) error {
	if err := s.RoomService.DeleteRoom(ctx, id); err != nil {
		return err
	}
	s.h.publishRoomDeleted(ctx, id)
	return nil
}

// userService closes a user's sockets after deactivation or deletion.
type userService struct {
	edusphere.UserService
	h        *Hub
	rooms    edusphere.RoomService
	messages edusphere.MessageService
}

// UpdateUser applies upd; setting IsActive to false closes the user's sockets.
func (s *userService) UpdateUser(ctx context.Context, id uuid.UUID, upd edusphere.UserUpdate) (*edusphere.User, error) {
	u, err := s.UserService.UpdateUser(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	if upd.IsActive != nil && !*upd.IsActive {
		s.h.publish(ctx, edusphere.SystemChannel, edusphere.Event{Type: edusphere.EventUserDisabled, UserID: id})
	}
	return u, nil
}

// DeleteUser deletes the user, their messages and the rooms they host,
// then closes the user's sockets and those of the deleted rooms, and sends
// a delete frame for each of their messages in other people's rooms, so
// open rooms drop them as they would a message deleted by its author.
// (A message the user posts while the deletion runs goes without a frame;
// the next page load no longer shows it.)
func (s *userService) DeleteUser(ctx context.Context, id uuid.UUID) error {
	rooms, _, err := s.rooms.FindRooms(ctx, edusphere.RoomFilter{HostID: &id})
	if err != nil {
		return err
	}
	var msgs []*edusphere.Message
	if s.messages != nil {
		if msgs, _, err = s.messages.FindMessages(ctx, edusphere.MessageFilter{UserID: &id}); err != nil {
			return err
		}
	}
	if err := s.UserService.DeleteUser(ctx, id); err != nil {
		return err
	}
	s.h.publish(ctx, edusphere.SystemChannel, edusphere.Event{Type: edusphere.EventUserDisabled, UserID: id})
	hosted := make(map[uuid.UUID]bool, len(rooms))
	for _, r := range rooms {
		hosted[r.ID] = true
		s.h.publishRoomDeleted(ctx, r.ID)
	}
	for _, m := range msgs {
		if !hosted[m.RoomID] {
			s.h.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
				Type: edusphere.EventMessageDeleted, RoomID: m.RoomID, UserID: m.UserID, Frame: DeleteFrame(m.ID),
			})
		}
	}
	return nil
}

// topicService closes the sockets of the rooms a deleted topic took along.
type topicService struct {
	edusphere.TopicService
	h     *Hub
	rooms edusphere.RoomService
}

// DeleteTopic deletes the topic and its rooms, then closes their sockets.
func (s *topicService) DeleteTopic(ctx context.Context, id int64) error {
	rooms, _, err := s.rooms.FindRooms(ctx, edusphere.RoomFilter{TopicID: &id})
	if err != nil {
		return err
	}
	if err := s.TopicService.DeleteTopic(ctx, id); err != nil {
		return err
	}
	for _, r := range rooms {
		s.h.publishRoomDeleted(ctx, r.ID)
	}
	return nil
}
