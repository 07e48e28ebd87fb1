package edusphere

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// A login session begins at tokenAuth. Its access tokens are JWTs whose
// claims are exactly {email, exp, origIat}, so the session is identified by
// (user, origIat): every log-in gets an origIat no other session of the user
// has (SessionOrigIat). Refresh tokens are opaque random strings stored only
// as a hash. Revocation is a deny-list of sessions.

// RefreshToken is one opaque refresh token of a login session.
type RefreshToken struct {
	ID        uuid.UUID `json:"id"`
	UserID    uuid.UUID `json:"userId"`
	Family    uuid.UUID `json:"family"` // every token rotated from one login shares it
	Hash      []byte    `json:"-"`      // SHA-256 of the token; the token itself is never stored
	OrigIat   int64     `json:"origIat"`
	UserAgent string    `json:"userAgent"`
	Address   string    `json:"address"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	// Revoked is set when the token was rotated, logged out or revoked.
	Revoked *time.Time `json:"revoked,omitempty"`
	// ReplacedBy is the token this one was rotated into.
	ReplacedBy *uuid.UUID `json:"replacedBy,omitempty"`
}

// MoveOrigIat sets the token's origIat to iat and moves its expiry, which
// ends the session's refresh window, by as much.
func (t *RefreshToken) MoveOrigIat(iat int64) {
	t.Expires = t.Expires.Add(time.Duration(iat-t.OrigIat) * time.Second)
	t.OrigIat = iat
}

// Revocation denies access tokens of a user's login session, or of all the
// sessions a user began up to Created when OrigIat is 0, until Expires
// (the end of the 7-day refresh window).
type Revocation struct {
	UserID  uuid.UUID `json:"userId"`
	OrigIat int64     `json:"origIat"` // 0: every session with origIat <= Created
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Denies reports whether r denies the session (userID, origIat).
func (r *Revocation) Denies(userID uuid.UUID, origIat int64) bool {
	if r.UserID != userID {
		return false
	}
	if r.OrigIat == 0 {
		return origIat <= r.Created.Unix()
	}
	return r.OrigIat == origIat
}

// SessionBackdate is how many seconds before its log-in a session's origIat
// may lie when the log-in's own second is taken (see SessionOrigIat).
const SessionBackdate = 60

// SessionOrigIat returns the origIat of a new login session of userID begun
// at the epoch second now, so that each log-in is a session of its own (a
// log-out ends that one only) while the token keeps its contract claims.
// A second is free when no other session of the user has it (taken) and no
// revocation in revs denies it. The answer is now when free, else the
// nearest free second before it, at most SessionBackdate seconds back, so
// that a session's origIat never lies after its log-in and revocations of
// "every session begun so far" cover it; only when all of those are
// taken or denied (a user-wide revocation in this very second) is it the
// first free second after now.
func SessionOrigIat(userID uuid.UUID, now int64, taken map[int64]bool, revs []*Revocation) int64 {
	free := func(t int64) bool {
		if taken[t] {
			return false
		}
		for _, r := range revs {
			if r.Denies(userID, t) {
				return false
			}
		}
		return true
	}
	for t := now; t >= now-SessionBackdate; t-- {
		if free(t) {
			return t
		}
	}
	t := now + 1
	for !free(t) {
		t++
	}
	return t
}

// Session names one login session as its access tokens do, by user and
// origIat, with the expiry of an access token of it.
type Session struct {
	UserID  uuid.UUID `json:"userId"`
	OrigIat int64     `json:"origIat"`
	Expires time.Time `json:"expires"` // the access token's exp
}

// AdminSession is a signed-in staff member's /admin/ session, stored as a hash.
type AdminSession struct {
	Hash     []byte    `json:"-"`
	UserID   uuid.UUID `json:"userId"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	LastSeen time.Time `json:"lastSeen"`
}

// SessionService stores refresh tokens, revocations and admin sessions.
type SessionService interface {
	// CreateRefreshToken inserts t. Returns ENOTFOUND for an unknown user.
	CreateRefreshToken(ctx context.Context, t *RefreshToken) error

	// CreateSession inserts t, the first refresh token of a new login
	// session begun at the second t.OrigIat, after moving t.OrigIat (and
	// t.Expires by as much) to SessionOrigIat of the user's sessions and
	// unexpired revocations, in one transaction that concurrent log-ins of
	// the user, in any process, cannot interleave. Returns ENOTFOUND for an
	// unknown user.
	CreateSession(ctx context.Context, t *RefreshToken) error

	// FindRefreshTokenByHash returns ENOTFOUND.
	FindRefreshTokenByHash(ctx context.Context, hash []byte) (*RefreshToken, error)

	// RotateRefreshToken marks old as revoked and replaced by next and
	// inserts next, atomically, only if old is not revoked yet; otherwise it
	// returns ECONFLICT and changes nothing.
	RotateRefreshToken(ctx context.Context, oldID uuid.UUID, next *RefreshToken) error

	// RevokeRefreshFamily revokes every unrevoked token of family.
	RevokeRefreshFamily(ctx context.Context, family uuid.UUID) error

	// RevokeUserRefreshTokens revokes every unrevoked token of the user.
	RevokeUserRefreshTokens(ctx context.Context, userID uuid.UUID) error

	// CreateRevocation adds r to the deny-list.
	CreateRevocation(ctx context.Context, r *Revocation) error

	// FindRevocations returns the unexpired revocations created after since
	// (all unexpired ones for the zero time), oldest first.
	FindRevocations(ctx context.Context, since time.Time) ([]*Revocation, error)

	// CreateAdminSession inserts s.
	CreateAdminSession(ctx context.Context, s *AdminSession) error

	// FindAdminSession returns the unexpired session with hash, or ENOTFOUND.
	FindAdminSession(ctx context.Context, hash []byte) (*AdminSession, error)

	// DeleteAdminSession deletes the session with hash (no error when absent).
	DeleteAdminSession(ctx context.Context, hash []byte) error

	// DeleteUserAdminSessions ends every admin session of the user.
	DeleteUserAdminSessions(ctx context.Context, userID uuid.UUID) error

	// DeleteExpired removes refresh tokens, revocations and admin sessions
	// that expired before now.
	DeleteExpired(ctx context.Context, now time.Time) error
}
