package edusphere_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// The form tests look names up in a real store: which usernames and
// emails count as taken is the point.

// formDB returns services holding ann (ann@example.com) and bob.
func formDB(t *testing.T) (edusphere.Services, *edusphere.User, *edusphere.User) {
	t.Helper()
	h := testdb.SQLite(t)
	ctx := context.Background()
	ann := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "ann", Email: "ann@example.com", Name: "Ann"})
	bob := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "bob", Email: "bob@example.com", Name: "Bob"})
	return h.Services, ann, bob
}

// wantFields fails t unless fe marshals to want ("{}" for none).
func wantFields(t *testing.T, fe edusphere.FieldErrors, want string) {
	t.Helper()
	b, _ := json.Marshal(fe)
	if string(b) != want {
		t.Fatalf("fields=%s\nwant   %s", b, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRegisterForm(t *testing.T) {
	s, _, _ := formDB(t)
	ok := edusphere.RegisterForm{Username: " NewUser ", Name: " New ", Email: " new@example.com ", Password1: "pw-ok", Password2: "pw-ok"}
	// rules stands in for the auth package's password rules: it reports
	// what it was given, so the test sees when and with what it runs.
	var seen *edusphere.User
	rules := func(password string, u *edusphere.User) []string {
		seen = u
		if password == "weak" {
			return []string{"rule one", "rule two"}
		}
		return nil
	}
	tests := []struct {
		name   string
		modify func(f *edusphere.RegisterForm)
		want   string
	}{
		{"OK", func(f *edusphere.RegisterForm) {}, `{}`},
		{"ErrRequired", func(f *edusphere.RegisterForm) { *f = edusphere.RegisterForm{Username: "  ", Name: "\t", Email: " "} },
			`{"username":["This field is required."],"name":["This field is required."],"email":["This field is required."],"password1":["This field is required."],"password2":["This field is required."]}`},
		{"ErrSlugAndLength", func(f *edusphere.RegisterForm) { f.Username = "a b" + strings.Repeat("x", 200) },
			`{"username":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.","Ensure this value has at most 200 characters (it has 203)."]}`},
		{"ErrUsernameTakenIgnoringCase", func(f *edusphere.RegisterForm) { f.Username = "ANN" },
			`{"username":["User with this Username already exists."]}`},
		{"ErrUsernameTakenAfterSlugify", func(f *edusphere.RegisterForm) { f.Username = "--Ann_" },
			`{"username":["User with this Username already exists."]}`},
		{"ErrUsernameBlankAfterSlugify", func(f *edusphere.RegisterForm) { f.Username = "-_-" },
			`{"username":["This field cannot be blank."]}`},
		{"ErrNameTooLong", func(f *edusphere.RegisterForm) { f.Name = strings.Repeat("é", 201) },
			`{"name":["Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrEmail", func(f *edusphere.RegisterForm) { f.Email = "not-an-email" },
			`{"email":["Enter a valid email address."]}`},
		{"ErrEmailInvalidAndTooLong", func(f *edusphere.RegisterForm) { f.Email = strings.Repeat("a", 253) + "@x" },
			`{"email":["Enter a valid email address.","Ensure this value has at most 254 characters (it has 255)."]}`},
		{"ErrEmailTakenIgnoringCase", func(f *edusphere.RegisterForm) { f.Email = "ANN@example.com" },
			`{"email":["User with this Email already exists."]}`},
		{"ErrMismatchStopsRules", func(f *edusphere.RegisterForm) { f.Password1, f.Password2 = "weak", "other" },
			`{"password2":["The two password fields didn’t match."]}`},
		{"ErrMismatchThenEmailTaken", func(f *edusphere.RegisterForm) { f.Email = "ann@example.com"; f.Password2 = "x" },
			`{"password2":["The two password fields didn’t match."],"email":["User with this Email already exists."]}`},
		{"ErrEmailTakenThenRules", func(f *edusphere.RegisterForm) {
			f.Email = "bob@example.com"
			f.Password1, f.Password2 = "weak", "weak"
		},
			`{"email":["User with this Email already exists."],"password2":["rule one","rule two"]}`},
		{"ErrPassword2RequiredStopsRules", func(f *edusphere.RegisterForm) { f.Password1, f.Password2 = "weak", "" },
			`{"password2":["This field is required."]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.modify(&f)
			fe, err := f.Validate(context.Background(), s.Users, rules)
			if err != nil {
				t.Fatalf("Validate=%v", err)
			}
			wantFields(t, fe, tt.want)
		})
	}
	t.Run("OKTrimsButPasswords", func(t *testing.T) {
		f := ok
		f.Password1, f.Password2 = " pw ", " pw "
		if fe, err := f.Validate(context.Background(), s.Users, rules); err != nil || len(fe) > 0 {
			t.Fatalf("Validate=%v, %v", fe, err)
		}
		if f.Username != "NewUser" || f.Name != "New" || f.Email != "new@example.com" || f.Password2 != " pw " {
			t.Fatalf("form=%+v", f)
		}
	})
	t.Run("RulesSeeOnlyValidFields", func(t *testing.T) {
		f := ok
		f.Email = "bad"
		f.Validate(context.Background(), s.Users, rules)
		if seen == nil || seen.Username != "NewUser" || seen.Email != "" {
			t.Fatalf("rules got %+v, want the username and no email", seen)
		}
	})
}

func TestProfileForm(t *testing.T) {
	s, ann, _ := formDB(t)
	tests := []struct {
		name string
		form edusphere.ProfileForm
		want string
	}{
		{"OKNothingGiven", edusphere.ProfileForm{}, `{}`},
		{"OKOwnUsername", edusphere.ProfileForm{Username: ptr("ann")}, `{}`},
		{"ErrEmpty", edusphere.ProfileForm{Username: ptr(" "), Name: ptr(""), Bio: ptr("")},
			`{"username":["This field is required."],"name":["This field is required."]}`},
		{"ErrTaken", edusphere.ProfileForm{Username: ptr("bob")}, `{"username":["User with this Username already exists."]}`},
		{"ErrTakenCaseOnly", edusphere.ProfileForm{Username: ptr("Bob")}, `{"username":["User with this Username already exists."]}`},
		{"ErrTakenAfterSlugify", edusphere.ProfileForm{Username: ptr("bob--")}, `{"username":["User with this Username already exists."]}`},
		{"ErrBlankAfterSlugify", edusphere.ProfileForm{Username: ptr("---")}, `{"username":["This field cannot be blank."]}`},
		{"OKOwnUsernameOtherCase", edusphere.ProfileForm{Username: ptr("-ANN-")}, `{}`},
		{"ErrSlug", edusphere.ProfileForm{Username: ptr("c c")},
			`{"username":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}`},
		{"ErrSlugAndLength", edusphere.ProfileForm{Username: ptr("c!" + strings.Repeat("c", 199))},
			`{"username":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.","Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrNameTooLong", edusphere.ProfileForm{Name: ptr(strings.Repeat("n", 201))},
			`{"name":["Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrBioTooLong", edusphere.ProfileForm{Bio: ptr(strings.Repeat("é", 501))},
			`{"bio":["Ensure this value has at most 500 characters (it has 501)."]}`},
		{"OKBioTrimmedToLimit", edusphere.ProfileForm{Bio: ptr(" " + strings.Repeat("b", 500) + " ")}, `{}`},
		{"ErrFieldOrder", edusphere.ProfileForm{Bio: ptr(strings.Repeat("b", 501)), Name: ptr(""), Username: ptr("bob")},
			`{"username":["User with this Username already exists."],"name":["This field is required."],"bio":["Ensure this value has at most 500 characters (it has 501)."]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.form
			fe, err := f.Validate(context.Background(), s.Users, ann.ID)
			if err != nil {
				t.Fatalf("Validate=%v", err)
			}
			wantFields(t, fe, tt.want)
		})
	}
	t.Run("OKTrimsAndUpdates", func(t *testing.T) {
		f := edusphere.ProfileForm{Username: ptr(" Ann_2 "), Name: ptr(" Ann B "), Bio: ptr(" hi ")}
		if fe, err := f.Validate(context.Background(), s.Users, ann.ID); err != nil || len(fe) > 0 {
			t.Fatalf("Validate=%v, %v", fe, err)
		}
		upd := f.Update()
		if *upd.Username != "Ann_2" || *upd.Name != "Ann B" || *upd.Bio != "hi" || upd.Avatar != nil || upd.IsActive != nil {
			t.Fatalf("Update=%+v", upd)
		}
	})
}

func TestRoomForm(t *testing.T) {
	tests := []struct {
		name string
		form edusphere.RoomForm
		want string
	}{
		{"OK", edusphere.RoomForm{Name: ptr("Go Study 2"), Description: ptr("")}, `{}`},
		{"OKNothingGiven", edusphere.RoomForm{}, `{}`},
		{"ErrNameRequired", edusphere.RoomForm{Name: ptr("   ")}, `{"name":["This field is required."]}`},
		{"ErrNameChars", edusphere.RoomForm{Name: ptr("Go-Study!")}, `{"name":["Room name can only contain letters and numbers."]}`},
		{"ErrNameCharsAndLength", edusphere.RoomForm{Name: ptr(strings.Repeat("é", 201))},
			`{"name":["Room name can only contain letters and numbers.","Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrNameLength", edusphere.RoomForm{Name: ptr(strings.Repeat("a", 201))},
			`{"name":["Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrDescriptionLength", edusphere.RoomForm{Description: ptr(strings.Repeat("d", 501))},
			`{"description":["Ensure this value has at most 500 characters (it has 501)."]}`},
		{"ErrBoth", edusphere.RoomForm{Name: ptr(""), Description: ptr(strings.Repeat("d", 501))},
			`{"name":["This field is required."],"description":["Ensure this value has at most 500 characters (it has 501)."]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.form
			wantFields(t, f.Validate(), tt.want)
		})
	}
	t.Run("OKTrimsKeepsInnerSpaces", func(t *testing.T) {
		f := edusphere.RoomForm{Name: ptr("  Go  Study "), Description: ptr(" about Go\n")}
		if fe := f.Validate(); len(fe) > 0 {
			t.Fatalf("Validate=%v", fe)
		}
		if *f.Name != "Go  Study" || *f.Description != "about Go" {
			t.Fatalf("form=%q %q", *f.Name, *f.Description)
		}
	})
}

func TestRoomAdminForm(t *testing.T) {
	h := testdb.SQLite(t)
	ctx := context.Background()
	host := testdb.MustCreateUser(t, ctx, h.Services, nil)
	room := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Calculus Club", TopicName: "Maths"})
	testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Poetry Corner", TopicName: "Poetry"})
	otherHosts := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{Name: "Elsewhere", TopicName: "Maths"})
	tests := []struct {
		name string
		form edusphere.RoomAdminForm
		want string
	}{
		{"OKUnchanged", edusphere.RoomAdminForm{Slug: "calculus-club", Topic: "Maths"}, `{}`},
		{"OKFreeSlug", edusphere.RoomAdminForm{Slug: " calc_club-2 ", Topic: " Calculus "}, `{}`},
		{"OKSlugOfAnotherHost", edusphere.RoomAdminForm{Slug: otherHosts.Slug, Topic: "Maths"}, `{}`},
		{"ErrRequired", edusphere.RoomAdminForm{Slug: " ", Topic: ""},
			`{"slug":["This field is required."],"topic":["This field is required."]}`},
		{"ErrSlugInvalid", edusphere.RoomAdminForm{Slug: "not a slug!", Topic: "Maths"},
			`{"slug":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}`},
		{"ErrSlugTooLong", edusphere.RoomAdminForm{Slug: strings.Repeat("s", 201), Topic: "Maths"},
			`{"slug":["Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrSlugTaken", edusphere.RoomAdminForm{Slug: "poetry-corner", Topic: "Maths"},
			`{"slug":["The host already has a room with this slug."]}`},
		{"ErrTopicLetters", edusphere.RoomAdminForm{Slug: "calculus-club", Topic: "Maths 101"},
			`{"topic":["Topic name must consist of letters only."]}`},
		{"ErrTopicTooLongNotLetters", edusphere.RoomAdminForm{Slug: "calculus-club", Topic: strings.Repeat("1", 201)},
			`{"topic":["Ensure this value has at most 200 characters (it has 201)."]}`},
		{"ErrDescription", edusphere.RoomAdminForm{Slug: "calculus-club", Topic: "Maths", Description: strings.Repeat("d", 501)},
			`{"description":["Ensure this value has at most 500 characters (it has 501)."]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.form
			fe, err := f.Validate(ctx, h.Services.Rooms, room)
			if err != nil {
				t.Fatalf("Validate=%v", err)
			}
			wantFields(t, fe, tt.want)
		})
	}
}

func TestLoginForm(t *testing.T) {
	tests := []struct {
		name, email, password string
		want                  string
		wantEmail             string
	}{
		{"OK", " ann@example.com ", " pw ", `{}`, "ann@example.com"},
		{"ErrRequired", "  ", "", `{"email":["This field is required."],"password":["This field is required."]}`, ""},
		{"OKAnyPassword", "a", " ", `{}`, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := edusphere.LoginForm{Email: tt.email, Password: tt.password}
			wantFields(t, f.Validate(), tt.want)
			if f.Email != tt.wantEmail || f.Password != tt.password {
				t.Fatalf("form=%+v, want email %q and the password as typed", f, tt.wantEmail)
			}
		})
	}
}

func TestFormLookupFails(t *testing.T) {
	h := testdb.SQLite(t)
	s := h.Services
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&edusphere.RegisterForm{Username: "x", Name: "x", Email: "x@example.com"}).Validate(ctx, s.Users, nil); err == nil {
		t.Fatal("RegisterForm.Validate on a cancelled context=nil, want the lookup's error")
	}
	if _, err := (&edusphere.ProfileForm{Username: ptr("x")}).Validate(ctx, s.Users, uuid.New()); err == nil {
		t.Fatal("ProfileForm.Validate on a cancelled context=nil, want the lookup's error")
	}
}
