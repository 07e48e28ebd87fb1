package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/unread"
	"github.com/google/uuid"
)

var _ edusphere.ReadMarkerService = (*ReadMarkerService)(nil)

// ReadMarkerService keeps read markers in edusphere_read_marker; triggers
// of migration 0005 add a participant's marker when they join and remove it
// when they leave (docs/data.md, "Read markers").
type ReadMarkerService struct {
	db *DB
}

// unreadColumn counts, for the marker k, the messages by others created
// after it, reading at most edusphere.UnreadCap entries of the covering
// (room_id, created_seq, user_id) index.
var unreadColumn = `(SELECT count(*) FROM (SELECT 1 FROM core_message m
	WHERE m.room_id = k.room_id AND m.created_seq > k.seq AND m.user_id <> k.user_id
	LIMIT ` + strconv.Itoa(edusphere.UnreadCap) + `))`

// MarkRead moves the marker up to seq, capped at the room's sequence
// number and never backwards. Returns ENOTFOUND ("Room not found"),
// EFORBIDDEN for a user who does not take part in the room, EINVALID.
func (s *ReadMarkerService) MarkRead(ctx context.Context, userID, roomID uuid.UUID, seq int64) (*edusphere.ReadState, error) {
	if seq < 0 {
		return nil, edusphere.Errorf(edusphere.EINVALID, "seq must not be negative.")
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	roomSeq, err := roomSeq(ctx, tx, roomID)
	if err != nil {
		return nil, err
	}
	seq = min(seq, roomSeq)
	res, err := tx.exec(ctx, `UPDATE edusphere_read_marker SET seq = max(seq, ?)
		WHERE user_id = ? AND room_id = ?`, seq, userID, roomID)
	if err != nil {
		return nil, fmt.Errorf("move read marker: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("move read marker: %w", err)
	} else if n == 0 {
		// Every participant has a marker; a missing one means the user
		// does not take part in the room.
		return nil, edusphere.PermissionDenied()
	}
	st, err := scanReadState(tx.queryRow(ctx, `SELECT k.room_id, k.seq, `+unreadColumn+`
		FROM edusphere_read_marker k WHERE k.user_id = ? AND k.room_id = ?`, userID, roomID))
	if err != nil {
		return nil, fmt.Errorf("read marker: %w", err)
	}
	st.RoomSeq = roomSeq
	return st, tx.Commit()
}

// FindReadStates reads each room's marker and sequence number in one
// statement, takes the counts it kept for those numbers from the DB's
// memo, and counts the other rooms in a second statement.
func (s *ReadMarkerService) FindReadStates(ctx context.Context, userID uuid.UUID, roomIDs []uuid.UUID) (map[uuid.UUID]*edusphere.ReadState, error) {
	if len(roomIDs) > edusphere.MaxReadStates {
		return nil, edusphere.Errorf(edusphere.EINVALID, "At most %d rooms.", edusphere.MaxReadStates)
	}
	const from = ` FROM edusphere_read_marker k JOIN edusphere_room_seq s ON s.room_id = k.room_id`
	var rows *sql.Rows
	var err error
	if len(roomIDs) > 0 {
		rows, err = s.db.query(ctx, `SELECT k.room_id, k.seq, s.seq`+from+`
			WHERE k.user_id = ? AND k.room_id IN `+valuesQuery, userID, jsonList(roomIDs))
	} else {
		rows, err = s.db.query(ctx, `SELECT k.room_id, k.seq, s.seq`+from+`
			JOIN core_room_participants p ON p.room_id = k.room_id AND p.user_id = k.user_id
			WHERE k.user_id = ? ORDER BY p.id DESC LIMIT `+strconv.Itoa(edusphere.MaxReadStates), userID)
	}
	if err != nil {
		return nil, fmt.Errorf("find read states: %w", err)
	}
	out := make(map[uuid.UUID]*edusphere.ReadState)
	var misses []uuid.UUID
	if err := eachRow(rows, func() error {
		k := unread.Key{User: userID}
		if err := rows.Scan(&k.Room, &k.Marker, &k.RoomSeq); err != nil {
			return err
		}
		if n, ok := s.db.unread.Get(k); ok {
			out[k.Room] = &edusphere.ReadState{RoomID: k.Room, Seq: k.Marker, Unread: n, RoomSeq: k.RoomSeq}
		} else {
			misses = append(misses, k.Room)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find read states: %w", err)
	}
	if len(misses) == 0 {
		return out, nil
	}
	rows, err = s.db.query(ctx, `SELECT k.room_id, k.seq, s.seq, `+unreadColumn+from+`
		WHERE k.user_id = ? AND k.room_id IN `+valuesQuery, userID, jsonList(misses))
	if err != nil {
		return nil, fmt.Errorf("count unread: %w", err)
	}
	if err := eachRow(rows, func() error {
		k := unread.Key{User: userID}
		var n int
		if err := rows.Scan(&k.Room, &k.Marker, &k.RoomSeq, &n); err != nil {
			return err
		}
		s.db.unread.Put(k, n)
		out[k.Room] = &edusphere.ReadState{RoomID: k.Room, Seq: k.Marker, Unread: n, RoomSeq: k.RoomSeq}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("count unread: %w", err)
	}
	return out, nil
}

// RoomSeqs reads the rooms' sequence numbers in one statement.
func (s *ReadMarkerService) RoomSeqs(ctx context.Context, roomIDs []uuid.UUID) (map[uuid.UUID]int64, error) {
	if len(roomIDs) > edusphere.MaxReadStates {
		return nil, edusphere.Errorf(edusphere.EINVALID, "At most %d rooms.", edusphere.MaxReadStates)
	}
	out := make(map[uuid.UUID]int64, len(roomIDs))
	if len(roomIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.query(ctx, `SELECT room_id, seq FROM edusphere_room_seq WHERE room_id IN `+valuesQuery, jsonList(roomIDs))
	if err != nil {
		return nil, fmt.Errorf("find room sequences: %w", err)
	}
	if err := eachRow(rows, func() error {
		var id uuid.UUID
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return err
		}
		out[id] = seq
		return nil
	}); err != nil {
		return nil, fmt.Errorf("find room sequences: %w", err)
	}
	return out, nil
}

func scanReadState(sc interface{ Scan(...any) error }) (*edusphere.ReadState, error) {
	var st edusphere.ReadState
	if err := sc.Scan(&st.RoomID, &st.Seq, &st.Unread); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, edusphere.PermissionDenied()
		}
		return nil, err
	}
	return &st, nil
}
