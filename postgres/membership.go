package postgres

import (
	"context"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// visibleRoom is the SQL of Room.VisibleTo for the room aliased alias and
// the viewer's id placeholder (docs/data.md, Private rooms).
func visibleRoom(alias, viewer string) string {
	return `(NOT ` + alias + `.is_private OR EXISTS (SELECT 1 FROM core_room_participants pv
		WHERE pv.room_id = ` + alias + `.id AND pv.user_id = ` + viewer + `))`
}

// RemoveParticipant takes userID out of the room's participants. Returns
// ENOTFOUND for the room or a user who does not take part, EINVALID for
// the host.
func (s *RoomService) RemoveParticipant(ctx context.Context, roomID, userID uuid.UUID) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := findRoomOne(ctx, tx, `r.id = $1 FOR UPDATE OF r`, roomID)
	if err != nil {
		return err
	}
	if r.HostID == userID {
		return edusphere.Errorf(edusphere.EINVALID, edusphere.MsgHostCannotBeRemoved)
	}
	tag, err := tx.exec(ctx, `DELETE FROM core_room_participants WHERE room_id = $1 AND user_id = $2`, roomID, userID)
	if err != nil {
		return mapError("remove participant", err)
	} else if tag.RowsAffected() == 0 {
		return edusphere.NotFound(edusphere.MsgNotParticipant)
	}
	return tx.Commit(ctx)
}

// TransferRoom makes userID, a participant, the host. The room keeps its
// slug unless the new host uses it already. Returns ENOTFOUND, EINVALID
// (not a participant, or the host already), ECONFLICT (the new host has a
// room of that name).
func (s *RoomService) TransferRoom(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := findRoomOne(ctx, tx, `r.id = $1 FOR UPDATE OF r`, roomID)
	if err != nil {
		return nil, err
	}
	if r.HostID == userID {
		return nil, edusphere.Errorf(edusphere.EINVALID, edusphere.MsgTransferToSelf)
	}
	var ok bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_room_participants
		WHERE room_id = $1 AND user_id = $2)`, roomID, userID).Scan(&ok); err != nil {
		return nil, mapError("transfer room", err)
	} else if !ok {
		return nil, edusphere.Errorf(edusphere.EINVALID, edusphere.MsgNotParticipant)
	}
	r.HostID = userID
	if err := checkRoomName(ctx, tx, r); err != nil {
		return nil, err
	}
	if taken, err := slugTaken(ctx, tx, userID, r.Slug); err != nil {
		return nil, err
	} else if taken {
		if r.Slug, err = newRoomSlug(ctx, tx, r); err != nil {
			return nil, err
		}
	}
	r.Updated = tx.now
	if _, err := tx.exec(ctx, `UPDATE core_room SET host_id = $2, slug = $3, updated = $4 WHERE id = $1`,
		r.ID, r.HostID, r.Slug, r.Updated); err != nil {
		return nil, mapError("transfer room", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

var _ edusphere.InvitationService = (*InvitationService)(nil)

// InvitationService keeps pending invitations in edusphere_room_invitation.
type InvitationService struct {
	db *DB
}

// NewInvitationService returns the invitation service of db.
func NewInvitationService(db *DB) *InvitationService { return &InvitationService{db: db} }

const invitationColumns = `i.id, i.room_id, i.user_id, i.inviter_id, i.created`

func scanInvitation(row pgx.Row, extra ...any) (*edusphere.Invitation, error) {
	var inv edusphere.Invitation
	if err := row.Scan(append([]any{&inv.ID, &inv.RoomID, &inv.UserID, &inv.InviterID, &inv.Created}, extra...)...); err != nil {
		return nil, err
	}
	utc(&inv.Created)
	return &inv, nil
}

// FindInvitationByID returns ENOTFOUND ("Invitation not found").
func (s *InvitationService) FindInvitationByID(ctx context.Context, id uuid.UUID) (*edusphere.Invitation, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findInvitationOne(ctx, tx, `i.id = $1`, id)
}

// FindInvitations returns matching invitations newest first and the total.
func (s *InvitationService) FindInvitations(ctx context.Context, f edusphere.InvitationFilter) ([]*edusphere.Invitation, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	var w where
	if len(f.IDs) > 0 {
		w.add(`i.id = ANY(` + w.arg(f.IDs) + `)`)
	}
	if v := f.RoomID; v != nil {
		w.add(`i.room_id = ` + w.arg(*v))
	}
	if v := f.UserID; v != nil {
		w.add(`i.user_id = ` + w.arg(*v))
	}
	if v := f.InviterID; v != nil {
		w.add(`i.inviter_id = ` + w.arg(*v))
	}
	cond, nargs := w.String(), len(w.args)
	query := `SELECT ` + invitationColumns + `, ` + totalColumn(f.Limit, f.Offset) +
		` FROM edusphere_room_invitation i ` + cond + ` ORDER BY i.created DESC, i.id` + w.page(f.Offset, f.Limit)
	return findPage(ctx, tx, "invitations", query, `SELECT count(*) FROM edusphere_room_invitation i `+cond,
		w.args, nargs, f.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.Invitation, error) { return scanInvitation(rows, total) })
}

// CreateInvitation checks the room (locked, so the room's limit holds
// under concurrent invitations), the user, membership, duplicates and the
// limits, then inserts inv, in one transaction.
func (s *InvitationService) CreateInvitation(ctx context.Context, inv *edusphere.Invitation) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findRoomOne(ctx, tx, `r.id = $1 FOR UPDATE OF r`, inv.RoomID); err != nil {
		return err
	}
	var userOK, member, invited bool
	var roomN, userN, sent int
	if err := tx.queryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM core_user WHERE id = $2),
		EXISTS (SELECT 1 FROM core_room_participants WHERE room_id = $1 AND user_id = $2),
		EXISTS (SELECT 1 FROM edusphere_room_invitation WHERE room_id = $1 AND user_id = $2),
		(SELECT count(*) FROM edusphere_room_invitation WHERE room_id = $1),
		(SELECT count(*) FROM edusphere_room_invitation WHERE user_id = $2),
		(SELECT count(*) FROM edusphere_room_invitation WHERE inviter_id = $3 AND created > $4)`,
		inv.RoomID, inv.UserID, inv.InviterID, tx.now.Add(-edusphere.InvitationWindow)).Scan(
		&userOK, &member, &invited, &roomN, &userN, &sent); err != nil {
		return mapError("check invitation", err)
	}
	switch {
	case !userOK:
		return edusphere.NotFound(edusphere.MsgUserNotFound)
	case member:
		return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgAlreadyParticipant)
	case invited:
		return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgAlreadyInvited)
	case roomN >= edusphere.MaxPendingRoomInvitations:
		return edusphere.Errorf(edusphere.ETOOMANYREQUEST, edusphere.MsgTooManyRoomInvites)
	case userN >= edusphere.MaxPendingUserInvitations:
		return edusphere.Errorf(edusphere.ETOOMANYREQUEST, edusphere.MsgTooManyUserInvites)
	case sent >= edusphere.MaxInvitationsPerWindow:
		return edusphere.Errorf(edusphere.ETOOMANYREQUEST, edusphere.MsgInvitationRateLimit)
	}
	inv.ID, inv.Created = uuid.New(), tx.now
	if _, err := tx.exec(ctx, `INSERT INTO edusphere_room_invitation (id, room_id, user_id, inviter_id, created)
		VALUES ($1, $2, $3, $4, $5)`, inv.ID, inv.RoomID, inv.UserID, inv.InviterID, inv.Created); err != nil {
		if isUniqueViolation(err, "edusphere_room_invitation_room_user_key") {
			return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgAlreadyInvited)
		}
		return mapError("insert invitation", err)
	}
	return tx.Commit(ctx)
}

// AcceptInvitation joins the invited user and deletes the invitation.
func (s *InvitationService) AcceptInvitation(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inv, err := findInvitationOne(ctx, tx, `i.id = $1 FOR UPDATE`, id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id) VALUES ($1, $2)
		ON CONFLICT (room_id, user_id) DO NOTHING`, inv.RoomID, inv.UserID); err != nil {
		return nil, mapError("accept invitation", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM edusphere_room_invitation WHERE id = $1`, id); err != nil {
		return nil, mapError("delete invitation", err)
	}
	r, err := findRoomOne(ctx, tx, `r.id = $1`, inv.RoomID)
	if err := commitWith(ctx, tx, err); err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteInvitation deletes the invitation. Returns ENOTFOUND.
func (s *InvitationService) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "edusphere_room_invitation", id, edusphere.MsgInvitationNotFound)
}

func findInvitationOne(ctx context.Context, tx *Tx, cond string, args ...any) (*edusphere.Invitation, error) {
	inv, err := scanInvitation(tx.queryRow(ctx, `SELECT `+invitationColumns+` FROM edusphere_room_invitation i WHERE `+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgInvitationNotFound)
	} else if err != nil {
		return nil, mapError("find invitation", err)
	}
	return inv, nil
}
