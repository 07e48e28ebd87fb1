package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.UserService = (*UserService)(nil)

// UserService stores users in core_user.
type UserService struct {
	db *DB
}

// userColumns lists core_user's columns in the order scanUser reads them.
const userColumns = `u.id, u.email, u.username, u.name, u.bio, u.avatar, u.password,
	u.is_staff, u.is_superuser, u.is_active, u.date_joined, u.last_login`

// scanUser reads one row of userColumns.
func scanUser(sc interface{ Scan(...any) error }) (*edusphere.User, error) {
	var u edusphere.User
	if err := sc.Scan(&u.ID, &u.Email, &u.Username, &u.Name, &u.Bio, &u.Avatar, &u.Password,
		&u.IsStaff, &u.IsSuperuser, &u.IsActive, timeScanner{&u.DateJoined}, nullTimeScanner{&u.LastLogin}); err != nil {
		return nil, err
	}
	return &u, nil
}

// FindUserByID returns ENOTFOUND ("User not found").
func (s *UserService) FindUserByID(ctx context.Context, id uuid.UUID) (*edusphere.User, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findUserByID(ctx, tx, id)
}

// FindUserByUsername matches exactly. Returns ENOTFOUND.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*edusphere.User, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findOneUser(ctx, tx, `u.username = ?`, username)
}

// FindUserByEmail matches ignoring ASCII case, like the unique index on
// lower(email). Returns ENOTFOUND.
func (s *UserService) FindUserByEmail(ctx context.Context, email string) (*edusphere.User, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findOneUser(ctx, tx, `lower(u.email) = lower(?)`, email)
}

// FindUsers returns matching users, oldest account first (id breaks ties),
// and the total before Offset and Limit.
func (s *UserService) FindUsers(ctx context.Context, filter edusphere.UserFilter) ([]*edusphere.User, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findUsers(ctx, tx, filter)
}

// CreateUser slugifies u.Username, fills a zero ID with a random UUID and a
// zero DateJoined with now, validates, and inserts. IsActive is stored as
// given: a bool cannot tell "unset" from false, so callers creating an
// ordinary account set IsActive: true. Returns EINVALID, or ECONFLICT with
// the repr message for a taken username or email (emails ignore case).
func (s *UserService) CreateUser(ctx context.Context, u *edusphere.User) error {
	u.Username = edusphere.Slugify(u.Username)
	if err := u.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if u.ID == uuid.Nil {
		u.ID = uuid.New()
	}
	if u.DateJoined.IsZero() {
		u.DateJoined = tx.now
	}
	u.DateJoined = u.DateJoined.UTC().Truncate(time.Microsecond)
	if u.LastLogin != nil {
		t := u.LastLogin.UTC().Truncate(time.Microsecond)
		u.LastLogin = &t
	}
	if err := checkUserUnique(ctx, tx, u, uuid.Nil); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO core_user (id, email, username, name, bio, avatar, password,
		is_staff, is_superuser, is_active, date_joined, last_login)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Username, u.Name, u.Bio, u.Avatar, u.Password,
		u.IsStaff, u.IsSuperuser, u.IsActive, encTime(u.DateJoined), encTimePtr(u.LastLogin)); err != nil {
		return mapError("insert user", err, "")
	}
	return tx.Commit()
}

// UpdateUser applies upd; a new username is slugified first. Returns
// ENOTFOUND, EINVALID or ECONFLICT.
func (s *UserService) UpdateUser(ctx context.Context, id uuid.UUID, upd edusphere.UserUpdate) (*edusphere.User, error) {
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := findUserByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	upd.Apply(u)
	if u.LastLogin != nil {
		t := u.LastLogin.UTC().Truncate(time.Microsecond)
		u.LastLogin = &t
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := checkUserUnique(ctx, tx, u, u.ID); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE core_user SET username = ?, name = ?, bio = ?, avatar = ?, password = ?,
		is_staff = ?, is_superuser = ?, is_active = ?, last_login = ? WHERE id = ?`,
		u.Username, u.Name, u.Bio, u.Avatar, u.Password, u.IsStaff, u.IsSuperuser, u.IsActive,
		encTimePtr(u.LastLogin), u.ID); err != nil {
		return nil, mapError("update user", err, "")
	}
	return u, tx.Commit()
}

// DeleteUser deletes the user; the foreign keys cascade to hosted rooms
// (with all their messages), the user's messages, participations and
// sessions. Returns ENOTFOUND.
func (s *UserService) DeleteUser(ctx context.Context, id uuid.UUID) error {
	return s.db.deleteByID(ctx, "core_user", id, edusphere.MsgUserNotFound)
}

// checkUserUnique reports a taken email or username as the model did, in
// field order, ignoring the user self.
func checkUserUnique(ctx context.Context, tx *Tx, u *edusphere.User, self uuid.UUID) error {
	var emailTaken, usernameTaken bool
	if err := tx.queryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM core_user WHERE lower(email) = lower(?) AND id <> ?),
		EXISTS (SELECT 1 FROM core_user WHERE username = ? AND id <> ?)`,
		u.Email, self, u.Username, self).Scan(&emailTaken, &usernameTaken); err != nil {
		return fmt.Errorf("check user unique: %w", err)
	}
	return edusphere.UserConflict(emailTaken, usernameTaken)
}

func findUserByID(ctx context.Context, tx *Tx, id uuid.UUID) (*edusphere.User, error) {
	return findOneUser(ctx, tx, `u.id = ?`, id)
}

// findOneUser returns the user matching cond, or ENOTFOUND.
func findOneUser(ctx context.Context, tx *Tx, cond string, args ...any) (*edusphere.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM core_user u WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgUserNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

func findUsers(ctx context.Context, tx *Tx, f edusphere.UserFilter) ([]*edusphere.User, int, error) {
	if err := edusphere.ValidateSearch(f.Search); err != nil {
		return nil, 0, err
	}
	var w where
	if len(f.IDs) > 0 {
		in(&w, "u.id", f.IDs)
	}
	if f.Username != nil {
		w.add(`u.username = ?`, *f.Username)
	}
	if f.Search != nil && *f.Search != "" {
		p := likeContains(*f.Search)
		conds := []string{`u.username LIKE ? ESCAPE '\'`, `u.name LIKE ? ESCAPE '\'`}
		args := []any{p, p}
		if f.SearchEmail {
			conds = append(conds, `u.email LIKE ? ESCAPE '\'`)
			args = append(args, p)
		}
		w.add("("+strings.Join(conds, " OR ")+")", args...)
	}
	if f.IsStaff != nil {
		w.add(`u.is_staff = ?`, *f.IsStaff)
	}
	if f.IsActive != nil {
		w.add(`u.is_active = ?`, *f.IsActive)
	}
	return findPage(ctx, tx, "users",
		`SELECT `+userColumns+`, `+totalColumn(f.Limit, f.Offset)+` FROM core_user u`+w.String()+
			` ORDER BY u.date_joined, u.id`+limitOffset(f.Limit, f.Offset),
		`SELECT count(*) FROM core_user u`+w.String(), w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.User, error) {
			var u edusphere.User
			err := rows.Scan(&u.ID, &u.Email, &u.Username, &u.Name, &u.Bio, &u.Avatar, &u.Password,
				&u.IsStaff, &u.IsSuperuser, &u.IsActive, timeScanner{&u.DateJoined}, nullTimeScanner{&u.LastLogin}, total)
			return &u, err
		})
}
