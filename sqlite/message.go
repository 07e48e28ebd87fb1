package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.MessageService = (*MessageService)(nil)

// MessageService stores messages in core_message.
type MessageService struct {
	db *DB
}

// messageColumns lists what scanMessage reads.
const messageColumns = `m.id, m.user_id, m.room_id, m.body, m.edited, m.created, m.updated`

func scanMessage(sc interface{ Scan(...any) error }, extra ...any) (*edusphere.Message, error) {
	var m edusphere.Message
	dest := append([]any{&m.ID, &m.UserID, &m.RoomID, &m.Body, &m.Edited,
		timeScanner{&m.Created}, timeScanner{&m.Updated}}, extra...)
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

// CreateMessage fills a zero ID, Created and Updated, validates and inserts,
// committing before it returns. Returns EINVALID, or ENOTFOUND ("Room not
// found", "User not found") for an unknown room or user.
func (s *MessageService) CreateMessage(ctx context.Context, m *edusphere.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var roomOK, userOK bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_room WHERE id = ?),
		EXISTS (SELECT 1 FROM core_user WHERE id = ?)`, m.RoomID, m.UserID).Scan(&roomOK, &userOK); err != nil {
		return fmt.Errorf("check message refs: %w", err)
	}
	if !roomOK {
		return edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if !userOK {
		return edusphere.NotFound(edusphere.MsgUserNotFound)
	}
	if m.ID == uuid.Nil {
		m.ID = uuid.New()
	}
	m.Created, m.Updated = tx.now, tx.now
	if _, err := tx.exec(ctx, `INSERT INTO core_message (id, user_id, room_id, body, edited, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.UserID, m.RoomID, m.Body, m.Edited,
		encTime(m.Created), encTime(m.Updated)); err != nil {
		return mapError("insert message", err, edusphere.MsgRoomNotFound)
	}
	return tx.Commit()
}

// UpdateMessage sets the body, Edited and Updated=now, even when the text
// is the same. Returns ENOTFOUND, EINVALID.
func (s *MessageService) UpdateMessage(ctx context.Context, id uuid.UUID, upd edusphere.MessageUpdate) (*edusphere.Message, error) {
	if upd.Body != nil {
		if err := edusphere.ValidateBody(*upd.Body); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	set, args := `edited = 1, updated = ?`, []any{encTime(tx.now)}
	if upd.Body != nil {
		set += `, body = ?`
		args = append(args, *upd.Body)
	}
	args = append(args, id)
	rows, err := tx.query(ctx, `UPDATE core_message SET `+set+` WHERE id = ? RETURNING `+strings.ReplaceAll(messageColumns, "m.", ""), args...)
	if err != nil {
		return nil, mapError("update message", err, "")
	}
	var m *edusphere.Message
	for rows.Next() {
		if m, err = scanMessage(rows); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan message: %w", err)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, mapError("update message", err, "")
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("update message", err, "")
	}
	if m == nil {
		return nil, edusphere.NotFound(edusphere.MsgMessageNotFound)
	}
	return m, tx.Commit()
}

// DeleteMessage returns ENOTFOUND.
func (s *MessageService) DeleteMessage(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "core_message", id, edusphere.MsgMessageNotFound)
}

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
