package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/edusphere/edusphere"
)

var _ edusphere.AdminLogService = (*AdminLogService)(nil)

// AdminLogService stores the admin action log.
type AdminLogService struct {
	db *DB
}

// CreateAdminAction fills ID and Created (now) and inserts a.
func (s *AdminLogService) CreateAdminAction(ctx context.Context, a *edusphere.AdminAction) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	a.Created = tx.now
	if err := tx.queryRow(ctx, `INSERT INTO edusphere_admin_action
		(actor_id, actor_email, action, object_type, object_id, object_repr, before_json, after_json, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.ActorID, a.ActorEmail, a.Action, a.ObjectType, a.ObjectID, a.ObjectRepr,
		rawOrNull(a.Before), rawOrNull(a.After), encTime(a.Created)).Scan(&a.ID); err != nil {
		return mapError("insert admin action", err, "")
	}
	return tx.Commit()
}

// FindAdminActions returns actions newest first (id breaks ties, newest
// first too) and the total before Offset and Limit.
func (s *AdminLogService) FindAdminActions(ctx context.Context, f edusphere.AdminActionFilter) ([]*edusphere.AdminAction, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var w where
	if f.ActorID != nil {
		w.add(`actor_id = ?`, *f.ActorID)
	}
	if f.ObjectType != nil {
		w.add(`object_type = ?`, *f.ObjectType)
	}
	if f.ObjectID != nil {
		w.add(`object_id = ?`, *f.ObjectID)
	}
	rows, err := tx.query(ctx, `SELECT id, actor_id, actor_email, action, object_type, object_id, object_repr,
		before_json, after_json, created, count(*) OVER () FROM edusphere_admin_action`+w.String()+
		` ORDER BY created DESC, id DESC`+limitOffset(f.Limit, f.Offset), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find admin actions: %w", err)
	}
	defer rows.Close()
	var out []*edusphere.AdminAction
	total := 0
	for rows.Next() {
		var a edusphere.AdminAction
		var before, after *string
		if err := rows.Scan(&a.ID, &a.ActorID, &a.ActorEmail, &a.Action, &a.ObjectType, &a.ObjectID, &a.ObjectRepr,
			&before, &after, timeScanner{&a.Created}, &total); err != nil {
			return nil, 0, fmt.Errorf("scan admin action: %w", err)
		}
		if before != nil {
			a.Before = json.RawMessage(*before)
		}
		if after != nil {
			a.After = json.RawMessage(*after)
		}
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find admin actions: %w", err)
	}
	if len(out) == 0 && f.Offset > 0 {
		if err := tx.queryRow(ctx, `SELECT count(*) FROM edusphere_admin_action`+w.String(), w.args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count admin actions: %w", err)
		}
	}
	return out, total, nil
}

// rawOrNull stores an absent JSON document as NULL.
func rawOrNull(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}
