package postgres

import (
	"context"
	"encoding/json"

	"github.com/edusphere/edusphere"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ edusphere.AdminLogService = (*AdminLogService)(nil)

// AdminLogService stores the admin action log in edusphere_admin_action.
type AdminLogService struct {
	db *DB
}

// NewAdminLogService returns the admin log service of db.
func NewAdminLogService(db *DB) *AdminLogService { return &AdminLogService{db: db} }

// CreateAdminAction fills ID and Created and inserts a.
func (s *AdminLogService) CreateAdminAction(ctx context.Context, a *edusphere.AdminAction) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	a.Created = tx.now
	err = tx.queryRow(ctx, `INSERT INTO edusphere_admin_action
		(actor_id, actor_email, action, object_type, object_id, object_repr, before_json, after_json, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.ActorID, a.ActorEmail, a.Action, a.ObjectType, a.ObjectID, a.ObjectRepr,
		jsonArg(a.Before), jsonArg(a.After), a.Created).Scan(&a.ID)
	if err != nil {
		return mapError("insert admin action", err)
	}
	return tx.Commit(ctx)
}

// FindAdminActions returns matching actions newest first and the total
// before Offset and Limit.
func (s *AdminLogService) FindAdminActions(ctx context.Context, filter edusphere.AdminActionFilter) ([]*edusphere.AdminAction, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	var w where
	if v := filter.ActorID; v != nil {
		w.add(`actor_id = ` + w.arg(*v))
	}
	if v := filter.ObjectType; v != nil {
		w.add(`object_type = ` + w.arg(*v))
	}
	if v := filter.ObjectID; v != nil {
		w.add(`object_id = ` + w.arg(*v))
	}
	cond, nargs := w.String(), len(w.args)
	return findPage(ctx, tx, "admin actions", `SELECT id, actor_id, actor_email, action, object_type, object_id,
		object_repr, before_json, after_json, created, `+totalColumn(filter.Limit, filter.Offset)+`
		FROM edusphere_admin_action `+cond+` ORDER BY created DESC, id DESC`+w.page(filter.Offset, filter.Limit),
		`SELECT count(*) FROM edusphere_admin_action `+cond, w.args, nargs, filter.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.AdminAction, error) {
			var a edusphere.AdminAction
			var before, after *string
			if err := rows.Scan(&a.ID, &a.ActorID, &a.ActorEmail, &a.Action, &a.ObjectType, &a.ObjectID,
				&a.ObjectRepr, &before, &after, &a.Created, total); err != nil {
				return nil, err
			}
			utc(&a.Created)
			a.Before, a.After = jsonValue(before), jsonValue(after)
			return &a, nil
		})
}

// jsonArg passes a snapshot as text, NULL when absent.
func jsonArg(m json.RawMessage) *string {
	if len(m) == 0 {
		return nil
	}
	s := string(m)
	return &s
}

// jsonValue is the inverse of jsonArg.
func jsonValue(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}
