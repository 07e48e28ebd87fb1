package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// visibleRoom is the SQL of Room.VisibleTo for the room aliased alias, with
// one argument, the viewer's id (docs/data.md, Private rooms).
func visibleRoom(alias string) string {
	return `(` + alias + `.is_private = 0 OR EXISTS (SELECT 1 FROM core_room_participants pv
		WHERE pv.room_id = ` + alias + `.id AND pv.user_id = ?))`
}

// RemoveParticipant takes userID out of the room's participants. Returns
// ENOTFOUND for the room or a user who does not take part, EINVALID for
// the host.
func (s *RoomService) RemoveParticipant(ctx context.Context, roomID, userID uuid.UUID) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	room, err := findRoomByID(ctx, tx, roomID)
	if err != nil {
		return err
	}
	if room.HostID == userID {
		return edusphere.Errorf(edusphere.EINVALID, edusphere.MsgHostCannotBeRemoved)
	}
	res, err := tx.exec(ctx, `DELETE FROM core_room_participants WHERE room_id = ? AND user_id = ?`, roomID, userID)
	if err != nil {
		return fmt.Errorf("remove participant: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove participant: %w", err)
	} else if n == 0 {
		return edusphere.NotFound(edusphere.MsgNotParticipant)
	}
	return tx.Commit()
}

// TransferRoom makes userID, a participant, the host. The room keeps its
// slug unless the new host uses it already. Returns ENOTFOUND, EINVALID
// (not a participant, or the host already), ECONFLICT (the new host has a
// room of that name).
func (s *RoomService) TransferRoom(ctx context.Context, roomID, userID uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	room, err := findRoomByID(ctx, tx, roomID)
	if err != nil {
		return nil, err
	}
	if room.HostID == userID {
		return nil, edusphere.Errorf(edusphere.EINVALID, edusphere.MsgTransferToSelf)
	}
	if ok, err := isParticipant(ctx, tx, roomID, userID); err != nil {
		return nil, fmt.Errorf("transfer room: %w", err)
	} else if !ok {
		return nil, edusphere.Errorf(edusphere.EINVALID, edusphere.MsgNotParticipant)
	}
	if err := checkRoomName(ctx, tx, userID, room.Name, room.ID); err != nil {
		return nil, err
	}
	room.HostID = userID
	if taken, err := tx.exists(ctx, `SELECT 1 FROM core_room WHERE host_id = ? AND slug = ?`, userID, room.Slug); err != nil {
		return nil, fmt.Errorf("check slug: %w", err)
	} else if taken {
		if room.Slug, err = freeSlug(ctx, tx, userID, room.Name); err != nil {
			return nil, err
		}
	}
	room.Updated = tx.now
	if _, err := tx.exec(ctx, `UPDATE core_room SET host_id = ?, slug = ?, updated = ? WHERE id = ?`,
		room.HostID, room.Slug, encTime(room.Updated), room.ID); err != nil {
		return nil, mapError("transfer room", err, edusphere.MsgUserNotFound)
	}
	return room, tx.Commit()
}

var _ edusphere.InvitationService = (*InvitationService)(nil)

// InvitationService keeps pending invitations in edusphere_room_invitation.
type InvitationService struct {
	db *DB
}

const invitationColumns = `i.id, i.room_id, i.user_id, i.inviter_id, i.created`

// FindInvitationByID returns ENOTFOUND ("Invitation not found").
func (s *InvitationService) FindInvitationByID(ctx context.Context, id uuid.UUID) (*edusphere.Invitation, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findInvitationByID(ctx, tx, id)
}

// FindInvitations returns matching invitations newest first and the total.
func (s *InvitationService) FindInvitations(ctx context.Context, f edusphere.InvitationFilter) ([]*edusphere.Invitation, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findInvitations(ctx, tx, f)
}

// CreateInvitation checks the room, the user, membership, duplicates and
// the limits, then inserts inv, in one write transaction.
func (s *InvitationService) CreateInvitation(ctx context.Context, inv *edusphere.Invitation) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findRoomByID(ctx, tx, inv.RoomID); err != nil {
		return err
	}
	if ok, err := tx.exists(ctx, `SELECT 1 FROM core_user WHERE id = ?`, inv.UserID); err != nil {
		return fmt.Errorf("find user: %w", err)
	} else if !ok {
		return edusphere.NotFound(edusphere.MsgUserNotFound)
	}
	if ok, err := isParticipant(ctx, tx, inv.RoomID, inv.UserID); err != nil {
		return fmt.Errorf("check participant: %w", err)
	} else if ok {
		return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgAlreadyParticipant)
	}
	if ok, err := tx.exists(ctx, `SELECT 1 FROM edusphere_room_invitation WHERE room_id = ? AND user_id = ?`,
		inv.RoomID, inv.UserID); err != nil {
		return fmt.Errorf("check invitation: %w", err)
	} else if ok {
		return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgAlreadyInvited)
	}
	for _, lim := range []struct {
		query string
		arg   any
		max   int
		msg   string
	}{
		{`SELECT count(*) FROM edusphere_room_invitation WHERE room_id = ?`, inv.RoomID,
			edusphere.MaxPendingRoomInvitations, edusphere.MsgTooManyRoomInvites},
		{`SELECT count(*) FROM edusphere_room_invitation WHERE user_id = ?`, inv.UserID,
			edusphere.MaxPendingUserInvitations, edusphere.MsgTooManyUserInvites},
	} {
		var n int
		if err := tx.queryRow(ctx, lim.query, lim.arg).Scan(&n); err != nil {
			return fmt.Errorf("count invitations: %w", err)
		} else if n >= lim.max {
			return edusphere.Errorf(edusphere.ETOOMANYREQUEST, "%s", lim.msg)
		}
	}
	var sent int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM edusphere_room_invitation WHERE inviter_id = ? AND created > ?`,
		inv.InviterID, encTime(tx.now.Add(-edusphere.InvitationWindow))).Scan(&sent); err != nil {
		return fmt.Errorf("count invitations: %w", err)
	} else if sent >= edusphere.MaxInvitationsPerWindow {
		return edusphere.Errorf(edusphere.ETOOMANYREQUEST, edusphere.MsgInvitationRateLimit)
	}
	inv.ID, inv.Created = uuid.New(), tx.now
	if _, err := tx.exec(ctx, `INSERT INTO edusphere_room_invitation (id, room_id, user_id, inviter_id, created)
		VALUES (?, ?, ?, ?, ?)`, inv.ID, inv.RoomID, inv.UserID, inv.InviterID, encTime(inv.Created)); err != nil {
		return mapError("insert invitation", err, edusphere.MsgUserNotFound)
	}
	return tx.Commit()
}

// AcceptInvitation joins the invited user and deletes the invitation.
func (s *InvitationService) AcceptInvitation(ctx context.Context, id uuid.UUID) (*edusphere.Room, error) {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inv, err := findInvitationByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_room_participants (room_id, user_id) VALUES (?, ?)
		ON CONFLICT (room_id, user_id) DO NOTHING`, inv.RoomID, inv.UserID); err != nil {
		return nil, mapError("accept invitation", err, edusphere.MsgRoomNotFound)
	}
	if _, err := tx.exec(ctx, `DELETE FROM edusphere_room_invitation WHERE id = ?`, id); err != nil {
		return nil, fmt.Errorf("delete invitation: %w", err)
	}
	room, err := findRoomByID(ctx, tx, inv.RoomID)
	if err != nil {
		return nil, err
	}
	return room, tx.Commit()
}

// DeleteInvitation deletes the invitation. Returns ENOTFOUND.
func (s *InvitationService) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "edusphere_room_invitation", id, edusphere.MsgInvitationNotFound)
}

func findInvitationByID(ctx context.Context, tx *Tx, id uuid.UUID) (*edusphere.Invitation, error) {
	invs, _, err := findInvitations(ctx, tx, edusphere.InvitationFilter{IDs: []uuid.UUID{id}, Limit: 1})
	if err != nil {
		return nil, err
	} else if len(invs) == 0 {
		return nil, edusphere.NotFound(edusphere.MsgInvitationNotFound)
	}
	return invs[0], nil
}

func findInvitations(ctx context.Context, tx *Tx, f edusphere.InvitationFilter) ([]*edusphere.Invitation, int, error) {
	var w where
	if len(f.IDs) > 0 {
		in(&w, "i.id", f.IDs)
	}
	if f.RoomID != nil {
		w.add(`i.room_id = ?`, *f.RoomID)
	}
	if f.UserID != nil {
		w.add(`i.user_id = ?`, *f.UserID)
	}
	if f.InviterID != nil {
		w.add(`i.inviter_id = ?`, *f.InviterID)
	}
	return findPage(ctx, tx, "invitations",
		`SELECT `+invitationColumns+`, `+totalColumn(f.Limit, f.Offset)+` FROM edusphere_room_invitation i`+w.String()+
			` ORDER BY i.created DESC, i.id`+limitOffset(f.Limit, f.Offset),
		`SELECT count(*) FROM edusphere_room_invitation i`+w.String(), w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.Invitation, error) {
			var inv edusphere.Invitation
			err := rows.Scan(&inv.ID, &inv.RoomID, &inv.UserID, &inv.InviterID, timeScanner{&inv.Created}, total)
			return &inv, err
		})
}
