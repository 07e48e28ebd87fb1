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
	emailModel(&fe, u.Email)
	usernameModel(&fe, u.Username)
	nameModel(&fe, u.Name)
	checkLength(&fe, "bio", u.Bio, MaxBioLength)
	checkLength(&fe, "avatar", u.Avatar, MaxAvatarLength)
	return errorOrNil(fe)
}

// emailModel checks an email as the model does, one message: not blank,
// then its length, then its form.
func emailModel(fe *FieldErrors, email string) {
	checkModelText(fe, "email", email, MaxEmailLength, IsEmail, MsgInvalidEmail)
}

// usernameModel checks a stored username, one message: not blank, then
// its length, then that it is its own slug.
func usernameModel(fe *FieldErrors, username string) {
	checkModelText(fe, "username", username, MaxNameLength, isOwnSlug, MsgInvalidSlug)
}

func isOwnSlug(s string) bool { return s == Slugify(s) }

// nameModel checks a person's name as the model does: not blank, then its
// length.
func nameModel(fe *FieldErrors, name string) {
	if name == "" {
		fe.Add("name", MsgBlank)
		return
	}
	checkLength(fe, "name", name, MaxNameLength)
}

// ValidateUserField returns the model's message for one field of a new
// user ("email", "username" or "name"), or "" when the value passes: the
// check the createsuperuser command runs on each answer. A username is
// checked as typed for slug characters (a space is refused, not
// slugified), then after slugifying, as it is stored.
func ValidateUserField(field, value string) string {
	var fe FieldErrors
	switch field {
	case "email":
		emailModel(&fe, value)
	case "username":
		if value != "" && !IsSlug(value) {
			fe.Add("username", MsgInvalidSlug)
		} else {
			usernameModel(&fe, Slugify(value))
		}
	case "name":
		nameModel(&fe, value)
	default:
		panic("edusphere: ValidateUserField: unknown field " + field)
	}
	if msgs := fe.Get(field); len(msgs) > 0 {
		return msgs[0]
	}
	return ""
}

// UserConflict returns the ECONFLICT model error for a taken email and a
// taken username, in the model's field order, or nil when neither is
// taken. Both stores report their unique checks with it.
func UserConflict(emailTaken, usernameTaken bool) error {
	var fe FieldErrors
	if emailTaken {
		fe.Add("email", MsgEmailTaken)
	}
	if usernameTaken {
		fe.Add("username", MsgUsernameTaken)
	}
	if len(fe) == 0 {
		return nil
	}
	return ModelError(ECONFLICT, fe)
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

	// FindUserByEmail matches the email ignoring case (docs/data.md,
	// Invariants). Returns ENOTFOUND.
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

// Validate checks the set fields by the model rules before any SQL, a new
// username after slugifying, as Apply stores it. Stores call it first and
// validate the whole user again once the update is applied.
func (upd UserUpdate) Validate() error {
	var fe FieldErrors
	if upd.Username != nil {
		usernameModel(&fe, Slugify(*upd.Username))
	}
	if upd.Name != nil {
		nameModel(&fe, *upd.Name)
	}
	if upd.Bio != nil {
		checkLength(&fe, "bio", *upd.Bio, MaxBioLength)
	}
	if upd.Avatar != nil {
		checkLength(&fe, "avatar", *upd.Avatar, MaxAvatarLength)
	}
	return errorOrNil(fe)
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
