package edusphere

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Membership messages (docs/graphql.md, Membership and invitations).
const (
	MsgHostCannotLeave      = "The host cannot leave the room; hand it over to a participant first."
	MsgHostCannotBeRemoved  = "The host cannot be removed from the room."
	MsgNotParticipant       = "User is not a participant of this room."
	MsgAlreadyParticipant   = "User already takes part in this room."
	MsgAlreadyInvited       = "User is already invited to this room."
	MsgInvitationNotFound   = "Invitation not found"
	MsgTransferToSelf       = "You already host this room."
	MsgTooManyRoomInvites   = "This room has too many pending invitations."
	MsgTooManyUserInvites   = "This user has too many pending invitations."
	MsgInvitationRateLimit  = "You are sending invitations too fast; try again in a minute."
	MsgCannotInviteYourself = "You cannot invite yourself."
)

// Invitation limits (docs/limits.md, Invitations), enforced by the stores
// inside the inviting transaction.
const (
	// MaxPendingRoomInvitations bounds the pending invitations of one room.
	MaxPendingRoomInvitations = 50
	// MaxPendingUserInvitations bounds the pending invitations of one invitee.
	MaxPendingUserInvitations = 50
	// MaxInvitationsPerWindow bounds the invitations one user sends per
	// InvitationWindow.
	MaxInvitationsPerWindow = 20
	InvitationWindow        = time.Minute
)

// VisibleTo reports whether user may see room: a public room is seen by
// everyone, a private one only by its participants (participant reports
// whether user takes part). This is the one visibility rule; the stores
// apply it in SQL through RoomFilter.VisibleTo and MessageFilter.VisibleTo
// (docs/data.md, Private rooms).
func (r *Room) VisibleTo(user *User, participant bool) bool {
	if r == nil {
		return false
	}
	return !r.IsPrivate || (user != nil && participant)
}

// Viewer returns the RoomFilter.VisibleTo value for user: its id, or
// uuid.Nil for an anonymous caller.
func Viewer(user *User) *uuid.UUID {
	id := uuid.Nil
	if user != nil {
		id = user.ID
	}
	return &id
}

// CheckRoomVisible returns ENOTFOUND ("Room not found"), the answer for an
// unknown room, unless user may see room (Room.VisibleTo). Only a private
// room costs a query.
func CheckRoomVisible(ctx context.Context, rooms RoomService, user *User, room *Room) error {
	if room == nil {
		return NotFound(MsgRoomNotFound)
	}
	if !room.IsPrivate {
		return nil
	}
	ok := false
	if user != nil {
		var err error
		if ok, err = rooms.IsParticipant(ctx, room.ID, user.ID); err != nil {
			return err
		}
	}
	if !room.VisibleTo(user, ok) {
		return NotFound(MsgRoomNotFound)
	}
	return nil
}

// CheckLeave returns EINVALID when user hosts room: the host hands the room
// over (TransferRoom) before leaving.
func CheckLeave(user *User, room *Room) error {
	if user != nil && room != nil && user.ID == room.HostID {
		return Errorf(EINVALID, MsgHostCannotLeave)
	}
	return nil
}

// CheckRemove returns EFORBIDDEN unless actor hosts room or is staff, and
// EINVALID when target is the host.
func CheckRemove(actor *User, room *Room, target uuid.UUID) error {
	if actor == nil || room == nil || (actor.ID != room.HostID && !actor.IsStaff) {
		return PermissionDenied()
	}
	if target == room.HostID {
		return Errorf(EINVALID, MsgHostCannotBeRemoved)
	}
	return nil
}

// CheckTransfer returns EFORBIDDEN unless actor hosts room or is staff, and
// EINVALID when target already hosts it.
func CheckTransfer(actor *User, room *Room, target uuid.UUID) error {
	if actor == nil || room == nil || (actor.ID != room.HostID && !actor.IsStaff) {
		return PermissionDenied()
	}
	if target == room.HostID {
		return Errorf(EINVALID, MsgTransferToSelf)
	}
	return nil
}

// CanInvite reports whether user may invite to room: its host, or any
// participant when the room's MembersCanInvite is set (participant reports
// whether user takes part).
func CanInvite(user *User, room *Room, participant bool) bool {
	if user == nil || room == nil {
		return false
	}
	return user.ID == room.HostID || (room.MembersCanInvite && participant)
}

// CanRevokeInvitation reports whether user may revoke inv of room: its
// inviter or the room's host.
func CanRevokeInvitation(user *User, room *Room, inv *Invitation) bool {
	return user != nil && room != nil && inv != nil && (user.ID == inv.InviterID || user.ID == room.HostID)
}

// Invitation is a pending invitation of a user to a room. Accepting it
// joins the room; accepting, declining and revoking delete it.
type Invitation struct {
	ID        uuid.UUID `json:"id"`
	RoomID    uuid.UUID `json:"roomId"`
	UserID    uuid.UUID `json:"userId"`    // the invited user
	InviterID uuid.UUID `json:"inviterId"` // who invited
	Created   time.Time `json:"created"`
}

// InvitationFilter selects pending invitations; nil fields do not filter.
type InvitationFilter struct {
	IDs       []uuid.UUID
	RoomID    *uuid.UUID
	UserID    *uuid.UUID
	InviterID *uuid.UUID

	Offset int
	Limit  int // 0 means no limit
}

// InvitationService keeps pending room invitations.
type InvitationService interface {
	// FindInvitationByID returns ENOTFOUND ("Invitation not found").
	FindInvitationByID(ctx context.Context, id uuid.UUID) (*Invitation, error)

	// FindInvitations returns matching invitations, newest first, and the
	// total before Offset and Limit.
	FindInvitations(ctx context.Context, filter InvitationFilter) ([]*Invitation, int, error)

	// CreateInvitation stores inv (ID and Created are set). The caller
	// checks who may invite (CanInvite); the store checks, in one
	// transaction: ENOTFOUND for the room or the user, ECONFLICT when the
	// user takes part or is invited already, ETOOMANYREQUEST past the
	// limits (MaxPendingRoomInvitations, MaxPendingUserInvitations,
	// MaxInvitationsPerWindow of the inviter).
	CreateInvitation(ctx context.Context, inv *Invitation) error

	// AcceptInvitation joins the invited user to the room and deletes the
	// invitation, in one transaction. Returns the room, or ENOTFOUND.
	AcceptInvitation(ctx context.Context, id uuid.UUID) (*Room, error)

	// DeleteInvitation deletes the invitation (decline or revoke).
	// Returns ENOTFOUND.
	DeleteInvitation(ctx context.Context, id uuid.UUID) error
}
