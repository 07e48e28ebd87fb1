package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/chatplan"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Ensure the service implements the interface.
var _ edusphere.MessageService = (*MessageService)(nil)

// MessageService stores messages in core_message, their tombstones in
// edusphere_message_tombstone and each room's sequence in
// edusphere_room_seq (docs/data.md).
type MessageService struct {
	db *DB
}

// NewMessageService returns the message service of db.
func NewMessageService(db *DB) *MessageService { return &MessageService{db: db} }

// messageColumns are read by scanMessage, in order.
const messageColumns = `m.id, m.user_id, m.room_id, m.body, m.edited, m.created, m.updated, m.created_seq, m.seq, m.reply_to`

// scanMessage reads messageColumns, then extra.
func scanMessage(row pgx.Row, extra ...any) (*edusphere.Message, error) {
	var m edusphere.Message
	dest := []any{&m.ID, &m.UserID, &m.RoomID, &m.Body, &m.Edited, &m.Created, &m.Updated, &m.CreatedSeq, &m.Seq, &m.ReplyTo}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	utc(&m.Created)
	utc(&m.Updated)
	return &m, nil
}

// FindMessageByID returns ENOTFOUND ("Message not found").
func (s *MessageService) FindMessageByID(ctx context.Context, id uuid.UUID) (*edusphere.Message, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findMessageOne(ctx, tx, `m.id = $1`, id)
}

// FindMessages returns matching messages and the total before Offset and Limit.
func (s *MessageService) FindMessages(ctx context.Context, filter edusphere.MessageFilter) ([]*edusphere.Message, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	return findMessages(ctx, tx, filter)
}

// CreateMessage validates before any SQL, then commits m as a one-op
// CommitChat, filling ID (unless preset), Created, Updated, CreatedSeq and
// Seq. Returns EINVALID, ENOTFOUND for an unknown room (the room is
// reported first) or user, ECONFLICT for a preset ID in use.
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
// Edited=true, Updated=now and the room's next Seq, even when the text is
// the same. Returns ENOTFOUND, EINVALID.
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

// CommitChat applies ops in one transaction, or in smaller ones when that
// fails as a whole (chatplan.Commit), and returns one result per op.
func (s *MessageService) CommitChat(ctx context.Context, ops []edusphere.ChatOp) []edusphere.ChatResult {
	return chatplan.Commit(ctx, chatplan.Prepare(ops), s.commit)
}

func (s *MessageService) commitOne(ctx context.Context, op chatplan.Op) edusphere.ChatResult {
	return chatplan.Commit(ctx, []chatplan.Op{op}, s.commit)[0]
}

// commit is one CommitChat transaction in two round trips whatever the
// number of ops: BEGIN with the reads planning needs, which lock the
// rooms' sequence rows in room order, in one pipeline; the multi-row
// writes with COMMIT in another. The row locks make writers of one room
// take turns, from any process, so what was read stays true until the
// commit; a batch holds them for one round trip and the commit's WAL
// flush, which is what two processes writing one room wait for.
func (s *MessageService) commit(ctx context.Context, ops []chatplan.Op) (_ []edusphere.ChatResult, err error) {
	tx, err := s.db.beginPipelined(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { tx.end(err) }()
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	st := queueChatState(b, chatplan.NeedsOf(ops), tx.now)
	if err := tx.sendBatch(ctx, b); err != nil {
		return nil, mapError("read chat state", err)
	}
	plan := chatplan.Make(ops, st)
	if hook := s.db.BeforeChatCommit; hook != nil {
		if err := hook(chatOps(ops)); err != nil {
			return nil, err
		}
	}
	b = chatPlanBatch(plan)
	committed := false
	b.Queue(`COMMIT`).Exec(func(tag pgconn.CommandTag) error {
		committed = tag.String() == "COMMIT"
		return nil
	})
	if err := tx.sendBatch(ctx, b); err != nil {
		return nil, mapError("write chat batch", err)
	}
	if !committed {
		return nil, errors.New("commit: the transaction was rolled back")
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

// queueChatState queues on b the statements that lock and read the
// sequence rows of the rooms named and of the targets' rooms, then read
// the targets, the authors and the preset ids in use; the State returned
// is filled when b has run.
func queueChatState(b *pgx.Batch, n chatplan.Needs, now time.Time) chatplan.State {
	st := chatplan.State{
		Now:      now,
		Rooms:    make(map[uuid.UUID]chatplan.Room),
		Users:    make(map[uuid.UUID]bool),
		Messages: make(map[uuid.UUID]*edusphere.Message),
		Taken:    make(map[uuid.UUID]bool),
		Parents:  make(map[uuid.UUID]uuid.UUID),
	}
	if len(n.Rooms)+len(n.Targets) > 0 {
		b.Queue(`SELECT room_id, seq, last_created FROM edusphere_room_seq
			WHERE room_id IN (SELECT unnest($1::uuid[]) UNION SELECT room_id FROM core_message WHERE id = ANY($2))
			ORDER BY room_id FOR UPDATE`, n.Rooms, n.Targets).Query(func(rows pgx.Rows) error {
			return eachRow(rows, func() error {
				var id uuid.UUID
				var r chatplan.Room
				var last *time.Time
				if err := rows.Scan(&id, &r.Seq, &last); err != nil {
					return err
				}
				if last != nil {
					r.LastCreated = last.UTC()
				}
				st.Rooms[id] = r
				return nil
			})
		})
	}
	if len(n.Targets) > 0 {
		b.Queue(`SELECT `+messageColumns+` FROM core_message m WHERE m.id = ANY($1)`, n.Targets).Query(func(rows pgx.Rows) error {
			return eachRow(rows, func() error {
				m, err := scanMessage(rows)
				if err == nil {
					st.Messages[m.ID] = m
				}
				return err
			})
		})
	}
	if len(n.Users) > 0 {
		b.Queue(`SELECT id FROM core_user WHERE id = ANY($1)`, n.Users).Query(func(rows pgx.Rows) error {
			return readIDs(rows, st.Users)
		})
	}
	if len(n.Parents) > 0 {
		b.Queue(`SELECT id, room_id FROM core_message WHERE id = ANY($1)`, n.Parents).Query(func(rows pgx.Rows) error {
			return eachRow(rows, func() error {
				var id, room uuid.UUID
				if err := rows.Scan(&id, &room); err != nil {
					return err
				}
				st.Parents[id] = room
				return nil
			})
		})
	}
	if len(n.Presets) > 0 {
		b.Queue(`SELECT id FROM core_message WHERE id = ANY($1)
			UNION SELECT id FROM edusphere_message_tombstone WHERE id = ANY($1)`, n.Presets).Query(func(rows pgx.Rows) error {
			return readIDs(rows, st.Taken)
		})
	}
	return st
}

// eachRow calls fn for each row.
func eachRow(rows pgx.Rows, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// readIDs adds the ids rows hold to set.
func readIDs(rows pgx.Rows, set map[uuid.UUID]bool) error {
	return eachRow(rows, func() error {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		set[id] = true
		return nil
	})
}

// chatPlanBatch renders a plan as one statement per kind of write, each
// taking its rows as arrays: new messages, changed ones, tombstones before
// the deletions they stand for (so the deletion trigger leaves them be),
// the rooms' sequence rows, pruned tombstones, and the authors' read
// markers.
func chatPlanBatch(p *chatplan.Plan) *pgx.Batch {
	b := &pgx.Batch{}
	if n := len(p.Inserts); n > 0 {
		ids, users, rooms := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
		bodies, edited := make([]string, n), make([]bool, n)
		created, updated := make([]time.Time, n), make([]time.Time, n)
		createdSeq, seq := make([]int64, n), make([]int64, n)
		replies := make([]*uuid.UUID, n)
		for i, m := range p.Inserts {
			ids[i], users[i], rooms[i], bodies[i], edited[i] = m.ID, m.UserID, m.RoomID, m.Body, m.Edited
			created[i], updated[i], createdSeq[i], seq[i] = m.Created, m.Updated, m.CreatedSeq, m.Seq
			replies[i] = m.ReplyTo
		}
		b.Queue(`INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated, created_seq, seq, reply_to)
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bool[],
				$6::timestamptz[], $7::timestamptz[], $8::bigint[], $9::bigint[], $10::uuid[])`,
			ids, users, rooms, bodies, edited, created, updated, createdSeq, seq, replies)
	}
	if n := len(p.Updates); n > 0 {
		ids, bodies, edited := make([]uuid.UUID, n), make([]string, n), make([]bool, n)
		updated, seq := make([]time.Time, n), make([]int64, n)
		for i, m := range p.Updates {
			ids[i], bodies[i], edited[i], updated[i], seq[i] = m.ID, m.Body, m.Edited, m.Updated, m.Seq
		}
		b.Queue(`UPDATE core_message m SET body = v.body, edited = v.edited, updated = v.updated, seq = v.seq
			FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::timestamptz[], $5::bigint[]) AS v(id, body, edited, updated, seq)
			WHERE m.id = v.id`, ids, bodies, edited, updated, seq)
	}
	if n := len(p.Tombstones); n > 0 {
		ids, rooms, users := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]uuid.UUID, n)
		createdSeq, seq := make([]int64, n), make([]int64, n)
		created, deleted := make([]time.Time, n), make([]time.Time, n)
		for i, t := range p.Tombstones {
			ids[i], rooms[i], users[i], createdSeq[i], created[i] = t.ID, t.RoomID, t.UserID, t.CreatedSeq, t.Created
			seq[i], deleted[i] = t.Seq, t.Deleted
		}
		b.Queue(`INSERT INTO edusphere_message_tombstone (id, room_id, user_id, created_seq, created, seq, deleted)
			SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::timestamptz[],
				$6::bigint[], $7::timestamptz[])`, ids, rooms, users, createdSeq, created, seq, deleted)
	}
	if len(p.Deletes) > 0 {
		b.Queue(`DELETE FROM core_message WHERE id = ANY($1)`, p.Deletes)
	}
	if n := len(p.Rooms); n > 0 {
		rooms, seq, last := make([]uuid.UUID, n), make([]int64, n), make([]*time.Time, n)
		var pruneRooms []uuid.UUID
		var pruneSeq []int64
		for i, r := range p.Rooms {
			rooms[i], seq[i] = r.RoomID, r.Seq
			if !r.LastCreated.IsZero() {
				last[i] = &r.LastCreated
			}
			if r.Prune > 0 {
				pruneRooms, pruneSeq = append(pruneRooms, r.RoomID), append(pruneSeq, r.Prune)
			}
		}
		b.Queue(`UPDATE edusphere_room_seq s SET seq = v.seq, last_created = v.last_created
			FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS v(room_id, seq, last_created)
			WHERE s.room_id = v.room_id`, rooms, seq, last)
		if len(pruneRooms) > 0 {
			b.Queue(`DELETE FROM edusphere_message_tombstone t
				USING unnest($1::uuid[], $2::bigint[]) AS v(room_id, seq)
				WHERE t.room_id = v.room_id AND t.seq <= v.seq`, pruneRooms, pruneSeq)
		}
	}
	if n := len(p.Markers); n > 0 {
		users, rooms, seq := make([]uuid.UUID, n), make([]uuid.UUID, n), make([]int64, n)
		for i, k := range p.Markers {
			users[i], rooms[i], seq[i] = k.UserID, k.RoomID, k.Seq
		}
		b.Queue(`UPDATE edusphere_read_marker k SET seq = GREATEST(k.seq, v.seq)
			FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS v(user_id, room_id, seq)
			WHERE k.user_id = v.user_id AND k.room_id = v.room_id`, users, rooms, seq)
	}
	return b
}

// ChangesSince reads the room's sequence number and every message and
// tombstone changed after since in one statement, so one snapshot: the
// room's row first, then its changes through the (room_id, seq) indexes,
// skipped when the room is too far ahead.
func (s *MessageService) ChangesSince(ctx context.Context, roomID uuid.UUID, since int64, limit int) (*edusphere.RoomChanges, error) {
	limit, err := edusphere.ChangesLimit(since, limit)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT s.seq, x.dead, x.id, x.user_id, x.body, x.edited, x.created, x.updated,
			x.created_seq, x.seq, x.deleted
		FROM edusphere_room_seq s
		LEFT JOIN LATERAL (
			SELECT false AS dead, m.id, m.user_id, m.body, m.edited, m.created, m.updated, m.created_seq, m.seq,
				NULL::timestamptz AS deleted
			FROM core_message m
			WHERE m.room_id = s.room_id AND m.seq > $2 AND s.seq >= $2 AND s.seq - $2 <= $3
			UNION ALL
			SELECT true, t.id, t.user_id, NULL, NULL, t.created, NULL, t.created_seq, t.seq, t.deleted
			FROM edusphere_message_tombstone t
			WHERE t.room_id = s.room_id AND t.seq > $2 AND s.seq >= $2 AND s.seq - $2 <= $3
		) x ON true
		WHERE s.room_id = $1
		ORDER BY x.seq`, roomID, since, limit)
	if err != nil {
		return nil, mapError("read changes", err)
	}
	var out *edusphere.RoomChanges
	var msgs []*edusphere.Message
	var dead []*edusphere.Tombstone
	err = eachRow(rows, func() error {
		var seq int64
		var isDead *bool
		var id, userID *uuid.UUID
		var body *string
		var edited *bool
		var created, updated, deleted *time.Time
		var createdSeq, changeSeq *int64
		if err := rows.Scan(&seq, &isDead, &id, &userID, &body, &edited, &created, &updated,
			&createdSeq, &changeSeq, &deleted); err != nil {
			return err
		}
		if out == nil {
			out = &edusphere.RoomChanges{RoomID: roomID, Since: since, Seq: seq}
		}
		switch {
		case isDead == nil: // no changes
		case *isDead:
			dead = append(dead, &edusphere.Tombstone{ID: *id, RoomID: roomID, UserID: *userID,
				CreatedSeq: *createdSeq, Created: created.UTC(), Seq: *changeSeq, Deleted: deleted.UTC()})
		default:
			msgs = append(msgs, &edusphere.Message{ID: *id, UserID: *userID, RoomID: roomID, Body: *body,
				Edited: *edited, Created: created.UTC(), Updated: updated.UTC(), CreatedSeq: *createdSeq, Seq: *changeSeq})
		}
		return nil
	})
	if err != nil {
		return nil, mapError("read changes", err)
	}
	if out == nil {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	}
	if since > out.Seq || out.Seq-since > int64(limit) {
		out.TooFarBehind = true
		return out, nil
	}
	out.Changes = edusphere.MergeChanges(since, msgs, dead)
	return out, nil
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
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT s.seq, c.created_seq, `+messageColumns+`
		FROM edusphere_room_seq s
		CROSS JOIN LATERAL (SELECT CASE WHEN $2::uuid IS NULL THEN $4::bigint ELSE COALESCE(
			(SELECT created_seq FROM core_message WHERE id = $2 AND room_id = $1),
			(SELECT created_seq FROM edusphere_message_tombstone WHERE id = $2 AND room_id = $1)) END AS created_seq) c
		LEFT JOIN LATERAL (
			SELECT `+messageColumns+` FROM core_message m
			WHERE m.room_id = s.room_id AND m.created_seq < c.created_seq
			ORDER BY m.created_seq DESC LIMIT $3
		) m ON true
		WHERE s.room_id = $1
		ORDER BY m.created_seq DESC`, q.RoomID, q.Before, last+1, int64(math.MaxInt64))
	if err != nil {
		return nil, mapError("read history", err)
	}
	found, cursorFound := false, false
	var seq int64
	var msgs []*edusphere.Message
	err = eachRow(rows, func() error {
		var cursor *int64
		var m nullableMessage
		if err := rows.Scan(append([]any{&seq, &cursor}, m.dest()...)...); err != nil {
			return err
		}
		found, cursorFound = true, cursor != nil
		if msg := m.message(); msg != nil {
			msgs = append(msgs, msg)
		}
		return nil
	})
	if err != nil {
		return nil, mapError("read history", err)
	}
	if !found {
		return nil, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if !cursorFound {
		return nil, edusphere.NotFound(edusphere.MsgMessageNotFound)
	}
	return edusphere.NewHistoryPage(msgs, last, seq), nil
}

// nullableMessage scans a message of an outer join, whose columns may all
// be NULL.
type nullableMessage struct {
	id, userID, roomID *uuid.UUID
	body               *string
	edited             *bool
	created, updated   *time.Time
	createdSeq, seq    *int64
	replyTo            *uuid.UUID
}

func (n *nullableMessage) dest() []any {
	return []any{&n.id, &n.userID, &n.roomID, &n.body, &n.edited, &n.created, &n.updated, &n.createdSeq, &n.seq, &n.replyTo}
}

// message returns the message scanned, or nil for NULLs.
func (n *nullableMessage) message() *edusphere.Message {
	if n.id == nil {
		return nil
	}
	return &edusphere.Message{ID: *n.id, UserID: *n.userID, RoomID: *n.roomID, Body: *n.body, Edited: *n.edited,
		Created: n.created.UTC(), Updated: n.updated.UTC(), CreatedSeq: *n.createdSeq, Seq: *n.seq, ReplyTo: n.replyTo}
}

// findMessageOne returns the message matching cond or ENOTFOUND.
func findMessageOne(ctx context.Context, tx *Tx, cond string, args ...any) (*edusphere.Message, error) {
	m, err := scanMessage(tx.queryRow(ctx, `SELECT `+messageColumns+` FROM core_message m WHERE `+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgMessageNotFound)
	} else if err != nil {
		return nil, mapError("find message", err)
	}
	return m, nil
}

func findMessages(ctx context.Context, tx *Tx, filter edusphere.MessageFilter) ([]*edusphere.Message, int, error) {
	if err := edusphere.ValidateSearch(filter.Search); err != nil {
		return nil, 0, err
	}
	var w where
	if len(filter.IDs) > 0 {
		w.add(`m.id = ANY(` + w.arg(filter.IDs) + `)`)
	}
	if v := filter.RoomID; v != nil {
		w.add(`m.room_id = ` + w.arg(*v))
	}
	if v := filter.UserID; v != nil {
		w.add(`m.user_id = ` + w.arg(*v))
	}
	if v := filter.Edited; v != nil {
		w.add(`m.edited = ` + w.arg(*v))
	}
	if v := filter.VisibleTo; v != nil {
		w.add(`m.room_id IN (SELECT rv.id FROM core_room rv WHERE ` + visibleRoom("rv", w.arg(*v)) + `)`)
	}
	if v := filter.Search; v != nil && *v != "" {
		p := w.arg(likePattern(*v))
		w.add(`(` + ilike(`m.body`, p) +
			` OR EXISTS (SELECT 1 FROM core_user u WHERE u.id = m.user_id AND ` + ilike(`u.username`, p) + `)` +
			` OR EXISTS (SELECT 1 FROM core_room r WHERE r.id = m.room_id AND ` + ilike(`r.name`, p) + `))`)
	}
	order := `m.created, m.id`
	if filter.Order == edusphere.MessageOrderNewest {
		order = `m.created DESC, m.id`
	}
	cond, nargs := w.String(), len(w.args)
	query := `SELECT ` + messageColumns + `, ` + totalColumn(filter.Limit, filter.Offset) + ` FROM core_message m ` + cond +
		` ORDER BY ` + order + w.page(filter.Offset, filter.Limit)
	return findPage(ctx, tx, "messages", query, `SELECT count(*) FROM core_message m `+cond, w.args, nargs, filter.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.Message, error) { return scanMessage(rows, total) })
}

// sendBatch runs the queued statements of b in one round trip, with their
// callbacks, and returns the first error.
func (tx *Tx) sendBatch(ctx context.Context, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	tx.db.stmts.Add(int64(b.Len()))
	return tx.q.SendBatch(ctx, b).Close()
}
