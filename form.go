package edusphere

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// The forms of the product. Each type below is one form: its fields, how
// each is cleaned, the checks each field runs, their messages and the
// order those messages come in (the form's field order, then each field's
// validator order). Every transport offering the form (GraphQL, the admin,
// the createsuperuser command) calls its Validate and renders the result;
// none of them states a rule of its own. The messages and their order are
// listed in docs/graphql.md, Forms.
//
// Validate trims the text fields in place, as the original's form fields
// did, except passwords; callers read the cleaned values from the form
// afterwards. A pointer field that is nil was left out and is not checked.

// RegisterForm is the registerUser form.
type RegisterForm struct {
	Username, Name, Email, Password1, Password2 string
}

// PasswordRules checks a password for user u, which holds only the fields
// that passed their own checks, and returns the rules' messages in order;
// none means the password is acceptable. The auth package has the rules.
type PasswordRules func(password string, u *User) []string

// Validate checks the registration form: each field's own rules in field
// order (username, name, email, password1, password2), then the password
// mismatch, then the email's uniqueness, then the password rules on
// password2. The username is unique after slugifying (which ignores case)
// and must not slugify to nothing; the email is unique ignoring case. The
// error is for a failed lookup only; a form that breaks rules returns them.
func (f *RegisterForm) Validate(ctx context.Context, users UserService, rules PasswordRules) (FieldErrors, error) {
	var fe FieldErrors
	// The password rules compare against the fields that passed their own
	// checks, as the original's form instance held only those.
	var inst User

	f.Username = strings.TrimSpace(f.Username)
	if err := usernameField(ctx, &fe, users, f.Username, uuid.Nil); err != nil {
		return nil, err
	}
	if !fe.Has("username") {
		inst.Username = f.Username
	}
	f.Name = strings.TrimSpace(f.Name)
	nameField(&fe, f.Name)
	f.Email = strings.TrimSpace(f.Email)
	emailField(&fe, f.Email)
	emailOK := !fe.Has("email")
	if emailOK {
		inst.Email = f.Email
	}

	if f.Password1 == "" {
		fe.Add("password1", MsgRequired)
	}
	password2OK := f.Password2 != ""
	if !password2OK {
		fe.Add("password2", MsgRequired)
	}
	if f.Password1 != "" && password2OK && f.Password1 != f.Password2 {
		fe.Add("password2", MsgPasswordMismatch)
		password2OK = false
	}

	if emailOK {
		_, err := users.FindUserByEmail(ctx, f.Email)
		switch ErrorCode(err) {
		case "":
			fe.Add("email", MsgEmailTaken)
		case ENOTFOUND:
		default:
			return nil, fmt.Errorf("find email: %w", err)
		}
	}
	if password2OK && rules != nil {
		for _, msg := range rules(f.Password2, &inst) {
			fe.Add("password2", msg)
		}
	}
	return fe, nil
}

// ProfileForm is the profile form of updateUser and the admin's user
// change form (which offers name and bio only). A nil field was left out
// and keeps its value; transports pass an explicit null as "".
type ProfileForm struct {
	Username, Name, Bio *string
}

// Validate checks the given fields in field order (username, name, bio).
// The username follows the registration rules, its uniqueness excluding
// the user self. The error is for a failed lookup only.
func (f *ProfileForm) Validate(ctx context.Context, users UserService, self uuid.UUID) (FieldErrors, error) {
	var fe FieldErrors
	if f.Username != nil {
		*f.Username = strings.TrimSpace(*f.Username)
		if err := usernameField(ctx, &fe, users, *f.Username, self); err != nil {
			return nil, err
		}
	}
	if f.Name != nil {
		*f.Name = strings.TrimSpace(*f.Name)
		nameField(&fe, *f.Name)
	}
	if f.Bio != nil {
		*f.Bio = strings.TrimSpace(*f.Bio)
		checkLength(&fe, "bio", *f.Bio, MaxBioLength)
	}
	return fe, nil
}

// Update returns the change the form asks for: its given fields.
func (f *ProfileForm) Update() UserUpdate {
	return UserUpdate{Username: f.Username, Name: f.Name, Bio: f.Bio}
}

// RoomForm is the room form of createRoom and updateRoom. A nil field was
// left out: updateRoom keeps its value, and createRoom passes a missing
// description as "". Transports pass an explicit null as "".
type RoomForm struct {
	Name, Description *string
}

// Validate checks the given fields: the name is required, then every rule
// it breaks is reported, its characters before its length; the
// description is limited in length.
func (f *RoomForm) Validate() FieldErrors {
	var fe FieldErrors
	if f.Name != nil {
		*f.Name = strings.TrimSpace(*f.Name)
		if *f.Name == "" {
			fe.Add("name", MsgRequired)
		} else {
			roomNameRules(&fe, "name", *f.Name)
		}
	}
	if f.Description != nil {
		*f.Description = strings.TrimSpace(*f.Description)
		checkLength(&fe, "description", *f.Description, MaxDescriptionLength)
	}
	return fe
}

// RoomAdminForm is the admin's room change form: the room's slug, its
// topic's name and its description. The admin's room list edits the
// description alone through RoomForm.
type RoomAdminForm struct {
	Slug, Topic, Description string
}

// Validate checks the form for room in field order. The slug follows the
// slug rules and must not be another room's of the same host; the topic
// name is required, then limited in length, then letters only (one
// message); the description is limited in length. The error is for a
// failed lookup only.
func (f *RoomAdminForm) Validate(ctx context.Context, rooms RoomService, room *Room) (FieldErrors, error) {
	var fe FieldErrors
	f.Slug = strings.TrimSpace(f.Slug)
	slugField(&fe, "slug", f.Slug)
	if !fe.Has("slug") && f.Slug != room.Slug {
		others, _, err := rooms.FindRooms(ctx, RoomFilter{HostID: &room.HostID, Slug: &f.Slug, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("find slug: %w", err)
		}
		if len(others) > 0 && others[0].ID != room.ID {
			fe.Add("slug", MsgSlugInUse)
		}
	}
	f.Topic = strings.TrimSpace(f.Topic)
	if f.Topic == "" {
		fe.Add("topic", MsgRequired)
	} else if msg := topicNameMessage(f.Topic); msg != "" {
		fe.Add("topic", msg)
	}
	f.Description = strings.TrimSpace(f.Description)
	checkLength(&fe, "description", f.Description, MaxDescriptionLength)
	return fe, nil
}

// LoginForm is a log-in with email and password: the admin's sign-in form,
// and the credentials tokenAuth checks.
type LoginForm struct {
	Email, Password string
}

// Validate trims the email and requires both fields. The password is
// taken as typed.
func (f *LoginForm) Validate() FieldErrors {
	var fe FieldErrors
	f.Email = strings.TrimSpace(f.Email)
	if f.Email == "" {
		fe.Add("email", MsgRequired)
	}
	if f.Password == "" {
		fe.Add("password", MsgRequired)
	}
	return fe
}

// usernameField checks a trimmed username of the registration or profile
// form: the slug rules on the value as typed (so a space is refused rather
// than slugified), then, on its slug, that it is not blank and that no
// user but self has it. Stored usernames are slugs, so comparing slugs
// catches every clash the store would refuse, a change of case included.
func usernameField(ctx context.Context, fe *FieldErrors, users UserService, v string, self uuid.UUID) error {
	slugField(fe, "username", v)
	if fe.Has("username") {
		return nil
	}
	slug := Slugify(v)
	if slug == "" {
		fe.Add("username", MsgBlank)
		return nil
	}
	other, err := users.FindUserByUsername(ctx, slug)
	switch {
	case err == nil && other.ID != self:
		fe.Add("username", MsgUsernameTaken)
	case err != nil && ErrorCode(err) != ENOTFOUND:
		return fmt.Errorf("find username: %w", err)
	}
	return nil
}

// slugField checks a trimmed slug form field: required, then every rule it
// breaks in validator order: its characters, then its length.
func slugField(fe *FieldErrors, field, v string) {
	if v == "" {
		fe.Add(field, MsgRequired)
		return
	}
	if !IsSlug(v) {
		fe.Add(field, MsgInvalidSlug)
	}
	checkLength(fe, field, v, MaxNameLength)
}

// nameField checks a trimmed person's name: required, limited in length.
func nameField(fe *FieldErrors, v string) {
	if v == "" {
		fe.Add("name", MsgRequired)
		return
	}
	checkLength(fe, "name", v, MaxNameLength)
}

// emailField checks a trimmed email: required, then every rule it breaks
// in validator order: its form, then its length.
func emailField(fe *FieldErrors, v string) {
	if v == "" {
		fe.Add("email", MsgRequired)
		return
	}
	if !IsEmail(v) {
		fe.Add("email", MsgInvalidEmail)
	}
	checkLength(fe, "email", v, MaxEmailLength)
}

// roomNameRules adds the messages of every rule a non-empty room name
// breaks, in validator order: its characters, then its length. The room
// form and the room model share them.
func roomNameRules(fe *FieldErrors, field, name string) {
	if !IsRoomName(name) {
		fe.Add(field, MsgRoomNameChars)
	}
	checkLength(fe, field, name, MaxNameLength)
}

// topicNameMessage returns the message of the first rule a non-empty topic
// name breaks: its length, then its letters; "" when it is valid. The
// topic model and the admin's room form share it.
func topicNameMessage(name string) string {
	if n := Len(name); n > MaxNameLength {
		return MsgMaxLength(MaxNameLength, n)
	}
	if !IsTopicName(name) {
		return MsgTopicLetters
	}
	return ""
}
