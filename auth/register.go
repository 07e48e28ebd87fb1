package auth

import (
	"context"
	"fmt"

	"github.com/edusphere/edusphere"
)

// RegisterInput is the registerUser form.
type RegisterInput = edusphere.RegisterForm

// Register runs the registerUser form (edusphere.RegisterForm, with this
// package's password rules) and creates the user. Form failures are one
// FormError; save-time failures are the store's model errors. Attempts are
// limited per address by RegisterLimit.
func (s *Service) Register(ctx context.Context, in RegisterInput, meta ClientMeta) (*edusphere.User, error) {
	if ok, wait := s.register.Allow(meta.Address); !ok {
		s.logger.Warn("registration rate limited", "address", meta.Address)
		return nil, tooManyAttempts(wait)
	}

	form := in
	fe, err := form.Validate(ctx, s.users, validatePassword)
	if err != nil {
		return nil, err
	} else if len(fe) > 0 {
		return nil, edusphere.FormError(fe)
	}

	hash, err := HashPassword(in.Password2)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	u := &edusphere.User{
		Username: form.Username,
		Name:     form.Name,
		Email:    form.Email,
		Password: hash,
		IsActive: true,
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}
