package hub

import (
	"context"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// closeParticipant closes, among conns (one room's sockets), those of the
// user who left or was removed, with 4405 (docs/websocket.md, Close codes).
// Called with h.mu held for reading.
func closeParticipant(conns map[*conn]struct{}, ev edusphere.Event) {
	reason := "removed from room"
	if ev.Type == edusphere.EventParticipantLeft {
		reason = "left room"
	}
	for c := range conns {
		if c.user.ID == ev.UserID {
			c.close(StatusRemoved, reason, true)
		}
	}
}

// InvitationFrame is the "invitation" frame on the invited user's channel
// (docs/events.md, Membership and invitation frames): Action is "created",
// "accepted" or "revoked".
type InvitationFrame struct {
	Type      string    `json:"type"`
	Action    string    `json:"action"`
	ID        uuid.UUID `json:"id"`
	Room      uuid.UUID `json:"room"`
	RoomName  string    `json:"roomName,omitempty"`
	RoomSlug  string    `json:"roomSlug,omitempty"`
	Host      *V2User   `json:"host,omitempty"`
	InvitedBy *V2User   `json:"invitedBy,omitempty"`
	Created   string    `json:"created,omitempty"`
}

// Invitation sends the invitation frame f to the invited user's event
// sockets in every process.
func (n *Notifier) Invitation(ctx context.Context, userID uuid.UUID, f InvitationFrame) {
	f.Type = edusphere.EventInvitation
	n.publish(ctx, edusphere.UserChannel(userID), edusphere.Event{
		Type: edusphere.EventInvitation, RoomID: f.Room, UserID: userID, V2: marshal(f),
	})
}

// RemoveParticipant removes the participant, then closes their sockets of
// the room everywhere and tells the event sockets; the caller in ctx tells
// a removal from a leave.
func (s *roomService) RemoveParticipant(ctx context.Context, roomID, userID uuid.UUID) error {
	if err := s.RoomService.RemoveParticipant(ctx, roomID, userID); err != nil {
		return err
	}
	user, err := s.users.FindUserByID(ctx, userID)
	if err != nil {
		// The user is gone with their sockets; only the frame is lost.
		s.n.log.Warn("find removed participant", "user", userID, "err", err)
		user = &edusphere.User{ID: userID}
	}
	if by := edusphere.UserFromContext(ctx); by == nil || by.ID == userID {
		s.n.ParticipantLeft(ctx, roomID, user)
	} else {
		s.n.ParticipantRemoved(ctx, roomID, user)
	}
	return nil
}

// invitationService tells invited users about their invitations live.
type invitationService struct {
	edusphere.InvitationService
	n     *Notifier
	users edusphere.UserService
	rooms edusphere.RoomService
}

// CreateInvitation stores the invitation, then sends its frame.
func (s *invitationService) CreateInvitation(ctx context.Context, inv *edusphere.Invitation) error {
	if err := s.InvitationService.CreateInvitation(ctx, inv); err != nil {
		return err
	}
	f := InvitationFrame{Action: "created", ID: inv.ID, Room: inv.RoomID, Created: inv.Created.UTC().Format(time.RFC3339Nano)}
	if room, err := s.rooms.FindRoomByID(ctx, inv.RoomID); err == nil {
		f.RoomName, f.RoomSlug = room.Name, room.Slug
		if host, err := s.users.FindUserByID(ctx, room.HostID); err == nil {
			f.Host = v2User(host)
		}
	}
	if by, err := s.users.FindUserByID(ctx, inv.InviterID); err == nil {
		f.InvitedBy = v2User(by)
	}
	s.n.Invitation(ctx, inv.UserID, f)
	return nil
}

// AcceptInvitation joins the invited user, then tells the room's event
// sockets with a participant.joined frame (docs/events.md, Membership and
// invitation frames) and the user's other sockets that the invitation is
// gone.
func (s *invitationService) AcceptInvitation(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	inv, err := s.InvitationService.FindInvitationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	room, err := s.InvitationService.AcceptInvitation(ctx, id)
	if err != nil {
		return nil, err
	}
	if user, err := s.users.FindUserByID(ctx, inv.UserID); err == nil {
		s.n.ParticipantJoined(ctx, room.ID, user)
	}
	s.n.Invitation(ctx, inv.UserID, InvitationFrame{Action: "accepted", ID: inv.ID, Room: inv.RoomID})
	return room, nil
}

// DeleteInvitation deletes the invitation, then tells the invited user it
// is gone (revoked or declined; their other sockets drop it from view).
func (s *invitationService) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	inv, err := s.InvitationService.FindInvitationByID(ctx, id)
	if err != nil {
		return err
	}
	if err := s.InvitationService.DeleteInvitation(ctx, id); err != nil {
		return err
	}
	s.n.Invitation(ctx, inv.UserID, InvitationFrame{Action: "revoked", ID: inv.ID, Room: inv.RoomID})
	return nil
}
