package hub

import (
	"context"
	"log/slog"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// publishTimeout bounds one publish after a commit.
const publishTimeout = 5 * time.Second

// Notifier tells every process's sockets about changes the database has
// committed, through the broker: message frames to a room, room deletion
// (sockets closed with 4404), a user's deactivation (sockets closed with
// 4403). It publishes after the store returns, so a frame never announces a
// change the database does not hold. Wrap gives services that call it; the
// hub and the account service call it directly.
type Notifier struct {
	broker edusphere.Broker
	log    *slog.Logger
}

// NewNotifier returns a Notifier publishing through broker. logger
// receives failed publishes; nil means slog.Default().
func NewNotifier(broker edusphere.Broker, logger *slog.Logger) *Notifier {
	if logger == nil {
		logger = slog.Default()
	}
	return &Notifier{broker: broker, log: logger.With("component", "notifier")}
}

// publish sends ev after a commit. The request's cancellation must not undo
// the announcement of a change already made, so ctx only lends its values.
func (n *Notifier) publish(ctx context.Context, channel string, ev edusphere.Event) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := n.broker.Publish(ctx, channel, ev); err != nil {
		n.log.Warn("publish", "channel", channel, "type", ev.Type, "err", err)
	}
}

// MessageCreated sends the "new" frame of m, written by author, to its
// room; reply is what a reply shows of its parent.
func (n *Notifier) MessageCreated(ctx context.Context, m *edusphere.Message, author *edusphere.User, reply ...*Reply) {
	n.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageCreated, RoomID: m.RoomID, UserID: m.UserID, Frame: NewFrame(m, author, reply...),
	})
}

// MessageUpdated sends the "update" frame of m to its room.
func (n *Notifier) MessageUpdated(ctx context.Context, m *edusphere.Message) {
	n.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageUpdated, RoomID: m.RoomID, UserID: m.UserID, Frame: UpdateFrame(m),
	})
}

// MessageDeleted sends the "delete" frame of m to its room.
func (n *Notifier) MessageDeleted(ctx context.Context, m *edusphere.Message) {
	n.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageDeleted, RoomID: m.RoomID, UserID: m.UserID, Frame: DeleteFrame(m.ID),
	})
}

// RoomDeleted closes the room's sockets in every process with 4404.
func (n *Notifier) RoomDeleted(ctx context.Context, roomID uuid.UUID) {
	n.publish(ctx, edusphere.RoomChannel(roomID), edusphere.Event{Type: edusphere.EventRoomDeleted, RoomID: roomID})
}

// UserDisabled closes the user's sockets in every process with 4403.
func (n *Notifier) UserDisabled(ctx context.Context, userID uuid.UUID) {
	n.publish(ctx, edusphere.SystemChannel, edusphere.Event{Type: edusphere.EventUserDisabled, UserID: userID})
}

// Wrap returns s with Messages, Rooms and Topics replaced by services that
// call n after the store commits. GraphQL and the admin change messages,
// rooms and topics through them; users change standing only through the
// account service. The wrappers do not look for earlier wrappers: wrap the
// store's own services, once.
func (n *Notifier) Wrap(s edusphere.Services) edusphere.Services {
	store := s
	if s.Messages != nil {
		s.Messages = &messageService{MessageService: store.Messages, n: n, users: store.Users}
	}
	if s.Rooms != nil {
		s.Rooms = &roomService{RoomService: store.Rooms, n: n}
	}
	if s.Topics != nil && s.Rooms != nil {
		s.Topics = &topicService{TopicService: store.Topics, n: n, rooms: store.Rooms}
	}
	return s
}

// messageService publishes message frames after each change.
type messageService struct {
	edusphere.MessageService
	n     *Notifier
	users edusphere.UserService
}

// CreateMessage inserts m, then publishes the "new" frame.
func (s *messageService) CreateMessage(ctx context.Context, m *edusphere.Message) error {
	if err := s.MessageService.CreateMessage(ctx, m); err != nil {
		return err
	}
	author := edusphere.UserFromContext(ctx)
	if author == nil || author.ID != m.UserID {
		u, err := s.users.FindUserByID(ctx, m.UserID)
		if err != nil {
			s.n.log.Error("find author for broadcast", "message", m.ID, "err", err)
			return nil
		}
		author = u
	}
	s.n.MessageCreated(ctx, m, author)
	return nil
}

// UpdateMessage updates the message, then publishes the "update" frame.
func (s *messageService) UpdateMessage(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error) {
	m, err := s.MessageService.UpdateMessage(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	s.n.MessageUpdated(ctx, m)
	return m, nil
}

// DeleteMessage deletes the message, then publishes the "delete" frame.
func (s *messageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	m, err := s.MessageService.FindMessageByID(ctx, id)
	if err != nil {
		return err
	}
	if err := s.MessageService.DeleteMessage(ctx, m.ID); err != nil {
		return err
	}
	s.n.MessageDeleted(ctx, m)
	return nil
}

// roomService closes a room's sockets after it is deleted.
type roomService struct {
	edusphere.RoomService
	n *Notifier
}

// DeleteRoom deletes the room, then closes its sockets everywhere.
func (s *roomService) DeleteRoom(ctx context.Context, id uuid.UUID) error {
	if err := s.RoomService.DeleteRoom(ctx, id); err != nil {
		return err
	}
	s.n.RoomDeleted(ctx, id)
	return nil
}

// topicService closes the sockets of the rooms a deleted topic took along.
type topicService struct {
	edusphere.TopicService
	n     *Notifier
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
		s.n.RoomDeleted(ctx, r.ID)
	}
	return nil
}
