package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ edusphere.SessionService = (*SessionService)(nil)

// Messages of the session service, which the wire contract never shows.
const (
	msgRefreshTokenNotFound = "Refresh token not found"
	msgRefreshTokenUsed     = "Refresh token was already used."
	msgAdminSessionNotFound = "Session not found"
)

// SessionService stores refresh tokens, revocations and admin sessions.
type SessionService struct {
	db *DB
}

// NewSessionService returns the session service of db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

// refreshColumns are read by scanRefreshToken, in order.
const refreshColumns = `id, user_id, family, hash, orig_iat, user_agent, address, created, expires, revoked, replaced_by`

func scanRefreshToken(row pgx.Row) (*edusphere.RefreshToken, error) {
	var t edusphere.RefreshToken
	if err := row.Scan(&t.ID, &t.UserID, &t.Family, &t.Hash, &t.OrigIat, &t.UserAgent, &t.Address,
		&t.Created, &t.Expires, &t.Revoked, &t.ReplacedBy); err != nil {
		return nil, err
	}
	utc(&t.Created)
	utc(&t.Expires)
	utcPtr(t.Revoked)
	return &t, nil
}

// CreateRefreshToken inserts t, filling a zero ID and Created. Returns
// ENOTFOUND for an unknown user.
func (s *SessionService) CreateRefreshToken(ctx context.Context, t *edusphere.RefreshToken) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return commitWith(ctx, tx, insertRefreshToken(ctx, tx, t))
}

// CreateSession moves t.OrigIat (and t.Expires with it) to the session's
// own second, as edusphere.SessionOrigIat chooses from the user's sessions
// and revocations, then inserts t. The user's row is locked first (FOR NO
// KEY UPDATE, which chat inserts referencing the user do not wait for), so
// concurrent log-ins of one user, from any process, choose one after the
// other. Returns ENOTFOUND ("User not found") for an unknown user.
func (s *SessionService) CreateSession(ctx context.Context, t *edusphere.RefreshToken) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var one int
	err = tx.queryRow(ctx, `SELECT 1 FROM core_user WHERE id = $1 FOR NO KEY UPDATE`, t.UserID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return edusphere.NotFound(edusphere.MsgUserNotFound)
	} else if err != nil {
		return mapError("lock user", err)
	}
	taken, revs, err := sessionsNear(ctx, tx, t.UserID, t.OrigIat)
	if err != nil {
		return err
	}
	t.MoveOrigIat(edusphere.SessionOrigIat(t.UserID, t.OrigIat, taken, revs))
	return commitWith(ctx, tx, insertRefreshToken(ctx, tx, t))
}

// sessionsNear reads what SessionOrigIat needs for a log-in of userID at
// the second want: the origIats of the user's sessions from
// SessionBackdate seconds before want on, and the user's unexpired
// revocations that could deny those seconds.
func sessionsNear(ctx context.Context, tx *Tx, userID uuid.UUID, want int64) (map[int64]bool, []*edusphere.Revocation, error) {
	from := want - edusphere.SessionBackdate
	rows, err := tx.query(ctx, `SELECT DISTINCT orig_iat FROM edusphere_refresh_token
		WHERE user_id = $1 AND orig_iat >= $2`, userID, from)
	if err != nil {
		return nil, nil, mapError("find sessions", err)
	}
	taken := map[int64]bool{}
	for rows.Next() {
		var iat int64
		if err := rows.Scan(&iat); err != nil {
			rows.Close()
			return nil, nil, mapError("scan session", err)
		}
		taken[iat] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, mapError("find sessions", err)
	}
	rows, err = tx.query(ctx, `SELECT orig_iat, created, expires FROM edusphere_revocation
		WHERE user_id = $1 AND expires > $2 AND (orig_iat = 0 OR orig_iat >= $3)`, userID, tx.now, from)
	if err != nil {
		return nil, nil, mapError("find revocations", err)
	}
	defer rows.Close()
	var revs []*edusphere.Revocation
	for rows.Next() {
		r := &edusphere.Revocation{UserID: userID}
		if err := rows.Scan(&r.OrigIat, &r.Created, &r.Expires); err != nil {
			return nil, nil, mapError("scan revocation", err)
		}
		utc(&r.Created)
		utc(&r.Expires)
		revs = append(revs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, mapError("find revocations", err)
	}
	return taken, revs, nil
}

// FindRefreshTokenByHash returns ENOTFOUND.
func (s *SessionService) FindRefreshTokenByHash(ctx context.Context, hash []byte) (*edusphere.RefreshToken, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	t, err := scanRefreshToken(tx.queryRow(ctx, `SELECT `+refreshColumns+` FROM edusphere_refresh_token WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(msgRefreshTokenNotFound)
	} else if err != nil {
		return nil, mapError("find refresh token", err)
	}
	return t, nil
}

// RotateRefreshToken inserts next and marks old revoked and replaced by
// next, atomically, only if old is not revoked yet. The conditional UPDATE
// takes the row lock, so of two concurrent rotations of one token exactly
// one succeeds; the other gets ECONFLICT and changes nothing. An unknown old
// token is ENOTFOUND.
func (s *SessionService) RotateRefreshToken(ctx context.Context, oldID uuid.UUID, next *edusphere.RefreshToken) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertRefreshToken(ctx, tx, next); err != nil {
		return err
	}
	tag, err := tx.exec(ctx, `UPDATE edusphere_refresh_token SET revoked = $2, replaced_by = $3
		WHERE id = $1 AND revoked IS NULL`, oldID, tx.now, next.ID)
	if err != nil {
		return mapError("revoke rotated token", err)
	} else if tag.RowsAffected() == 0 {
		var exists bool
		if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM edusphere_refresh_token WHERE id = $1)`,
			oldID).Scan(&exists); err != nil {
			return mapError("find refresh token", err)
		} else if !exists {
			return edusphere.NotFound(msgRefreshTokenNotFound)
		}
		return edusphere.Errorf(edusphere.ECONFLICT, msgRefreshTokenUsed)
	}
	return tx.Commit(ctx)
}

// RevokeRefreshFamily revokes every unrevoked token of family.
func (s *SessionService) RevokeRefreshFamily(ctx context.Context, family uuid.UUID) error {
	return s.execTx(ctx, "revoke refresh family",
		`UPDATE edusphere_refresh_token SET revoked = $2 WHERE family = $1 AND revoked IS NULL`, family)
}

// RevokeUserRefreshTokens revokes every unrevoked token of the user.
func (s *SessionService) RevokeUserRefreshTokens(ctx context.Context, userID uuid.UUID) error {
	return s.execTx(ctx, "revoke user refresh tokens",
		`UPDATE edusphere_refresh_token SET revoked = $2 WHERE user_id = $1 AND revoked IS NULL`, userID)
}

// CreateRevocation adds r to the deny-list, filling a zero Created with now.
func (s *SessionService) CreateRevocation(ctx context.Context, r *edusphere.Revocation) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if r.Created.IsZero() {
		r.Created = tx.now
	}
	r.Created, r.Expires = ts(r.Created), ts(r.Expires)
	_, err = tx.exec(ctx, `INSERT INTO edusphere_revocation (user_id, orig_iat, created, expires) VALUES ($1, $2, $3, $4)`,
		r.UserID, r.OrigIat, r.Created, r.Expires)
	return commitWith(ctx, tx, mapError("insert revocation", err))
}

// FindRevocations returns the unexpired revocations created after since
// (all unexpired ones for the zero time), oldest first.
func (s *SessionService) FindRevocations(ctx context.Context, since time.Time) ([]*edusphere.Revocation, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	var w where
	w.add(`expires > ` + w.arg(tx.now))
	if !since.IsZero() {
		w.add(`created > ` + w.arg(ts(since)))
	}
	rows, err := tx.query(ctx, `SELECT user_id, orig_iat, created, expires FROM edusphere_revocation `+
		w.String()+` ORDER BY created, id`, w.args...)
	if err != nil {
		return nil, mapError("find revocations", err)
	}
	defer rows.Close()
	revs := make([]*edusphere.Revocation, 0)
	for rows.Next() {
		var r edusphere.Revocation
		if err := rows.Scan(&r.UserID, &r.OrigIat, &r.Created, &r.Expires); err != nil {
			return nil, mapError("scan revocation", err)
		}
		utc(&r.Created)
		utc(&r.Expires)
		revs = append(revs, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("find revocations", err)
	}
	return revs, nil
}

// CreateAdminSession inserts s, filling a zero Created and LastSeen with
// now. Returns ENOTFOUND for an unknown user.
func (s *SessionService) CreateAdminSession(ctx context.Context, as *edusphere.AdminSession) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if as.Created.IsZero() {
		as.Created = tx.now
	}
	if as.LastSeen.IsZero() {
		as.LastSeen = as.Created
	}
	as.Created, as.Expires, as.LastSeen = ts(as.Created), ts(as.Expires), ts(as.LastSeen)
	_, err = tx.exec(ctx, `INSERT INTO edusphere_admin_session (hash, user_id, created, expires, last_seen)
		VALUES ($1, $2, $3, $4, $5)`, as.Hash, as.UserID, as.Created, as.Expires, as.LastSeen)
	return commitWith(ctx, tx, mapError("insert admin session", err))
}

// FindAdminSession returns the unexpired session with hash, or ENOTFOUND.
func (s *SessionService) FindAdminSession(ctx context.Context, hash []byte) (*edusphere.AdminSession, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	var as edusphere.AdminSession
	err = tx.queryRow(ctx, `SELECT hash, user_id, created, expires, last_seen FROM edusphere_admin_session
		WHERE hash = $1 AND expires > $2`, hash, tx.now).
		Scan(&as.Hash, &as.UserID, &as.Created, &as.Expires, &as.LastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(msgAdminSessionNotFound)
	} else if err != nil {
		return nil, mapError("find admin session", err)
	}
	utc(&as.Created)
	utc(&as.Expires)
	utc(&as.LastSeen)
	return &as, nil
}

// DeleteAdminSession deletes the session with hash; no error when absent.
func (s *SessionService) DeleteAdminSession(ctx context.Context, hash []byte) error {
	return s.execTx(ctx, "delete admin session", `DELETE FROM edusphere_admin_session WHERE hash = $1`, hash)
}

// DeleteUserAdminSessions ends every admin session of the user.
func (s *SessionService) DeleteUserAdminSessions(ctx context.Context, userID uuid.UUID) error {
	return s.execTx(ctx, "delete user admin sessions", `DELETE FROM edusphere_admin_session WHERE user_id = $1`, userID)
}

// DeleteExpired removes refresh tokens, revocations and admin sessions that
// expired before now.
func (s *SessionService) DeleteExpired(ctx context.Context, now time.Time) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now = ts(now)
	for _, q := range []string{
		`DELETE FROM edusphere_refresh_token WHERE expires < $1`,
		`DELETE FROM edusphere_revocation WHERE expires < $1`,
		`DELETE FROM edusphere_admin_session WHERE expires < $1`,
	} {
		if _, err := tx.exec(ctx, q, now); err != nil {
			return mapError("delete expired", err)
		}
	}
	return tx.Commit(ctx)
}

// execTx runs one statement in a transaction. A "$2" in query is the
// transaction's now.
func (s *SessionService) execTx(ctx context.Context, step, query string, arg any) error {
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	args := []any{arg}
	if strings.Contains(query, "$2") {
		args = append(args, tx.now)
	}
	if _, err := tx.exec(ctx, query, args...); err != nil {
		return mapError(step, err)
	}
	return tx.Commit(ctx)
}

func insertRefreshToken(ctx context.Context, tx *Tx, t *edusphere.RefreshToken) error {
	if t.ID == uuid.Nil {
		t.ID = uuid.New()
	}
	if t.Created.IsZero() {
		t.Created = tx.now
	}
	t.Created, t.Expires, t.Revoked = ts(t.Created), ts(t.Expires), tsPtr(t.Revoked)
	_, err := tx.exec(ctx, `INSERT INTO edusphere_refresh_token
		(id, user_id, family, hash, orig_iat, user_agent, address, created, expires, revoked, replaced_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		t.ID, t.UserID, t.Family, t.Hash, t.OrigIat, t.UserAgent, t.Address,
		t.Created, t.Expires, t.Revoked, t.ReplacedBy)
	return mapError("insert refresh token", err)
}
