package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/edusphere/edusphere"
)

// RegisterInput is the registerUser form.
type RegisterInput struct {
	Username, Name, Email, Password1, Password2 string
}

// Register runs the registerUser form (CONTRACT §3.4) and creates the user.
// Form failures are one FormError whose fields follow the order Django's
// form produced them: each field's own checks in form order, then the
// password mismatch, then the email uniqueness, then the password rules.
// Save-time failures are the store's model errors (raw reprs). Attempts are
// limited per address by RegisterLimit.
func (s *Service) Register(ctx context.Context, in RegisterInput, meta ClientMeta) (*edusphere.User, error) {
	if ok, wait := s.register.Allow(meta.Address); !ok {
		s.logger.Warn("registration rate limited", "address", meta.Address)
		return nil, tooManyAttempts(wait)
	}

	var fe edusphere.FieldErrors
	// The instance the password rules compare against holds only the
	// fields that passed their own checks, as Django's form instance does.
	var inst edusphere.User

	username := strings.TrimSpace(in.Username)
	switch {
	case username == "":
		fe.Add("username", edusphere.MsgRequired)
	default:
		if !edusphere.IsSlug(username) {
			fe.Add("username", edusphere.MsgInvalidSlug)
		}
		if n := edusphere.Len(username); n > edusphere.MaxNameLength {
			fe.Add("username", edusphere.MsgMaxLength(edusphere.MaxNameLength, n))
		}
		if fe.Has("username") {
			break
		}
		// Stored usernames are slugs, all lower case, so a
		// case-insensitive match on the raw input is an exact match of
		// its lower-cased form.
		_, err := s.users.FindUserByUsername(ctx, strings.ToLower(username))
		switch edusphere.ErrorCode(err) {
		case "":
			fe.Add("username", edusphere.MsgUsernameTaken)
		case edusphere.ENOTFOUND:
			inst.Username = username
		default:
			return nil, fmt.Errorf("find username: %w", err)
		}
	}

	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		fe.Add("name", edusphere.MsgRequired)
	case edusphere.Len(name) > edusphere.MaxNameLength:
		fe.Add("name", edusphere.MsgMaxLength(edusphere.MaxNameLength, edusphere.Len(name)))
	}

	email := strings.TrimSpace(in.Email)
	emailOK := false
	switch {
	case email == "":
		fe.Add("email", edusphere.MsgRequired)
	default:
		if !edusphere.IsEmail(email) {
			fe.Add("email", edusphere.MsgInvalidEmail)
		}
		if n := edusphere.Len(email); n > edusphere.MaxEmailLength {
			fe.Add("email", edusphere.MsgMaxLength(edusphere.MaxEmailLength, n))
		}
		if !fe.Has("email") {
			emailOK = true
			inst.Email = email
		}
	}

	if in.Password1 == "" {
		fe.Add("password1", edusphere.MsgRequired)
	}
	password2OK := in.Password2 != ""
	if !password2OK {
		fe.Add("password2", edusphere.MsgRequired)
	}
	if in.Password1 != "" && password2OK && in.Password1 != in.Password2 {
		fe.Add("password2", MsgPasswordMismatch)
		password2OK = false
	}

	if emailOK {
		_, err := s.users.FindUserByEmail(ctx, email)
		switch edusphere.ErrorCode(err) {
		case "":
			fe.Add("email", edusphere.MsgEmailTaken)
		case edusphere.ENOTFOUND:
		default:
			return nil, fmt.Errorf("find email: %w", err)
		}
	}

	if password2OK {
		for _, msg := range validatePassword(in.Password2, &inst) {
			fe.Add("password2", msg)
		}
	}
	if len(fe) > 0 {
		return nil, edusphere.FormError(fe)
	}

	hash, err := HashPassword(in.Password2)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	u := &edusphere.User{
		Username: username,
		Name:     name,
		Email:    email,
		Password: hash,
		IsActive: true,
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}
