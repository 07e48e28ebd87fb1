package mock

import (
	"context"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var _ edusphere.SessionService = (*SessionService)(nil)

// SessionService is an edusphere.SessionService whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type SessionService struct {
	CreateRefreshTokenFn      func(ctx context.Context, t *edusphere.RefreshToken) error
	CreateSessionFn           func(ctx context.Context, t *edusphere.RefreshToken) error
	FindRefreshTokenByHashFn  func(ctx context.Context, hash []byte) (*edusphere.RefreshToken, error)
	RotateRefreshTokenFn      func(ctx context.Context, oldID uuid.UUID, next *edusphere.RefreshToken) error
	RevokeRefreshFamilyFn     func(ctx context.Context, family uuid.UUID) error
	RevokeUserRefreshTokensFn func(ctx context.Context, userID uuid.UUID) error
	CreateRevocationFn        func(ctx context.Context, r *edusphere.Revocation) error
	FindRevocationsFn         func(ctx context.Context, since time.Time) ([]*edusphere.Revocation, error)
	CreateAdminSessionFn      func(ctx context.Context, s *edusphere.AdminSession) error
	FindAdminSessionFn        func(ctx context.Context, hash []byte) (*edusphere.AdminSession, error)
	DeleteAdminSessionFn      func(ctx context.Context, hash []byte) error
	DeleteUserAdminSessionsFn func(ctx context.Context, userID uuid.UUID) error
	DeleteExpiredFn           func(ctx context.Context, now time.Time) error
}

// CreateRefreshToken calls CreateRefreshTokenFn.
func (mk *SessionService) CreateRefreshToken(ctx context.Context, t *edusphere.RefreshToken) error {
	if mk.CreateRefreshTokenFn == nil {
		panic("mock: SessionService.CreateRefreshToken called without CreateRefreshTokenFn")
	}
	return mk.CreateRefreshTokenFn(ctx, t)
}

// CreateSession calls CreateSessionFn.
func (mk *SessionService) CreateSession(ctx context.Context, t *edusphere.RefreshToken) error {
	if mk.CreateSessionFn == nil {
		panic("mock: SessionService.CreateSession called without CreateSessionFn")
	}
	return mk.CreateSessionFn(ctx, t)
}

// FindRefreshTokenByHash calls FindRefreshTokenByHashFn.
func (mk *SessionService) FindRefreshTokenByHash(ctx context.Context, hash []byte) (*edusphere.RefreshToken, error) {
	if mk.FindRefreshTokenByHashFn == nil {
		panic("mock: SessionService.FindRefreshTokenByHash called without FindRefreshTokenByHashFn")
	}
	return mk.FindRefreshTokenByHashFn(ctx, hash)
}

// RotateRefreshToken calls RotateRefreshTokenFn.
func (mk *SessionService) RotateRefreshToken(ctx context.Context, oldID uuid.UUID, next *edusphere.RefreshToken) error {
	if mk.RotateRefreshTokenFn == nil {
		panic("mock: SessionService.RotateRefreshToken called without RotateRefreshTokenFn")
	}
	return mk.RotateRefreshTokenFn(ctx, oldID, next)
}

// RevokeRefreshFamily calls RevokeRefreshFamilyFn.
func (mk *SessionService) RevokeRefreshFamily(ctx context.Context, family uuid.UUID) error {
	if mk.RevokeRefreshFamilyFn == nil {
		panic("mock: SessionService.RevokeRefreshFamily called without RevokeRefreshFamilyFn")
	}
	return mk.RevokeRefreshFamilyFn(ctx, family)
}

// RevokeUserRefreshTokens calls RevokeUserRefreshTokensFn.
func (mk *SessionService) RevokeUserRefreshTokens(ctx context.Context, userID uuid.UUID) error {
	if mk.RevokeUserRefreshTokensFn == nil {
		panic("mock: SessionService.RevokeUserRefreshTokens called without RevokeUserRefreshTokensFn")
	}
	return mk.RevokeUserRefreshTokensFn(ctx, userID)
}

// CreateRevocation calls CreateRevocationFn.
func (mk *SessionService) CreateRevocation(ctx context.Context, r *edusphere.Revocation) error {
	if mk.CreateRevocationFn == nil {
		panic("mock: SessionService.CreateRevocation called without CreateRevocationFn")
	}
	return mk.CreateRevocationFn(ctx, r)
}

// FindRevocations calls FindRevocationsFn.
func (mk *SessionService) FindRevocations(ctx context.Context, since time.Time) ([]*edusphere.Revocation, error) {
	if mk.FindRevocationsFn == nil {
		panic("mock: SessionService.FindRevocations called without FindRevocationsFn")
	}
	return mk.FindRevocationsFn(ctx, since)
}

// CreateAdminSession calls CreateAdminSessionFn.
func (mk *SessionService) CreateAdminSession(ctx context.Context, s *edusphere.AdminSession) error {
	if mk.CreateAdminSessionFn == nil {
		panic("mock: SessionService.CreateAdminSession called without CreateAdminSessionFn")
	}
	return mk.CreateAdminSessionFn(ctx, s)
}

// FindAdminSession calls FindAdminSessionFn.
func (mk *SessionService) FindAdminSession(ctx context.Context, hash []byte) (*edusphere.AdminSession, error) {
	if mk.FindAdminSessionFn == nil {
		panic("mock: SessionService.FindAdminSession called without FindAdminSessionFn")
	}
	return mk.FindAdminSessionFn(ctx, hash)
}

// DeleteAdminSession calls DeleteAdminSessionFn.
func (mk *SessionService) DeleteAdminSession(ctx context.Context, hash []byte) error {
	if mk.DeleteAdminSessionFn == nil {
		panic("mock: SessionService.DeleteAdminSession called without DeleteAdminSessionFn")
	}
	return mk.DeleteAdminSessionFn(ctx, hash)
}

// DeleteUserAdminSessions calls DeleteUserAdminSessionsFn.
func (mk *SessionService) DeleteUserAdminSessions(ctx context.Context, userID uuid.UUID) error {
	if mk.DeleteUserAdminSessionsFn == nil {
		panic("mock: SessionService.DeleteUserAdminSessions called without DeleteUserAdminSessionsFn")
	}
	return mk.DeleteUserAdminSessionsFn(ctx, userID)
}

// DeleteExpired calls DeleteExpiredFn.
func (mk *SessionService) DeleteExpired(ctx context.Context, now time.Time) error {
	if mk.DeleteExpiredFn == nil {
		panic("mock: SessionService.DeleteExpired called without DeleteExpiredFn")
	}
	return mk.DeleteExpiredFn(ctx, now)
}
