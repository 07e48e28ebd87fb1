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
		Seq: m.Seq, V2: V2Created(m, author, m.Seq),
	})
}

// MessageUpdated sends the "update" frame of m to its room.
func (n *Notifier) MessageUpdated(ctx context.Context, m *edusphere.Message) {
	n.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageUpdated, RoomID: m.RoomID, UserID: m.UserID, Frame: UpdateFrame(m),
		Seq: m.Seq, V2: V2Updated(m, m.Seq),
	})
}

// MessageDeleted sends the "delete" frame of m to its room, for a
// deletion that took no sequence number (with its author's account); a
// deletion that left a tombstone goes through MessageTombstoned.
func (n *Notifier) MessageDeleted(ctx context.Context, m *edusphere.Message) {
	n.publish(ctx, edusphere.RoomChannel(m.RoomID), edusphere.Event{
		Type: edusphere.EventMessageDeleted, RoomID: m.RoomID, UserID: m.UserID, Frame: DeleteFrame(m.ID),
		V2: V2Deleted(m.RoomID, m.ID, 0),
	})
}

// MessageTombstoned sends the "delete" frame of the message t is the
// tombstone of to its room, with the deletion's sequence number.
func (n *Notifier) MessageTombstoned(ctx context.Context, t *edusphere.Tombstone) {
	n.publish(ctx, edusphere.RoomChannel(t.RoomID), edusphere.Event{
		Type: edusphere.EventMessageDeleted, RoomID: t.RoomID, UserID: t.UserID, Frame: DeleteFrame(t.ID),
		Seq: t.Seq, V2: V2Deleted(t.RoomID, t.ID, t.Seq),
	})
}

// ChatCommitted announces one committed chat write of CommitChat: author
// is the sender of a create (the author of the message); reply, for a
// reply, is what the chat sockets' "new" frame quotes of its parent.
func (n *Notifier) ChatCommitted(ctx context.Context, res edusphere.ChatResult, author *edusphere.User, reply ...*Reply) {
	switch {
	case res.Err != nil:
	case res.Tombstone != nil:
		n.MessageTombstoned(ctx, res.Tombstone)
	case res.Message != nil && res.Message.Seq == res.Message.CreatedSeq:
		n.MessageCreated(ctx, res.Message, author, reply...)
	case res.Message != nil:
		n.MessageUpdated(ctx, res.Message)
	}
}

// RoomDeleted closes the room's chat sockets in every process with 4404
// and ends the room's event-socket subscriptions with room.deleted.
func (n *Notifier) RoomDeleted(ctx context.Context, roomID uuid.UUID) {
	n.publish(ctx, edusphere.RoomChannel(roomID), edusphere.Event{
		Type: edusphere.EventRoomDeleted, RoomID: roomID, V2: V2RoomDeleted(roomID),
	})
}

// RoomUpdated sends room.updated to the event sockets of r's participants.
func (n *Notifier) RoomUpdated(ctx context.Context, r *edusphere.Room) {
	n.publish(ctx, edusphere.RoomChannel(r.ID), edusphere.Event{
		Type: edusphere.EventRoomUpdated, RoomID: r.ID, V2: V2Room(r),
	})
}

// ParticipantJoined sends participant.joined to the room's participants
// and to the joiner's own event sockets, which start counting the room's
// unread messages.
func (n *Notifier) ParticipantJoined(ctx context.Context, roomID uuid.UUID, user *edusphere.User) {
	n.participant(ctx, edusphere.EventParticipantJoined, roomID, user)
}

// ParticipantLeft sends participant.left to the room's participants and to
// the leaver's own event sockets, whose subscriptions of the room end.
func (n *Notifier) ParticipantLeft(ctx context.Context, roomID uuid.UUID, user *edusphere.User) {
	n.participant(ctx, edusphere.EventParticipantLeft, roomID, user)
}

// ParticipantRemoved is ParticipantLeft for a user the host removed.
func (n *Notifier) ParticipantRemoved(ctx context.Context, roomID uuid.UUID, user *edusphere.User) {
	n.participant(ctx, edusphere.EventParticipantRemoved, roomID, user)
}

func (n *Notifier) participant(ctx context.Context, typ string, roomID uuid.UUID, user *edusphere.User) {
	ev := edusphere.Event{Type: typ, RoomID: roomID, UserID: user.ID, V2: V2Participant(typ, roomID, user)}
	n.publish(ctx, edusphere.RoomChannel(roomID), ev)
	n.publish(ctx, edusphere.UserChannel(user.ID), ev)
}

// RoomRead tells the user's event sockets that their read marker moved
// (the unread frame with read and count).
func (n *Notifier) RoomRead(ctx context.Context, userID uuid.UUID, st *edusphere.ReadState) {
	n.publish(ctx, edusphere.UserChannel(userID), edusphere.Event{
		Type: "unread", RoomID: st.RoomID, UserID: userID, V2: V2Read(st),
	})
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
		s.Rooms = &roomService{RoomService: store.Rooms, n: n, users: store.Users}
	}
	if s.Invitations != nil {
		s.Invitations = &invitationService{InvitationService: store.Invitations, n: n, users: store.Users, rooms: store.Rooms}
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

// DeleteMessage deletes the message, then publishes the "delete" frame
// with the deletion's sequence number (a CommitChat delete returns the
// tombstone, which DeleteMessage does not).
func (s *messageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	res := s.MessageService.CommitChat(ctx, []edusphere.ChatOp{{Kind: edusphere.ChatDelete, MessageID: id}})[0]
	if res.Err != nil {
		return res.Err
	}
	s.n.MessageTombstoned(ctx, res.Tombstone)
	return nil
}

// CommitChat commits ops, then publishes each committed op's event in op
// order, with the author of each create looked up once.
func (s *messageService) CommitChat(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult {
	results := s.MessageService.CommitChat(ctx, ops)
	authors := map[uuid.UUID]*edusphere.User{}
	for i, op := range ops {
		if i >= len(results) || results[i].Err != nil {
			continue
		}
		var author *edusphere.User
		if op.Kind == edusphere.ChatCreate {
			m := results[i].Message
			if author = authors[m.UserID]; author == nil {
				u, err := s.users.FindUserByID(ctx, m.UserID)
				if err != nil {
					s.n.log.Error("find author for broadcast", "message", m.ID, "err", err)
					continue
				}
				author, authors[m.UserID] = u, u
			}
		}
		s.n.ChatCommitted(ctx, results[i], author)
	}
	return results
}

// roomService announces room changes: deletion (sockets closed), updates
// and joins (event-socket frames), leaving and removal (membership.go).
type roomService struct {
	edusphere.RoomService
	n     *Notifier
	users edusphere.UserService
}

// UpdateRoom updates the room, then publishes room.updated.
func (s *roomService) UpdateRoom(ctx context.Context, id uuid.UUID, upd edusphere.RoomUpdate) (*edusphere.Room, error) {
	r, err := s.RoomService.UpdateRoom(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	s.n.RoomUpdated(ctx, r)
	return r, nil
}

// JoinRoom adds the participant, then publishes participant.joined (also
// for a repeated join, which changes nothing).
func (s *roomService) JoinRoom(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error) {
	r, err := s.RoomService.JoinRoom(ctx, roomID, userID)
	if err != nil {
		return nil, err
	}
	user := edusphere.UserFromContext(ctx)
	if (user == nil || user.ID != userID) && s.users != nil {
		if user, err = s.users.FindUserByID(ctx, userID); err != nil {
			s.n.log.Error("find participant for broadcast", "user", userID, "err", err)
			return r, nil
		}
	}
	if user != nil {
		s.n.ParticipantJoined(ctx, roomID, user)
	}
	return r, nil
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
