package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/chatplan"
	"github.com/google/uuid"
)

var _ edusphere.MessageService = (*MessageService)(nil)

// MessageService stores messages in core_message, their tombstones in
// edusphere_message_tombstone and each room's sequence in
// edusphere_room_seq (docs/data.md).
type MessageService struct {
	db *DB
}

// messageColumns lists what scanMessage reads.
const messageColumns = `m.id, m.user_id, m.room_id, m.body, m.edited, m.created, m.updated, m.created_seq, m.seq, m.reply_to`

func scanMessage(sc interface{ Scan(...any) error }, extra ...any) (*edusphere.Message, error) {
	var m edusphere.Message
	dest := append([]any{&m.ID, &m.UserID, &m.RoomID, &m.Body, &m.Edited,
		timeScanner{&m.Created}, timeScanner{&m.Updated}, &m.CreatedSeq, &m.Seq, &m.ReplyTo}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	return &m, nil
}

// FindMessageByID returns ENOTFOUND ("Message not found").
func (s *MessageService) FindMessageByID(ctx context.Context, id uuid.UUID) (*edusphere.Message, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	msgs, _, err := findMessages(ctx, tx, edusphere.MessageFilter{IDs: []uuid.UUID{id}})
	if err != nil {
		return nil, err
	} else if len(msgs) == 0 {
		return nil, edusphere.NotFound(edusphere.MsgMessageNotFound)
	}
	return msgs[0], nil
}

// FindMessages returns matching messages and the total before Offset and
// Limit, ordered by created and then id.
func (s *MessageService) FindMessages(ctx context.Context, filter edusphere.MessageFilter) ([]*edusphere.Message, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findMessages(ctx, tx, filter)
}

// CreateMessage validates before any SQL, then commits m as a one-op
// CommitChat, filling ID (unless preset), Created, Updated, CreatedSeq and
// Seq. Returns EINVALID, ENOTFOUND ("Room not found", "User not found"),
// ECONFLICT for a preset ID in use.
func (s *MessageService) CreateMessage(ctx context.Context, m *edusphere.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	r := s.commitOne(ctx, chatplan.Prepare([]edusphere.ChatOp{{
		Kind: edusphere.ChatCreate, RoomID: m.RoomID, UserID: m.UserID, MessageID: m.ID, Body: m.Body,
		ReplyTo: m.ReplyID(),
	}})[0])
	if r.Err != nil {
		return r.Err
	}
	*m = *r.Message
	return nil
}

// UpdateMessage validates a new body before any SQL, then sets it with
// Edited, Updated=now and the room's next Seq, even when the text is the
// same. Returns ENOTFOUND, EINVALID.
func (s *MessageService) UpdateMessage(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error) {
	op := chatplan.Op{ChatOp: edusphere.ChatOp{Kind: edusphere.ChatUpdate, MessageID: id}, KeepBody: upd.Body == nil}
	if upd.Body != nil {
		if err := edusphere.ValidateBody(*upd.Body); err != nil {
			return nil, err
		}
		op.Body = *upd.Body
	}
	r := s.commitOne(ctx, op)
	return r.Message, r.Err
}

// DeleteMessage deletes the message, leaving a tombstone with the room's
// next Seq. Returns ENOTFOUND.
func (s *MessageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	return s.commitOne(ctx, chatplan.Op{ChatOp: edusphere.ChatOp{Kind: edusphere.ChatDelete, MessageID: id}}).Err
}

// CommitChat applies ops in one write transaction, or in smaller ones when
// that fails as a whole (chatplan.Commit), and returns one result per op.
func (s *MessageService) CommitChat(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult {
	return chatplan.Commit(ctx, chatplan.Prepare(ops), s.commit)
}

func (s *MessageService) commitOne(ctx context.Context, op chatplan.Op) edusphere.ChatResult {
	return chatplan.Commit(ctx, []chatplan.Op{op}, s.commit)[0]
}

// commit is one CommitChat transaction: read what the ops need, plan in
// Go, write the plan. The writer connection serialises it with every other
// write, so what it read stays true until it commits.
func (s *MessageService) commit(ctx context.Context, ops []chatplan.Op) ([]edusphere.ChatResult, error) {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := readChatState(ctx, tx, chatplan.NeedsOf(ops))
	if err != nil {
		return nil, err
	}
	plan := chatplan.Make(ops, st)
	if err := writeChatPlan(ctx, tx, plan); err != nil {
		return nil, err
	}
	if hook := s.db.BeforeChatCommit; hook != nil {
		if err := hook(chatOps(ops)); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return plan.Results, nil
}

// chatOps returns the ChatOps of ops.
func chatOps(ops []chatplan.Op) []edusphere.ChatOp {
	out := make([]edusphere.ChatOp, len(ops))
	for i, op := range ops {
		out[i] = op.ChatOp
	}
	return out
}

// readChatState reads what planning needs: the sequence rows of the rooms
// named and of the targets' rooms, the targets, the authors and the
// preset ids in use.
func readChatState(ctx context.Context, tx *Tx, n chatplan.Needs) (chatplan.State, error) {
	st := chatplan.State{
		Now:      tx.now,
		Rooms:    make(map[uuid.UUID]chatplan.Room),
		Users:    make(map[uuid.UUID]bool),
		Messages: make(map[uuid.UUID]*edusphere.Message),
		Taken:    make(map[uuid.UUID]bool),
		Parents:  make(map[uuid.UUID]uuid.UUID),
	}
	if len(n.Rooms)+len(n.Targets) > 0 {
		rows, err := tx.query(ctx, `SELECT room_id, seq, last_created FROM edusphere_room_seq
			WHERE room_id IN (SELECT value FROM json_each(?1)
				UNION SELECT room_id FROM core_message WHERE id IN (SELECT value FROM json_each(?2)))`,
			jsonList(n.Rooms), jsonList(n.Targets))
		if err != nil {
			return st, fmt.Errorf("read room sequences: %w", err)
		}
		err = eachRow(rows, func() error {
			var id uuid.UUID
			var r chatplan.Room
			var last *time.Time
			if err := rows.Scan(&id, &r.Seq, nullTimeScanner{&last}); err != nil {
				return err
			}
			if last != nil {
				r.LastCreated = *last
			}
			st.Rooms[id] = r
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("read room sequences: %w", err)
		}
	}
	if len(n.Targets) > 0 {
		rows, err := tx.query(ctx, `SELECT `+messageColumns+` FROM core_message m WHERE m.id IN `+valuesQuery, jsonList(n.Targets))
		if err != nil {
			return st, fmt.Errorf("read messages: %w", err)
		}
		if err := eachRow(rows, func() error {
			m, err := scanMessage(rows)
			if err == nil {
				st.Messages[m.ID] = m
			}
			return err
		}); err != nil {
			return st, fmt.Errorf("read messages: %w", err)
		}
	}
	if len(n.Users) > 0 {
		if err := readIDs(ctx, tx, st.Users, `SELECT id FROM core_user WHERE id IN `+valuesQuery, jsonList(n.Users)); err != nil {
			return st, fmt.Errorf("read authors: %w", err)
		}
	}
	if len(n.Parents) > 0 {
		rows, err := tx.query(ctx, `SELECT id, room_id FROM core_message WHERE id IN `+valuesQuery, jsonList(n.Parents))
		if err != nil {
			return st, fmt.Errorf("read parents: %w", err)
		}
		if err := eachRow(rows, func() error {
			var id, room uuid.UUID
			if err := rows.Scan(&id, &room); err != nil {
				return err
			}
			st.Parents[id] = room
			return nil
		}); err != nil {
			return st, fmt.Errorf("read parents: %w", err)
		}
	}
	if len(n.Presets) > 0 {
		list := jsonList(n.Presets)
		if err := readIDs(ctx, tx, st.Taken, `SELECT id FROM core_message WHERE id IN `+valuesQuery+`
			UNION SELECT id FROM edusphere_message_tombstone WHERE id IN `+valuesQuery, list, list); err != nil {
			return st, fmt.Errorf("read ids in use: %w", err)
		}
	}
	return st, nil
}

// eachRow calls fn for each row, then closes rows.
func eachRow(rows *sql.Rows, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// readIDs adds the ids query selects to set.
func readIDs(ctx context.Context, tx *Tx, set map[uuid.UUID]bool, query string, args ...any) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, func() error {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		set[id] = true
		return nil
	})
}

// writeChatPlan writes a plan: new messages, changed ones, tombstones
// before the deletions they stand for (so the deletion trigger leaves them
// be), the rooms' sequence rows, pruned tombstones, and the authors' read
// markers.
func writeChatPlan(ctx context.Context, tx *Tx, p *chatplan.Plan) error {
	for _, m := range p.Inserts {
		if _, err := tx.exec(ctx, `INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated, created_seq, seq, reply_to)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.UserID, m.RoomID, m.Body, m.Edited,
			encTime(m.Created), encTime(m.Updated), m.CreatedSeq, m.Seq, m.ReplyTo); err != nil {
			return mapError("insert message", err, edusphere.MsgRoomNotFound)
		}
	}
	for _, m := range p.Updates {
		if _, err := tx.exec(ctx, `UPDATE core_message SET body = ?, edited = ?, updated = ?, seq = ? WHERE id = ?`,
			m.Body, m.Edited, encTime(m.Updated), m.Seq, m.ID); err != nil {
			return mapError("update message", err, "")
		}
	}
	for _, t := range p.Tombstones {
		if _, err := tx.exec(ctx, `INSERT INTO edusphere_message_tombstone (id, room_id, user_id, created_seq, created, seq, deleted)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.RoomID, t.UserID, t.CreatedSeq, encTime(t.Created), t.Seq,
			encTime(t.Deleted)); err != nil {
			return mapError("insert tombstone", err, edusphere.MsgRoomNotFound)
		}
	}
	for _, id := range p.Deletes {
		if _, err := tx.exec(ctx, `DELETE FROM core_message WHERE id = ?`, id); err != nil {
			return mapError("delete message", err, "")
		}
	}
	for _, r := range p.Rooms {
		if _, err := tx.exec(ctx, `UPDATE edusphere_room_seq SET seq = ?, last_created = ? WHERE room_id = ?`,
			r.Seq, encTimeOrNull(r.LastCreated), r.RoomID); err != nil {
			return fmt.Errorf("update room sequence: %w", err)
		}
		if r.Prune > 0 {
			if _, err := tx.exec(ctx, `DELETE FROM edusphere_message_tombstone WHERE room_id = ? AND seq <= ?`,
				r.RoomID, r.Prune); err != nil {
				return fmt.Errorf("prune tombstones: %w", err)
			}
		}
	}
	for _, k := range p.Markers {
		if _, err := tx.exec(ctx, `UPDATE edusphere_read_marker SET seq = max(seq, ?) WHERE user_id = ? AND room_id = ?`,
			k.Seq, k.UserID, k.RoomID); err != nil {
			return fmt.Errorf("move read marker: %w", err)
		}
	}
	return nil
}

// encTimeOrNull renders t, or NULL for the zero time.
func encTimeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return encTime(t)
}

// roomSeq returns the room's current sequence number, or ENOTFOUND.
func roomSeq(ctx context.Context, tx *Tx, roomID uuid.UUID) (int64, error) {
	var seq int64
	err := tx.queryRow(ctx, `SELECT seq FROM edusphere_room_seq WHERE room_id = ?`, roomID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if err != nil {
		return 0, fmt.Errorf("read room sequence: %w", err)
	}
	return seq, nil
}

// ChangesSince reads the room's sequence number and every message and
// tombstone changed after since in one statement, so one snapshot (and, on
// a shared-cache memory database, every table lock at once): the room's
// row, then its changes through the (room_id, seq) indexes, a scan that a
// term on the room's number alone skips when the room is too far ahead.
// Each part comes in its index's order; Go merges them.
func (s *MessageService) ChangesSince(ctx context.Context, roomID uuid.UUID, since int64, limit int) (*edusphere.RoomChanges, error) {
	limit, err := edusphere.ChangesLimit(since, limit)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.query(ctx, `SELECT 0, seq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
		FROM edusphere_room_seq WHERE room_id = ?1
		UNION ALL
		SELECT 1, m.seq, m.id, m.user_id, m.body, m.edited, m.created, m.updated, m.created_seq, NULL
		FROM core_message m
		WHERE m.room_id = ?1 AND m.seq > ?2 AND `+inReach+`
		UNION ALL
		SELECT 2, t.seq, t.id, t.user_id, NULL, NULL, t.created, NULL, t.created_seq, t.deleted
		FROM edusphere_message_tombstone t
		WHERE t.room_id = ?1 AND t.seq > ?2 AND `+inReach, roomID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	var out *edusphere.RoomChanges
	var msgs []*edusphere.Message
	var dead []*edusphere.Tombstone
	err = eachRow(rows, func() error {
		var part int
		var seq int64
		var id, userID nullUUID
		var body sql.NullString
		var edited sql.NullBool
		var created, updated, deleted *time.Time
		var createdSeq sql.NullInt64
		if err := rows.Scan(&part, &seq, &id, &userID, &body, &edited, nullTimeScanner{&created},
			nullTimeScanner{&updated}, &createdSeq, nullTimeScanner{&deleted}); err != nil {
			return err
		}
		switch part {
		case 0:
			out = &edusphere.RoomChanges{RoomID: roomID, Since: since, Seq: seq}
		case 1:
			msgs = append(msgs, &edusphere.Message{ID: id.UUID, UserID: userID.UUID, RoomID: roomID, Body: body.String,
				Edited: edited.Bool, Created: *created, Updated: *updated, CreatedSeq: createdSeq.Int64, Seq: seq})
		default:
			dead = append(dead, &edusphere.Tombstone{ID: id.UUID, RoomID: roomID, UserID: userID.UUID,
				CreatedSeq: createdSeq.Int64, Created: *created, Seq: seq, Deleted: *deleted})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	if out == nil {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	}
	if since > out.Seq || out.Seq-since > int64(limit) {
		out.TooFarBehind = true
		return out, nil
	}
	slices.SortFunc(msgs, func(a, b *edusphere.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(dead, func(a, b *edusphere.Tombstone) int { return cmp.Compare(a.Seq, b.Seq) })
	out.Changes = edusphere.MergeChanges(since, msgs, dead)
	return out, nil
}

// inReach is true when the room (?1) is at most ?3 changes past ?2 and not
// behind it. It names no table of the query around it, so SQLite tests it
// once, before the scan it guards.
const inReach = `(SELECT seq FROM edusphere_room_seq WHERE room_id = ?1) BETWEEN ?2 AND ?2 + ?3`

// nullUUID scans a UUID column of an outer join.
type nullUUID struct{ uuid.UUID }

func (n *nullUUID) Scan(v any) error {
	if v == nil {
		n.UUID = uuid.Nil
		return nil
	}
	return n.UUID.Scan(v)
}

// FindHistory reads the room's sequence number, the cursor's creation
// number (from its message or its tombstone) and the page before it in one
// statement, so one snapshot, walking the (room_id, created_seq) index
// backwards from the cursor.
func (s *MessageService) FindHistory(ctx context.Context, q edusphere.HistoryQuery) (*edusphere.HistoryPage, error) {
	last, err := edusphere.HistoryPageSize(q.Last)
	if err != nil {
		return nil, err
	}
	var before any // NULL asks for the newest page
	if q.Before != nil {
		before = *q.Before
	}
	rows, err := s.db.query(ctx, `SELECT s.seq, c.created_seq, m.id, m.user_id, m.room_id, m.body, m.edited,
			m.created, m.updated, m.created_seq, m.seq, m.reply_to
		FROM edusphere_room_seq s
		JOIN (SELECT `+historyCursor+` AS created_seq) c
		LEFT JOIN (
			SELECT `+messageColumns+` FROM core_message m
			WHERE m.room_id = ?1 AND m.created_seq < `+historyCursor+`
			ORDER BY m.created_seq DESC LIMIT ?3
		) m ON 1
		WHERE s.room_id = ?1
		ORDER BY m.created_seq DESC`, q.RoomID, before, last+1, int64(math.MaxInt64))
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	found, cursorFound := false, false
	var seq int64
	var msgs []*edusphere.Message
	err = eachRow(rows, func() error {
		var cursor sql.NullInt64
		var id, userID, roomID nullUUID
		var body sql.NullString
		var edited sql.NullBool
		var created, updated *time.Time
		var createdSeq, changeSeq sql.NullInt64
		var replyTo *uuid.UUID
		if err := rows.Scan(&seq, &cursor, &id, &userID, &roomID, &body, &edited, nullTimeScanner{&created},
			nullTimeScanner{&updated}, &createdSeq, &changeSeq, &replyTo); err != nil {
			return err
		}
		found, cursorFound = true, cursor.Valid
		if id.UUID != uuid.Nil {
			msgs = append(msgs, &edusphere.Message{ID: id.UUID, UserID: userID.UUID, RoomID: roomID.UUID, Body: body.String,
				Edited: edited.Bool, Created: *created, Updated: *updated, CreatedSeq: createdSeq.Int64, Seq: changeSeq.Int64,
				ReplyTo: replyTo})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	if !found {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if !cursorFound {
		return nil, edusphere.NotFound(edusphere.MsgMessageNotFound)
	}
	return edusphere.NewHistoryPage(msgs, last, seq), nil
}

// historyCursor is the creation number of the cursor ?2 (its message's or
// its tombstone's), or ?4 for no cursor; a constant of the query, which
// SQLite works out once.
const historyCursor = `(SELECT CASE WHEN ?2 IS NULL THEN ?4 ELSE COALESCE(
	(SELECT created_seq FROM core_message WHERE id = ?2 AND room_id = ?1),
	(SELECT created_seq FROM edusphere_message_tombstone WHERE id = ?2 AND room_id = ?1)) END)`

func findMessages(ctx context.Context, tx *Tx, f edusphere.MessageFilter) ([]*edusphere.Message, int, error) {
	if err := edusphere.ValidateSearch(f.Search); err != nil {
		return nil, 0, err
	}
	var w where
	if len(f.IDs) > 0 {
		in(&w, "m.id", f.IDs)
	}
	if f.RoomID != nil {
		w.add(`m.room_id = ?`, *f.RoomID)
	}
	if f.UserID != nil {
		w.add(`m.user_id = ?`, *f.UserID)
	}
	if f.Edited != nil {
		w.add(`m.edited = ?`, *f.Edited)
	}
	if f.VisibleTo != nil {
		w.add(`m.room_id IN (SELECT rv.id FROM core_room rv WHERE `+visibleRoom("rv")+`)`, *f.VisibleTo)
	}
	if f.Search != nil && *f.Search != "" {
		p := likeContains(*f.Search)
		w.add("("+strings.Join([]string{
			`m.body LIKE ? ESCAPE '\'`,
			`m.user_id IN (SELECT id FROM core_user WHERE username LIKE ? ESCAPE '\')`,
			`m.room_id IN (SELECT id FROM core_room WHERE name LIKE ? ESCAPE '\')`,
		}, " OR ")+")", p, p, p)
	}
	order := ` ORDER BY m.created, m.id`
	if f.Order == edusphere.MessageOrderNewest {
		order = ` ORDER BY m.created DESC, m.id`
	}
	return findPage(ctx, tx, "messages",
		`SELECT `+messageColumns+`, `+totalColumn(f.Limit, f.Offset)+` FROM core_message m`+w.String()+order+limitOffset(f.Limit, f.Offset),
		`SELECT count(*) FROM core_message m`+w.String(), w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.Message, error) { return scanMessage(rows, total) })
}
