package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ edusphere.UserService = (*UserService)(nil)

// UserService stores users in core_user.
type UserService struct {
	db *DB
}

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

// userColumns are read by scanUser, in order.
const userColumns = `u.id, u.email, u.username, u.name, u.bio, COALESCE(u.avatar, ''), u.password,
	u.is_staff, u.is_superuser, u.is_active, u.date_joined, u.last_login`

// scanUser reads userColumns, then extra.
func scanUser(row pgx.Row, extra ...any) (*edusphere.User, error) {
	var u edusphere.User
	dest := []any{&u.ID, &u.Email, &u.Username, &u.Name, &u.Bio, &u.Avatar, &u.Password,
		&u.IsStaff, &u.IsSuperuser, &u.IsActive, &u.DateJoined, &u.LastLogin}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	utc(&u.DateJoined)
	utcPtr(u.LastLogin)
	return &u, nil
}

// FindUserByID returns ENOTFOUND when no user has id.
func (s *UserService) FindUserByID(ctx context.Context, id uuid.UUID) (*edusphere.User, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findUserByID(ctx, tx, id)
}

// FindUserByUsername matches the username exactly. Returns ENOTFOUND.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*edusphere.User, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findUserOne(ctx, tx, `u.username = $1`, username)
}

// FindUserByEmail matches the email ignoring ASCII case, through the unique
// index on lower(email). Returns ENOTFOUND.
func (s *UserService) FindUserByEmail(ctx context.Context, email string) (*edusphere.User, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findUserOne(ctx, tx, userByEmail, email)
}

// userByEmail is FindUserByEmail's condition.
const userByEmail = `lower(u.email COLLATE "C") = lower($1 COLLATE "C")`

// FindUsers returns matching users, oldest account first, and the total
// before Offset and Limit.
func (s *UserService) FindUsers(ctx context.Context, filter edusphere.UserFilter) ([]*edusphere.User, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	return findUsers(ctx, tx, filter)
}

// CreateUser slugifies u.Username, validates before any SQL, fills a zero
// ID with a random UUID and a zero DateJoined with now, and inserts. IsActive
// is stored as given: a bool cannot tell "unset" from false, so callers
// creating an ordinary account set IsActive: true. A taken email (ignoring
// case) or username is ECONFLICT with the repr message, in field order.
func (s *UserService) CreateUser(ctx context.Context, u *edusphere.User) error {
	u.Username = edusphere.Slugify(u.Username)
	if err := u.Validate(); err != nil {
		return err
	}
	if u.ID == uuid.Nil {
		u.ID = uuid.New()
	}
	if u.DateJoined.IsZero() {
		u.DateJoined = s.db.Now.Now()
	}
	u.DateJoined = ts(u.DateJoined)
	u.LastLogin = tsPtr(u.LastLogin)

	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return commitWith(ctx, tx, createUser(ctx, tx, u))
}

// UpdateUser applies upd (a new username is slugified), validates and saves.
// Returns ENOTFOUND, EINVALID or ECONFLICT.
func (s *UserService) UpdateUser(ctx context.Context, id uuid.UUID, upd edusphere.UserUpdate) (*edusphere.User, error) {
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := updateUser(ctx, tx, id, upd)
	if err := commitWith(ctx, tx, err); err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteUser deletes the user; the foreign keys cascade to their hosted
// rooms (with every message in them), their messages elsewhere, their
// participations, refresh tokens and admin sessions. Returns ENOTFOUND.
func (s *UserService) DeleteUser(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "core_user", id, edusphere.MsgUserNotFound)
}

func findUserByID(ctx context.Context, tx *Tx, id uuid.UUID) (*edusphere.User, error) {
	return findUserOne(ctx, tx, `u.id = $1`, id)
}

// findUserOne returns the user matching cond (with one parameter) or ENOTFOUND.
func findUserOne(ctx context.Context, tx *Tx, cond string, arg any) (*edusphere.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM core_user u WHERE `+cond, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgUserNotFound)
	} else if err != nil {
		return nil, mapError("find user", err)
	}
	return u, nil
}

func findUsers(ctx context.Context, tx *Tx, filter edusphere.UserFilter) ([]*edusphere.User, int, error) {
	if err := edusphere.ValidateSearch(filter.Search); err != nil {
		return nil, 0, err
	}
	var w where
	if len(filter.IDs) > 0 {
		w.add(`u.id = ANY(` + w.arg(filter.IDs) + `)`)
	}
	if v := filter.Username; v != nil {
		w.add(`u.username = ` + w.arg(*v))
	}
	if v := filter.Search; v != nil && *v != "" {
		p := w.arg(likePattern(*v))
		cond := ilike(`u.username`, p) + ` OR ` + ilike(`u.name`, p)
		if filter.SearchEmail {
			cond += ` OR ` + ilike(`u.email`, p)
		}
		w.add(`(` + cond + `)`)
	}
	if v := filter.IsStaff; v != nil {
		w.add(`u.is_staff = ` + w.arg(*v))
	}
	if v := filter.IsActive; v != nil {
		w.add(`u.is_active = ` + w.arg(*v))
	}
	cond, nargs := w.String(), len(w.args)
	query := `SELECT ` + userColumns + `, ` + totalColumn(filter.Limit, filter.Offset) + ` FROM core_user u ` + cond +
		` ORDER BY u.date_joined, u.id` + w.page(filter.Offset, filter.Limit)
	return findPage(ctx, tx, "users", query, `SELECT count(*) FROM core_user u `+cond, w.args, nargs, filter.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.User, error) { return scanUser(rows, total) })
}

// countRows runs a count query.
func countRows(ctx context.Context, tx *Tx, query string, args []any) (int, error) {
	var n int
	if err := tx.queryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, mapError("count", err)
	}
	return n, nil
}

// checkUserUnique reports a taken email (ignoring case) or username among
// users other than u, in the model's field order, as its unique validation
// did. The unique indexes give the same errors when a check is raced.
func checkUserUnique(ctx context.Context, tx *Tx, u *edusphere.User) error {
	var emailTaken, userTaken bool
	err := tx.queryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM core_user WHERE lower(email COLLATE "C") = lower($1 COLLATE "C") AND id <> $3),
		EXISTS (SELECT 1 FROM core_user WHERE username = $2 AND id <> $3)`,
		u.Email, u.Username, u.ID).Scan(&emailTaken, &userTaken)
	if err != nil {
		return mapError("check user unique", err)
	}
	return edusphere.UserConflict(emailTaken, userTaken)
}

func createUser(ctx context.Context, tx *Tx, u *edusphere.User) error {
	if err := checkUserUnique(ctx, tx, u); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO core_user
		(id, email, username, name, bio, avatar, password, is_staff, is_superuser, is_active, date_joined, last_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Email, u.Username, u.Name, u.Bio, u.Avatar, u.Password,
		u.IsStaff, u.IsSuperuser, u.IsActive, u.DateJoined, u.LastLogin)
	return mapError("insert user", err)
}

func updateUser(ctx context.Context, tx *Tx, id uuid.UUID, upd edusphere.UserUpdate) (*edusphere.User, error) {
	u, err := findUserOne(ctx, tx, `u.id = $1 FOR UPDATE`, id)
	if err != nil {
		return nil, err
	}
	old := *u
	upd.Apply(u)
	u.LastLogin = tsPtr(u.LastLogin)
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.Username != old.Username || !strings.EqualFold(u.Email, old.Email) {
		if err := checkUserUnique(ctx, tx, u); err != nil {
			return nil, err
		}
	}
	_, err = tx.exec(ctx, `UPDATE core_user SET
		username = $2, name = $3, bio = $4, avatar = $5, password = $6,
		is_staff = $7, is_superuser = $8, is_active = $9, last_login = $10
		WHERE id = $1`,
		u.ID, u.Username, u.Name, u.Bio, u.Avatar, u.Password,
		u.IsStaff, u.IsSuperuser, u.IsActive, u.LastLogin)
	if err != nil {
		return nil, mapError("update user", err)
	}
	return u, nil
}
