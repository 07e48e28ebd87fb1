package postgres

import (
	"context"
	"errors"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ edusphere.MessageService = (*MessageService)(nil)

// MessageService stores messages in core_message.
type MessageService struct {
	db *DB
}

// NewMessageService returns the message service of db.
func NewMessageService(db *DB) *MessageService { return &MessageService{db: db} }

// messageColumns are read by scanMessage, in order.
const messageColumns = `m.id, m.user_id, m.room_id, m.body, m.edited, m.created, m.updated`

// scanMessage reads messageColumns, then extra.
func scanMessage(row pgx.Row, extra ...any) (*edusphere.Message, error) {
	var m edusphere.Message
	dest := []any{&m.ID, &m.UserID, &m.RoomID, &m.Body, &m.Edited, &m.Created, &m.Updated}
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

// CreateMessage fills a zero ID, Created and Updated, validates before any
// SQL and inserts. Returns EINVALID, or ENOTFOUND for an unknown room (the
// room is reported first) or user.
func (s *MessageService) CreateMessage(ctx context.Context, m *edusphere.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if m.ID == uuid.Nil {
		m.ID = uuid.New()
	}
	m.Created, m.Updated = tx.now, tx.now
	_, err = tx.exec(ctx, `INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.UserID, m.RoomID, m.Body, m.Edited, m.Created, m.Updated)
	if isForeignKeyViolation(err) {
		// Which key PostgreSQL checks first is not specified; ask, so a
		// message for an unknown room and user always names the room.
		tx.Rollback()
		return s.missingRef(ctx, m)
	} else if err != nil {
		return mapError("insert message", err)
	}
	return tx.Commit(ctx)
}

// missingRef names the missing room or user of m after its insert broke a
// foreign key. The happy path pays nothing for it.
func (s *MessageService) missingRef(ctx context.Context, m *edusphere.Message) error {
	tx, err := s.db.reader()
	if err != nil {
		return err
	}
	var roomOK, userOK bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_room WHERE id = $1),
		EXISTS (SELECT 1 FROM core_user WHERE id = $2)`, m.RoomID, m.UserID).Scan(&roomOK, &userOK); err != nil {
		return mapError("check message refs", err)
	}
	if !roomOK {
		return edusphere.NotFound(edusphere.MsgRoomNotFound)
	}
	return edusphere.NotFound(edusphere.MsgUserNotFound)
}

// UpdateMessage validates a new body before any SQL, then sets it with
// Edited=true and Updated=now, even when the text is the same. Returns
// ENOTFOUND, EINVALID.
func (s *MessageService) UpdateMessage(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error) {
	if upd.Body != nil {
		if err := edusphere.ValidateBody(*upd.Body); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := scanMessage(tx.queryRow(ctx, `UPDATE core_message m
		SET body = COALESCE($2, m.body), edited = true, updated = $3
		WHERE m.id = $1
		RETURNING `+messageColumns, id, upd.Body, tx.now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgMessageNotFound)
	} else if err != nil {
		return nil, mapError("update message", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteMessage returns ENOTFOUND.
func (s *MessageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "core_message", id, edusphere.MsgMessageNotFound)
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
