package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.SessionService = (*SessionService)(nil)

// SessionService stores refresh tokens, revocations and admin sessions.
type SessionService struct {
	db *DB
}

const refreshColumns = `id, user_id, family, hash, orig_iat, user_agent, address, created, expires, revoked, replaced_by`

func scanRefreshToken(sc interface{ Scan(...any) error }) (*edusphere.RefreshToken, error) {
	var t edusphere.RefreshToken
	if err := sc.Scan(&t.ID, &t.UserID, &t.Family, &t.Hash, &t.OrigIat, &t.UserAgent, &t.Address,
		timeScanner{&t.Created}, timeScanner{&t.Expires}, nullTimeScanner{&t.Revoked},
		nullUUIDScanner{&t.ReplacedBy}); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateRefreshToken fills a zero ID and Created and inserts t. Returns
// ENOTFOUND ("User not found") for an unknown user.
func (s *SessionService) CreateRefreshToken(ctx context.Context, t *edusphere.RefreshToken) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertRefreshToken(ctx, tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateSession moves t.OrigIat (and t.Expires with it) to the session's
// own second, as edusphere.SessionOrigIat chooses from the user's sessions
// and revocations read in this write transaction, then inserts t. BEGIN
// IMMEDIATE serializes it with every other write, concurrent log-ins
// included. Returns ENOTFOUND ("User not found") for an unknown user.
func (s *SessionService) CreateSession(ctx context.Context, t *edusphere.RefreshToken) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	taken, revs, err := sessionsNear(ctx, tx, t.UserID, t.OrigIat)
	if err != nil {
		return err
	}
	t.MoveOrigIat(edusphere.SessionOrigIat(t.UserID, t.OrigIat, taken, revs))
	if err := insertRefreshToken(ctx, tx, t); err != nil {
		return err
	}
	return tx.Commit()
}

// sessionsNear reads what SessionOrigIat needs for a log-in of userID at
// the second want: the origIats of the user's sessions from
// SessionBackdate seconds before want on, and the user's unexpired
// revocations that could deny those seconds.
func sessionsNear(ctx context.Context, tx *Tx, userID uuid.UUID, want int64) (map[int64]bool, []*edusphere.Revocation, error) {
	from := want - edusphere.SessionBackdate
	rows, err := tx.query(ctx, `SELECT DISTINCT orig_iat FROM edusphere_refresh_token
		WHERE user_id = ? AND orig_iat >= ?`, userID, from)
	if err != nil {
		return nil, nil, fmt.Errorf("find sessions: %w", err)
	}
	taken := map[int64]bool{}
	for rows.Next() {
		var iat int64
		if err := rows.Scan(&iat); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("scan session: %w", err)
		}
		taken[iat] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("find sessions: %w", err)
	}
	rows, err = tx.query(ctx, `SELECT orig_iat, created, expires FROM edusphere_revocation
		WHERE user_id = ? AND expires > ? AND (orig_iat = 0 OR orig_iat >= ?)`, userID, encTime(tx.now), from)
	if err != nil {
		return nil, nil, fmt.Errorf("find revocations: %w", err)
	}
	defer rows.Close()
	var revs []*edusphere.Revocation
	for rows.Next() {
		r := &edusphere.Revocation{UserID: userID}
		if err := rows.Scan(&r.OrigIat, timeScanner{&r.Created}, timeScanner{&r.Expires}); err != nil {
			return nil, nil, fmt.Errorf("scan revocation: %w", err)
		}
		revs = append(revs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("find revocations: %w", err)
	}
	return taken, revs, nil
}

func insertRefreshToken(ctx context.Context, tx *Tx, t *edusphere.RefreshToken) error {
	if t.ID == uuid.Nil {
		t.ID = uuid.New()
	}
	if t.Created.IsZero() {
		t.Created = tx.now
	}
	t.Created = t.Created.UTC().Truncate(time.Microsecond)
	t.Expires = t.Expires.UTC().Truncate(time.Microsecond)
	var replacedBy any
	if t.ReplacedBy != nil {
		replacedBy = *t.ReplacedBy
	}
	if _, err := tx.exec(ctx, `INSERT INTO edusphere_refresh_token (`+refreshColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, t.Family, t.Hash, t.OrigIat, t.UserAgent, t.Address,
		encTime(t.Created), encTime(t.Expires), encTimePtr(t.Revoked), replacedBy); err != nil {
		return mapError("insert refresh token", err, edusphere.MsgUserNotFound)
	}
	return nil
}

// FindRefreshTokenByHash returns ENOTFOUND.
func (s *SessionService) FindRefreshTokenByHash(ctx context.Context, hash []byte) (*edusphere.RefreshToken, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := scanRefreshToken(tx.queryRow(ctx, `SELECT `+refreshColumns+` FROM edusphere_refresh_token WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, edusphere.NotFound(msgTokenNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("find refresh token: %w", err)
	}
	return t, nil
}

// RotateRefreshToken marks old as revoked and replaced by next and inserts
// next in one write transaction, only if old is not revoked yet; otherwise
// it returns ECONFLICT and changes nothing. The conditional UPDATE inside a
// BEGIN IMMEDIATE transaction makes two concurrent rotations of one token
// end with exactly one winner. Returns ENOTFOUND for an unknown old token.
func (s *SessionService) RotateRefreshToken(ctx context.Context, oldID uuid.UUID, next *edusphere.RefreshToken) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if next.ID == uuid.Nil {
		next.ID = uuid.New()
	}
	res, err := tx.exec(ctx, `UPDATE edusphere_refresh_token SET revoked = ?, replaced_by = ?
		WHERE id = ? AND revoked IS NULL`, encTime(tx.now), next.ID, oldID)
	if err != nil {
		return mapError("revoke refresh token", err, "")
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	} else if n == 0 {
		if ok, err := tx.exists(ctx, `SELECT 1 FROM edusphere_refresh_token WHERE id = ?`, oldID); err != nil {
			return fmt.Errorf("find refresh token: %w", err)
		} else if !ok {
			return edusphere.NotFound(msgTokenNotFound)
		}
		return edusphere.Errorf(edusphere.ECONFLICT, msgTokenUsed)
	}
	if err := insertRefreshToken(ctx, tx, next); err != nil {
		return err
	}
	return tx.Commit()
}

// RevokeRefreshFamily revokes every unrevoked token of family.
func (s *SessionService) RevokeRefreshFamily(ctx context.Context, family uuid.UUID) error {
	return s.revoke(ctx, `family = ?`, family)
}

// RevokeUserRefreshTokens revokes every unrevoked token of the user.
func (s *SessionService) RevokeUserRefreshTokens(ctx context.Context, userID uuid.UUID) error {
	return s.revoke(ctx, `user_id = ?`, userID)
}

func (s *SessionService) revoke(ctx context.Context, cond string, arg any) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `UPDATE edusphere_refresh_token SET revoked = ? WHERE revoked IS NULL AND `+cond,
		encTime(tx.now), arg); err != nil {
		return mapError("revoke refresh tokens", err, "")
	}
	return tx.Commit()
}

// CreateRevocation fills a zero Created and adds r to the deny-list.
// Returns ENOTFOUND ("User not found") for an unknown user.
func (s *SessionService) CreateRevocation(ctx context.Context, r *edusphere.Revocation) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if r.Created.IsZero() {
		r.Created = tx.now
	}
	r.Created = r.Created.UTC().Truncate(time.Microsecond)
	r.Expires = r.Expires.UTC().Truncate(time.Microsecond)
	if _, err := tx.exec(ctx, `INSERT INTO edusphere_revocation (user_id, orig_iat, created, expires) VALUES (?, ?, ?, ?)`,
		r.UserID, r.OrigIat, encTime(r.Created), encTime(r.Expires)); err != nil {
		return mapError("insert revocation", err, edusphere.MsgUserNotFound)
	}
	return tx.Commit()
}

// FindRevocations returns the revocations unexpired at now and created
// after since (all unexpired ones for the zero time), oldest first.
func (s *SessionService) FindRevocations(ctx context.Context, since time.Time) ([]*edusphere.Revocation, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT user_id, orig_iat, created, expires FROM edusphere_revocation
		WHERE expires > ? AND created > ? ORDER BY created, id`, encTime(tx.now), encTime(since))
	if err != nil {
		return nil, fmt.Errorf("find revocations: %w", err)
	}
	defer rows.Close()
	var out []*edusphere.Revocation
	for rows.Next() {
		var r edusphere.Revocation
		if err := rows.Scan(&r.UserID, &r.OrigIat, timeScanner{&r.Created}, timeScanner{&r.Expires}); err != nil {
			return nil, fmt.Errorf("scan revocation: %w", err)
		}
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find revocations: %w", err)
	}
	return out, nil
}

// CreateAdminSession fills a zero Created and LastSeen and inserts s.
// Returns ENOTFOUND ("User not found") for an unknown user and ECONFLICT
// for a hash already in use.
func (s *SessionService) CreateAdminSession(ctx context.Context, as *edusphere.AdminSession) error {
	tx, err := s.db.begin(ctx, true)
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
	as.Created = as.Created.UTC().Truncate(time.Microsecond)
	as.LastSeen = as.LastSeen.UTC().Truncate(time.Microsecond)
	as.Expires = as.Expires.UTC().Truncate(time.Microsecond)
	if _, err := tx.exec(ctx, `INSERT INTO edusphere_admin_session (hash, user_id, created, expires, last_seen)
		VALUES (?, ?, ?, ?, ?)`, as.Hash, as.UserID, encTime(as.Created), encTime(as.Expires), encTime(as.LastSeen)); err != nil {
		return mapError("insert admin session", err, edusphere.MsgUserNotFound)
	}
	return tx.Commit()
}

// FindAdminSession returns the session with hash unexpired at now, or
// ENOTFOUND.
func (s *SessionService) FindAdminSession(ctx context.Context, hash []byte) (*edusphere.AdminSession, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var as edusphere.AdminSession
	err = tx.queryRow(ctx, `SELECT hash, user_id, created, expires, last_seen FROM edusphere_admin_session
		WHERE hash = ? AND expires > ?`, hash, encTime(tx.now)).Scan(&as.Hash, &as.UserID,
		timeScanner{&as.Created}, timeScanner{&as.Expires}, timeScanner{&as.LastSeen})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, edusphere.NotFound(msgSessionMissing)
	} else if err != nil {
		return nil, fmt.Errorf("find admin session: %w", err)
	}
	return &as, nil
}

// DeleteAdminSession deletes the session with hash; none is no error.
func (s *SessionService) DeleteAdminSession(ctx context.Context, hash []byte) error {
	return s.deleteWhere(ctx, "delete admin session", `DELETE FROM edusphere_admin_session WHERE hash = ?`, hash)
}

// DeleteUserAdminSessions ends every admin session of the user.
func (s *SessionService) DeleteUserAdminSessions(ctx context.Context, userID uuid.UUID) error {
	return s.deleteWhere(ctx, "delete admin sessions", `DELETE FROM edusphere_admin_session WHERE user_id = ?`, userID)
}

// DeleteExpired removes refresh tokens, revocations and admin sessions that
// expired before now.
func (s *SessionService) DeleteExpired(ctx context.Context, now time.Time) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, table := range []string{"edusphere_refresh_token", "edusphere_revocation", "edusphere_admin_session"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE expires < ?`, encTime(now)); err != nil {
			return mapError("delete expired "+table, err, "")
		}
	}
	return tx.Commit()
}

func (s *SessionService) deleteWhere(ctx context.Context, step, query string, args ...any) error {
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, query, args...); err != nil {
		return mapError(step, err, "")
	}
	return tx.Commit()
}
