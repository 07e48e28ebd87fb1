package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

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
	return findPage(ctx, tx, "admin actions",
		`SELECT id, actor_id, actor_email, action, object_type, object_id, object_repr,
		before_json, after_json, created, `+totalColumn(f.Limit, f.Offset)+` FROM edusphere_admin_action`+w.String()+
			` ORDER BY created DESC, id DESC`+limitOffset(f.Limit, f.Offset),
		`SELECT count(*) FROM edusphere_admin_action`+w.String(), w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.AdminAction, error) {
			var a edusphere.AdminAction
			var before, after *string
			if err := rows.Scan(&a.ID, &a.ActorID, &a.ActorEmail, &a.Action, &a.ObjectType, &a.ObjectID, &a.ObjectRepr,
				&before, &after, timeScanner{&a.Created}, total); err != nil {
				return nil, err
			}
			if before != nil {
				a.Before = json.RawMessage(*before)
			}
			if after != nil {
				a.After = json.RawMessage(*after)
			}
			return &a, nil
		})
}

// rawOrNull stores an absent JSON document as NULL.
func rawOrNull(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}
