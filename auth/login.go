package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// ClientMeta describes the client of a request, kept with refresh tokens and
// used as the rate-limit key of an address.
type ClientMeta struct {
	UserAgent string
	Address   string
}

// ClientMetaFromRequest reads the client's address from r.RemoteAddr and
// its User-Agent, cut to 256 bytes. Forwarded headers are not read here,
// since anyone can send them: behind a proxy, server.Server sets
// RemoteAddr from X-Forwarded-For for the proxies it is told to trust
// (TRUSTED_PROXIES).
func ClientMetaFromRequest(r *http.Request) ClientMeta {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ua := r.UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return ClientMeta{UserAgent: ua, Address: addr}
}

// Login is the result of a log-in or a refresh.
type Login struct {
	User   *edusphere.User
	Token  string
	Claims Claims
	// RefreshExpiresIn is the end of the session in epoch seconds
	// (origIat + RefreshTTL), an absolute time despite its name.
	RefreshExpiresIn int64
	// RefreshToken is the opaque token for the JWT-refresh-token cookie,
	// "" when the refresh token was not rotated.
	RefreshToken string
}

// Authenticate returns the user of an access token (docs/graphql.md,
// Identity). An unknown email gives (nil, nil): the caller is anonymous.
// Errors are EUNAUTHORIZED with the texts listed there; a revoked session
// is "Invalid token".
func (s *Service) Authenticate(ctx context.Context, token string) (*edusphere.User, error) {
	u, _, err := s.AuthenticateSession(ctx, token)
	return u, err
}

// AuthenticateSession is Authenticate that also names the token's session
// and when the token expires, for connections that must end with it.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*edusphere.User, edusphere.Session, error) {
	c, err := s.decode(token, decodeOptions{})
	if err != nil {
		return nil, edusphere.Session{}, err
	}
	u, err := s.users.FindUserByEmail(ctx, c.Email)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return nil, edusphere.Session{}, nil
	} else if err != nil {
		return nil, edusphere.Session{}, fmt.Errorf("find token user: %w", err)
	}
	if !u.IsActive {
		return nil, edusphere.Session{}, unauthorized(MsgUserDisabled)
	}
	if s.isRevoked(u.ID, c.OrigIat) {
		return nil, edusphere.Session{}, unauthorized(MsgInvalidToken)
	}
	return u, edusphere.Session{UserID: u.ID, OrigIat: c.OrigIat, Expires: time.Unix(c.Exp, 0).UTC()}, nil
}

// CheckSession reports whether the session is revoked, and the latest
// expiry of an access token of it that this process issued or heard of
// (the zero time when none): a connection opened with an older token of
// a renewed session lives on until then.
func (s *Service) CheckSession(ses edusphere.Session) (expires time.Time, revoked bool) {
	return s.renewed.expiry(ses.UserID, ses.OrigIat), s.isRevoked(ses.UserID, ses.OrigIat)
}

// Verify checks a token for verifyToken (docs/auth.md, verifyToken): signature and
// expiry; it does not require the user to exist, but a token of a revoked
// session fails with "Invalid token".
func (s *Service) Verify(ctx context.Context, token string) (Claims, error) {
	if token == "" {
		return Claims{}, unauthorized(MsgTokenRequired)
	}
	c, err := s.decode(token, decodeOptions{})
	if err != nil {
		return Claims{}, err
	}
	u, err := s.users.FindUserByEmail(ctx, c.Email)
	if err == nil && s.isRevoked(u.ID, c.OrigIat) {
		return Claims{}, unauthorized(MsgInvalidToken)
	} else if err != nil && edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
		return Claims{}, fmt.Errorf("find token user: %w", err)
	}
	return c, nil
}

// CheckCredentials checks an email and password (tokenAuth, admin sign-in).
// Unknown email, wrong password and inactive account all fail with the same
// "Please enter valid credentials" after the same amount of work. Failures
// count against the account and the address; past LoginLimit the error is
// ETOOMANYREQUEST. A Django hash is replaced by an argon2id one.
func (s *Service) CheckCredentials(ctx context.Context, email, password string, meta ClientMeta) (*edusphere.User, error) {
	acctKey := strings.ToLower(strings.TrimSpace(email))
	okAcct, waitAcct := s.loginAccount.Allow(acctKey)
	okAddr, waitAddr := s.loginAddress.Allow(meta.Address)
	if !okAcct || !okAddr {
		if okAcct {
			s.loginAccount.Return(acctKey)
		}
		if okAddr {
			s.loginAddress.Return(meta.Address)
		}
		s.logger.Warn("login rate limited", "address", meta.Address)
		return nil, tooManyAttempts(max(waitAcct, waitAddr))
	}

	// A missing field (edusphere.LoginForm) fails as an unknown account does.
	if form := (edusphere.LoginForm{Email: email, Password: password}); len(form.Validate()) > 0 {
		burnPasswordCheck(password)
		return nil, unauthorized(MsgInvalidCreds)
	}
	u, err := s.users.FindUserByEmail(ctx, email)
	if err != nil {
		if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			s.loginAccount.Return(acctKey)
			s.loginAddress.Return(meta.Address)
			return nil, fmt.Errorf("find user: %w", err)
		}
		burnPasswordCheck(password)
		return nil, unauthorized(MsgInvalidCreds)
	}
	if !u.HasUsablePassword() {
		burnPasswordCheck(password)
		return nil, unauthorized(MsgInvalidCreds)
	}
	ok, rehash := CheckPassword(u.Password, password)
	if !ok || !u.IsActive {
		return nil, unauthorized(MsgInvalidCreds)
	}
	s.loginAccount.Return(acctKey)
	s.loginAddress.Return(meta.Address)

	if rehash {
		if h, err := HashPassword(password); err != nil {
			s.logger.Error("rehash password failed", "user_id", u.ID, "error", err)
		} else if nu, err := s.users.UpdateUser(ctx, u.ID, edusphere.UserUpdate{Password: &h}); err != nil {
			s.logger.Error("store rehashed password failed", "user_id", u.ID, "error", err)
		} else {
			u = nu
		}
	}
	return u, nil
}

// Login checks the credentials and begins a session (docs/auth.md,
// tokenAuth): an
// access token, a refresh token stored as its hash, and last_login = now.
func (s *Service) Login(ctx context.Context, email, password string, meta ClientMeta) (*Login, error) {
	u, err := s.CheckCredentials(ctx, email, password, meta)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// The store gives the session an origIat of its own near now, so that
	// two log-ins in one second are two sessions, and one begun right after
	// a user-wide revocation is not denied by it.
	raw, rec := s.refreshRecord(u.ID, uuid.New(), now.Unix(), meta)
	if err := s.sessions.CreateSession(ctx, rec); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	origIat := rec.OrigIat
	token, claims, err := s.issue(u.Email, origIat)
	if err != nil {
		return nil, fmt.Errorf("sign token: %w", err)
	}
	if nu, err := s.users.UpdateUser(ctx, u.ID, edusphere.UserUpdate{LastLogin: &now}); err != nil {
		return nil, fmt.Errorf("set last login: %w", err)
	} else if nu != nil {
		u = nu
	}
	return &Login{
		User:             u,
		Token:            token,
		Claims:           claims,
		RefreshExpiresIn: origIat + int64(s.cfg.RefreshTTL/time.Second),
		RefreshToken:     raw,
	}, nil
}

// newRefreshToken returns a random opaque token and its SHA-256.
func newRefreshToken() (string, []byte) { return NewOpaqueToken() }

func hashRefreshToken(raw string) []byte { return HashOpaqueToken(raw) }

// refreshRecord builds the stored record of a new refresh token.
func (s *Service) refreshRecord(userID, family uuid.UUID, origIat int64, meta ClientMeta) (string, *edusphere.RefreshToken) {
	raw, hash := newRefreshToken()
	return raw, &edusphere.RefreshToken{
		ID:        uuid.New(),
		UserID:    userID,
		Family:    family,
		Hash:      hash,
		OrigIat:   origIat,
		UserAgent: meta.UserAgent,
		Address:   meta.Address,
		Created:   s.now(),
		Expires:   time.Unix(origIat, 0).UTC().Add(s.cfg.RefreshTTL),
	}
}

// Refresh renews the access token (docs/auth.md, refreshToken). A valid
// access token (the token argument or the JWT cookie) is renewed keeping
// its origIat, as the original did. When it is absent or fails, a valid refresh token
// (the JWT-refresh-token cookie) renews the session instead and is rotated.
// When neither works the access token's error is returned, so the client
// still sees "Token is required" or "Signature has expired".
func (s *Service) Refresh(ctx context.Context, token, refreshToken string, meta ClientMeta) (*Login, error) {
	var tokenErr error
	if token == "" {
		tokenErr = unauthorized(MsgTokenRequired)
	} else {
		l, err := s.refreshAccess(ctx, token)
		if err == nil {
			return l, nil
		}
		if edusphere.ErrorCode(err) == edusphere.EINTERNAL {
			return nil, err
		}
		tokenErr = err
	}
	if refreshToken != "" {
		l, err := s.refreshWithToken(ctx, refreshToken, meta)
		if err == nil {
			return l, nil
		}
		if edusphere.ErrorCode(err) == edusphere.EINTERNAL {
			return nil, err
		}
	}
	return nil, tokenErr
}

// refreshAccess is the original's keep-alive refresh of a valid access token.
func (s *Service) refreshAccess(ctx context.Context, token string) (*Login, error) {
	c, err := s.decode(token, decodeOptions{})
	if err != nil {
		return nil, err
	}
	u, err := s.users.FindUserByEmail(ctx, c.Email)
	if err != nil {
		// The original failed with an internal error for a deleted user.
		return nil, fmt.Errorf("find token user: %w", err)
	}
	if !u.IsActive {
		return nil, unauthorized(MsgUserDisabled)
	}
	if c.OrigIat == 0 {
		return nil, unauthorized(MsgOrigIatRequired)
	}
	if s.now().Unix() > c.OrigIat+int64(s.cfg.RefreshTTL/time.Second) {
		return nil, unauthorized(MsgRefreshExpired)
	}
	if s.isRevoked(u.ID, c.OrigIat) {
		return nil, unauthorized(MsgInvalidToken)
	}
	return s.renew(ctx, u, c.OrigIat, "")
}

// renew issues a new access token for the session (u, origIat) and tells
// every process, so that the session's open chat sockets live on.
func (s *Service) renew(ctx context.Context, u *edusphere.User, origIat int64, refreshToken string) (*Login, error) {
	tok, claims, err := s.issue(u.Email, origIat)
	if err != nil {
		return nil, fmt.Errorf("sign token: %w", err)
	}
	ses := &edusphere.Session{UserID: u.ID, OrigIat: origIat, Expires: time.Unix(claims.Exp, 0).UTC()}
	s.renewed.add(ses)
	if s.cfg.Broker != nil {
		ev := edusphere.Event{Type: edusphere.EventSessionRenewed, UserID: u.ID, Session: ses}
		if err := s.cfg.Broker.Publish(ctx, edusphere.SystemChannel, ev); err != nil {
			// Sockets of the session elsewhere then end at the old expiry
			// with the code that makes the client reconnect.
			s.logger.Warn("publish session renewal failed", "error", err)
		}
	}
	return &Login{
		User:             u,
		Token:            tok,
		Claims:           claims,
		RefreshExpiresIn: origIat + int64(s.cfg.RefreshTTL/time.Second),
		RefreshToken:     refreshToken,
	}, nil
}

// errRefreshInvalid is the internal verdict on an unusable refresh token;
// callers report the access-token error instead.
var errRefreshInvalid = unauthorized(MsgInvalidToken)

// refreshWithToken renews the session of an opaque refresh token and
// rotates it. A token already rotated more than RefreshGrace ago is a
// replay: its whole family and session are revoked. Within the grace window
// (two tabs refreshing at once) it yields a new access token only.
func (s *Service) refreshWithToken(ctx context.Context, raw string, meta ClientMeta) (*Login, error) {
	old, err := s.sessions.FindRefreshTokenByHash(ctx, hashRefreshToken(raw))
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return nil, errRefreshInvalid
	} else if err != nil {
		return nil, fmt.Errorf("find refresh token: %w", err)
	}
	now := s.now()
	if !now.Before(old.Expires) || now.Unix() > old.OrigIat+int64(s.cfg.RefreshTTL/time.Second) {
		return nil, unauthorized(MsgRefreshExpired)
	}
	graced := false
	if old.Revoked != nil {
		if old.ReplacedBy == nil || now.Sub(*old.Revoked) > s.cfg.RefreshGrace {
			if old.ReplacedBy != nil {
				s.logger.Warn("refresh token reuse: session revoked", "user_id", old.UserID, "family", old.Family)
				if err := s.sessions.RevokeRefreshFamily(ctx, old.Family); err != nil {
					return nil, fmt.Errorf("revoke refresh family: %w", err)
				}
				if err := s.revokeSession(ctx, old.UserID, old.OrigIat); err != nil {
					return nil, err
				}
			}
			return nil, errRefreshInvalid
		}
		graced = true
	}
	u, err := s.users.FindUserByID(ctx, old.UserID)
	if edusphere.ErrorCode(err) == edusphere.ENOTFOUND {
		return nil, errRefreshInvalid
	} else if err != nil {
		return nil, fmt.Errorf("find refresh user: %w", err)
	}
	if !u.IsActive {
		return nil, unauthorized(MsgUserDisabled)
	}
	if s.isRevoked(u.ID, old.OrigIat) {
		return nil, errRefreshInvalid
	}
	if graced {
		return s.renew(ctx, u, old.OrigIat, "")
	}
	next, rec := s.refreshRecord(u.ID, old.Family, old.OrigIat, meta)
	if err := s.sessions.RotateRefreshToken(ctx, old.ID, rec); err != nil {
		if edusphere.ErrorCode(err) == edusphere.ECONFLICT {
			// Another request rotated it a moment ago: the grace case.
			return s.renew(ctx, u, old.OrigIat, "")
		}
		return nil, fmt.Errorf("rotate refresh token: %w", err)
	}
	return s.renew(ctx, u, old.OrigIat, next)
}

// Logout revokes the session of the access token (even an expired one, as
// long as its signature holds) and the family and session of the refresh
// token. Tokens that do not decode are ignored: there is nothing to revoke.
func (s *Service) Logout(ctx context.Context, token, refreshToken string) error {
	if token != "" {
		if c, err := s.decode(token, decodeOptions{allowExpired: true}); err == nil && c.OrigIat != 0 {
			u, err := s.users.FindUserByEmail(ctx, c.Email)
			switch {
			case err == nil:
				if !s.isRevoked(u.ID, c.OrigIat) {
					if err := s.revokeSession(ctx, u.ID, c.OrigIat); err != nil {
						return err
					}
				}
			case edusphere.ErrorCode(err) != edusphere.ENOTFOUND:
				return fmt.Errorf("find token user: %w", err)
			}
		}
	}
	if refreshToken != "" {
		rt, err := s.sessions.FindRefreshTokenByHash(ctx, hashRefreshToken(refreshToken))
		switch {
		case err == nil:
			if err := s.sessions.RevokeRefreshFamily(ctx, rt.Family); err != nil {
				return fmt.Errorf("revoke refresh family: %w", err)
			}
			if !s.isRevoked(rt.UserID, rt.OrigIat) {
				if err := s.revokeSession(ctx, rt.UserID, rt.OrigIat); err != nil {
					return err
				}
			}
		case edusphere.ErrorCode(err) != edusphere.ENOTFOUND:
			return fmt.Errorf("find refresh token: %w", err)
		}
	}
	return nil
}
