package edusphere

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// User is an account. People log in with their email; the username is the
// public slug used in URLs (/u/<username>).
type User struct {
	ID          uuid.UUID  `json:"id"`
	Email       string     `json:"email"`
	Username    string     `json:"username"`
	Name        string     `json:"name"`
	Bio         string     `json:"bio"`
	Avatar      string     `json:"avatar"` // relative media name such as "avatars/x.png"; "" when none
	Password    string     `json:"-"`      // password hash (argon2id, or Django's pbkdf2_sha256); "!…" is unusable
	IsStaff     bool       `json:"isStaff"`
	IsSuperuser bool       `json:"isSuperuser"`
	IsActive    bool       `json:"isActive"`
	DateJoined  time.Time  `json:"dateJoined"`
	LastLogin   *time.Time `json:"lastLogin,omitempty"`
}

// Validate checks the model rules a store enforces before any SQL runs. The
// username must already be slugified. Failures are model errors whose message
// is the repr the original produced, e.g. {'username': ['This field cannot be blank.']}.
func (u *User) Validate() error {
	var fe FieldErrors
	switch {
	case u.Email == "":
		fe.Add("email", MsgBlank)
	case Len(u.Email) > MaxEmailLength:
		checkLength(&fe, "email", u.Email, MaxEmailLength)
	case !IsEmail(u.Email):
		fe.Add("email", MsgInvalidEmail)
	}
	switch {
	case u.Username == "":
		fe.Add("username", MsgBlank)
	case Len(u.Username) > MaxNameLength:
		checkLength(&fe, "username", u.Username, MaxNameLength)
	case u.Username != Slugify(u.Username):
		fe.Add("username", MsgInvalidSlug)
	}
	if u.Name == "" {
		fe.Add("name", MsgBlank)
	} else {
		checkLength(&fe, "name", u.Name, MaxNameLength)
	}
	checkLength(&fe, "bio", u.Bio, MaxBioLength)
	checkLength(&fe, "avatar", u.Avatar, MaxAvatarLength)
	return errorOrNil(fe)
}

// HasUsablePassword reports whether anyone can log in with a password.
func (u *User) HasUsablePassword() bool {
	return u.Password != "" && !strings.HasPrefix(u.Password, "!")
}

// CanLogIn reports whether the user may obtain tokens or sessions.
func (u *User) CanLogIn() bool { return u != nil && u.IsActive }

// CanUseAdmin reports whether the user may sign in to /admin/.
func (u *User) CanUseAdmin() bool { return u != nil && u.IsActive && u.IsStaff }

// UserService reads and changes users.
type UserService interface {
	// FindUserByID returns ENOTFOUND when no user has id.
	FindUserByID(ctx context.Context, id uuid.UUID) (*User, error)

	// FindUserByUsername matches the username exactly. Returns ENOTFOUND.
	FindUserByUsername(ctx context.Context, username string) (*User, error)

	// FindUserByEmail matches the email ignoring case (A.1.8). Returns ENOTFOUND.
	FindUserByEmail(ctx context.Context, email string) (*User, error)

	// FindUsers returns the users matching filter, oldest account first,
	// and the total count before Offset and Limit apply.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, int, error)

	// CreateUser slugifies u.Username, fills ID, DateJoined and IsActive
	// defaults the caller left zero (see CreateUser's comment in each store),
	// validates and inserts. Returns EINVALID, or ECONFLICT with the repr
	// message for a taken username or email (emails compared ignoring case).
	CreateUser(ctx context.Context, u *User) error

	// UpdateUser applies upd. A new username is slugified first. Returns
	// ENOTFOUND, EINVALID or ECONFLICT.
	UpdateUser(ctx context.Context, id uuid.UUID, upd UserUpdate) (*User, error)

	// DeleteUser deletes the user, their hosted rooms with every message in
	// them, their messages elsewhere, participations and sessions.
	// Returns ENOTFOUND.
	DeleteUser(ctx context.Context, id uuid.UUID) error
}

// UserFilter selects users; nil fields and empty slices do not filter.
type UserFilter struct {
	IDs      []uuid.UUID
	Username *string // exact
	Search   *string // case-insensitive substring of username or name (and email when SearchEmail)
	// SearchEmail extends Search to the email (the admin's search).
	SearchEmail bool
	IsStaff     *bool
	IsActive    *bool

	Offset int
	Limit  int // 0 means no limit
}

// UserUpdate lists the fields to change; nil means "leave as is".
type UserUpdate struct {
	Username    *string
	Name        *string
	Bio         *string
	Avatar      *string
	Password    *string // a hash, never a plain password
	IsStaff     *bool
	IsSuperuser *bool
	IsActive    *bool
	LastLogin   *time.Time
}

// Apply copies the set fields of upd onto u. Stores call it before Validate.
func (upd UserUpdate) Apply(u *User) {
	if upd.Username != nil {
		u.Username = Slugify(*upd.Username)
	}
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.Bio != nil {
		u.Bio = *upd.Bio
	}
	if upd.Avatar != nil {
		u.Avatar = *upd.Avatar
	}
	if upd.Password != nil {
		u.Password = *upd.Password
	}
	if upd.IsStaff != nil {
		u.IsStaff = *upd.IsStaff
	}
	if upd.IsSuperuser != nil {
		u.IsSuperuser = *upd.IsSuperuser
	}
	if upd.IsActive != nil {
		u.IsActive = *upd.IsActive
	}
	if upd.LastLogin != nil {
		t := *upd.LastLogin
		u.LastLogin = &t
	}
}
