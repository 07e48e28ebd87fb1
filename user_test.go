package edusphere

import (
	"strings"
	"testing"
)

func TestUser_Validate(t *testing.T) {
	valid := func() *User {
		return &User{Email: "ada@example.com", Username: "ada", Name: "Ada Lovelace"}
	}
	tests := []struct {
		name   string
		modify func(u *User)
		want   string // repr of the model error, "" for none
	}{
		{"OK", func(u *User) {}, ""},
		{"OKMaxLengths", func(u *User) {
			u.Name = strings.Repeat("é", MaxNameLength)
			u.Bio = strings.Repeat("b", MaxBioLength)
		}, ""},
		{"ErrEmailBlank", func(u *User) { u.Email = "" }, "{'email': ['This field cannot be blank.']}"},
		{"ErrEmailInvalid", func(u *User) { u.Email = "nope" }, "{'email': ['Enter a valid email address.']}"},
		{"ErrEmailTooLong", func(u *User) { u.Email = strings.Repeat("a", 250) + "@x.com" },
			"{'email': ['Ensure this value has at most 254 characters (it has 256).']}"},
		{"ErrUsernameBlank", func(u *User) { u.Username = "" }, "{'username': ['This field cannot be blank.']}"},
		{"ErrUsernameNotSlugified", func(u *User) { u.Username = "Ada" },
			"{'username': ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.']}"},
		{"ErrNameBlank", func(u *User) { u.Name = "" }, "{'name': ['This field cannot be blank.']}"},
		{"ErrNameTooLong", func(u *User) { u.Name = strings.Repeat("n", 201) },
			"{'name': ['Ensure this value has at most 200 characters (it has 201).']}"},
		{"ErrBioTooLong", func(u *User) { u.Bio = strings.Repeat("é", 501) },
			"{'bio': ['Ensure this value has at most 500 characters (it has 501).']}"},
		{"ErrSeveralInFieldOrder", func(u *User) { u.Name = ""; u.Email = ""; u.Username = "" },
			"{'email': ['This field cannot be blank.'], 'username': ['This field cannot be blank.'], 'name': ['This field cannot be blank.']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := valid()
			tt.modify(u)
			wantModelError(t, u.Validate(), tt.want)
		})
	}
}

func TestUser_Permissions(t *testing.T) {
	tests := []struct {
		name                 string
		u                    *User
		login, admin, usable bool
	}{
		{"Nil", nil, false, false, false},
		{"ActiveStaff", &User{IsActive: true, IsStaff: true, Password: "argon2id$x"}, true, true, true},
		{"ActiveNotStaff", &User{IsActive: true, Password: "pbkdf2_sha256$1$s$h"}, true, false, true},
		{"InactiveStaff", &User{IsStaff: true, Password: "!unusable"}, false, false, false},
		{"NoPassword", &User{IsActive: true}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.CanLogIn(); got != tt.login {
				t.Fatalf("CanLogIn=%v, want %v", got, tt.login)
			}
			if got := tt.u.CanUseAdmin(); got != tt.admin {
				t.Fatalf("CanUseAdmin=%v, want %v", got, tt.admin)
			}
			if tt.u != nil {
				if got := tt.u.HasUsablePassword(); got != tt.usable {
					t.Fatalf("HasUsablePassword=%v, want %v", got, tt.usable)
				}
			}
		})
	}
}

func TestUserUpdate_Apply(t *testing.T) {
	u := &User{Username: "old", Name: "Old", IsActive: true}
	name, username, active := "New", "New Name", false
	UserUpdate{Name: &name, Username: &username, IsActive: &active}.Apply(u)
	if u.Name != "New" || u.Username != "new-name" || u.IsActive {
		t.Fatalf("Apply=%+v, want name New, username new-name, inactive", u)
	}
}

func TestUserUpdate_Validate(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		upd  UserUpdate
		want string
	}{
		{"OKNothingSet", UserUpdate{}, ""},
		{"OKUsernameSlugified", UserUpdate{Username: s("New User")}, ""},
		{"ErrUsernameBlankAfterSlugify", UserUpdate{Username: s("---")}, "{'username': ['This field cannot be blank.']}"},
		{"ErrNameBlank", UserUpdate{Name: s("")}, "{'name': ['This field cannot be blank.']}"},
		{"ErrBioAndAvatar", UserUpdate{Bio: s(strings.Repeat("b", 501)), Avatar: s(strings.Repeat("a", 101))},
			"{'bio': ['Ensure this value has at most 500 characters (it has 501).'], 'avatar': ['Ensure this value has at most 100 characters (it has 101).']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantModelError(t, tt.upd.Validate(), tt.want)
		})
	}
}

func TestValidateUserField(t *testing.T) {
	tests := []struct {
		name, field, value, want string
	}{
		{"EmailOK", "email", "ada@example.com", ""},
		{"EmailBlank", "email", "", MsgBlank},
		{"EmailTooLongBeforeInvalid", "email", strings.Repeat("a", 255), MsgMaxLength(254, 255)},
		{"EmailInvalid", "email", "nope", MsgInvalidEmail},
		{"UsernameOK", "username", "Ada_1", ""},
		{"UsernameBlank", "username", "", MsgBlank},
		{"UsernameSpaceRefused", "username", "a b", MsgInvalidSlug},
		{"UsernameBlankAfterSlugify", "username", "---", MsgBlank},
		{"UsernameTooLong", "username", strings.Repeat("u", 201), MsgMaxLength(200, 201)},
		{"NameOK", "name", "Ada", ""},
		{"NameBlank", "name", "", MsgBlank},
		{"NameTooLong", "name", strings.Repeat("n", 201), MsgMaxLength(200, 201)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidateUserField(tt.field, tt.value); got != tt.want {
				t.Fatalf("ValidateUserField(%q, %q)=%q, want %q", tt.field, tt.value, got, tt.want)
			}
		})
	}
}

func TestUserConflict(t *testing.T) {
	tests := []struct {
		name            string
		email, username bool
		want            string
	}{
		{"None", false, false, ""},
		{"Email", true, false, "{'email': ['User with this Email already exists.']}"},
		{"Username", false, true, "{'username': ['User with this Username already exists.']}"},
		{"BothInFieldOrder", true, true, "{'email': ['User with this Email already exists.'], 'username': ['User with this Username already exists.']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := UserConflict(tt.email, tt.username)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("UserConflict=%v, want nil", err)
				}
				return
			}
			if ErrorCode(err) != ECONFLICT || ErrorMessage(err) != tt.want {
				t.Fatalf("UserConflict=%v, want ECONFLICT %s", err, tt.want)
			}
		})
	}
}
