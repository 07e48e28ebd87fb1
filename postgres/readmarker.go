package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/unread"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var _ edusphere.ReadMarkerService = (*ReadMarkerService)(nil)

// ReadMarkerService keeps read markers in edusphere_read_marker; a trigger
// of migration 0005 adds a participant's marker when they join and removes
// it when they leave (docs/data.md, "Read markers").
type ReadMarkerService struct {
	db *DB
}

// NewReadMarkerService returns the read marker service of db.
func NewReadMarkerService(db *DB) *ReadMarkerService { return &ReadMarkerService{db: db} }

// unreadColumn counts, for the marker k, the messages by others created
// after it, reading at most edusphere.UnreadCap entries of the
// (room_id, created_seq) index.
var unreadColumn = `(SELECT count(*) FROM (SELECT 1 FROM core_message m
	WHERE m.room_id = k.room_id AND m.created_seq > k.seq AND m.user_id <> k.user_id
	LIMIT ` + strconv.Itoa(edusphere.UnreadCap) + `) AS u)::int`

// MarkRead moves the marker up to seq, capped at the room's sequence
// number and never backwards, in one statement. Returns ENOTFOUND ("Room
// not found"), EFORBIDDEN for a user who does not take part in the room,
// EINVALID.
func (s *ReadMarkerService) MarkRead(ctx context.Context, userID, roomID uuid.UUID, seq int64) (*edusphere.ReadState, error) {
	if seq < 0 {
		return nil, edusphere.Errorf(edusphere.EINVALID, "seq must not be negative.")
	}
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	var st edusphere.ReadState
	err = tx.queryRow(ctx, `UPDATE edusphere_read_marker k SET seq = GREATEST(k.seq, LEAST($3, r.seq))
		FROM edusphere_room_seq r
		WHERE k.user_id = $1 AND k.room_id = $2 AND r.room_id = $2
		RETURNING k.room_id, k.seq, `+unreadColumn+`, r.seq`, userID, roomID, seq).Scan(&st.RoomID, &st.Seq, &st.Unread, &st.RoomSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM edusphere_room_seq WHERE room_id = $1)`,
			roomID).Scan(&exists); err != nil {
			return nil, mapError("find room", err)
		} else if !exists {
			return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
		}
		// Every participant has a marker; a missing one means the user
		// does not take part in the room.
		return nil, edusphere.PermissionDenied()
	} else if err != nil {
		return nil, mapError("move read marker", err)
	}
	return &st, nil
}

// FindReadStates reads each room's marker and sequence number in one
// statement, takes the counts it kept for those numbers from the DB's
// memo, and counts the other rooms in a second statement.
func (s *ReadMarkerService) FindReadStates(ctx context.Context, userID uuid.UUID, roomIDs []uuid.UUID) (map[uuid.UUID]*edusphere.ReadState, error) {
	if len(roomIDs) > edusphere.MaxReadStates {
		return nil, edusphere.Errorf(edusphere.EINVALID, "At most %d rooms.", edusphere.MaxReadStates)
	}
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	const from = ` FROM edusphere_read_marker k JOIN edusphere_room_seq s ON s.room_id = k.room_id`
	var rows pgx.Rows
	if len(roomIDs) > 0 {
		rows, err = tx.query(ctx, `SELECT k.room_id, k.seq, s.seq`+from+`
			WHERE k.user_id = $1 AND k.room_id = ANY($2)`, userID, roomIDs)
	} else {
		rows, err = tx.query(ctx, `SELECT k.room_id, k.seq, s.seq`+from+`
			JOIN core_room_participants p ON p.room_id = k.room_id AND p.user_id = k.user_id
			WHERE k.user_id = $1 ORDER BY p.id DESC LIMIT `+strconv.Itoa(edusphere.MaxReadStates), userID)
	}
	if err != nil {
		return nil, mapError("find read states", err)
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
		return nil, mapError("find read states", err)
	}
	if len(misses) == 0 {
		return out, nil
	}
	rows, err = tx.query(ctx, `SELECT k.room_id, k.seq, s.seq, `+unreadColumn+from+`
		WHERE k.user_id = $1 AND k.room_id = ANY($2)`, userID, misses)
	if err != nil {
		return nil, mapError("count unread", err)
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
		return nil, mapError("count unread", err)
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
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT room_id, seq FROM edusphere_room_seq WHERE room_id = ANY($1)`, roomIDs)
	if err != nil {
		return nil, mapError("find room sequences", err)
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
		return nil, mapError("find room sequences", err)
	}
	return out, nil
}
