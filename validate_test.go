package edusphere

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// The examples of docs/data.md, Slugs and Room slugs.
		{"Lowercase", "JohnDoe", "johndoe"},
		{"KeepsUnderscoreAndDash", "under_score-Dash9", "under_score-dash9"},
		{"TrimsUnderscores", "_x_", "x"},
		{"TrimsDashesKeepsInnerUnderscores", "--Hello__World--", "hello__world"},
		{"CollapsesDashes", "a--b", "a-b"},
		{"OnlyDashesIsEmpty", "---", ""},
		{"RoomName", "Room A", "room-a"},
		{"RoomNameSpaces", "Padded  Name", "padded-name"},
		{"Digits", "2024", "2024"},
		// Django's further behaviour.
		{"Empty", "", ""},
		{"AccentsFolded", "Héllo Wörld", "hello-world"},
		{"NonLatinDropped", "Привет", ""},
		{"PunctuationDropped", "a.b!c?", "abc"},
		{"WhitespaceAndDashRun", "a - \t b", "a-b"},
		{"UnderscoreDashKept", "a_-_b", "a_-_b"},
		{"LigatureDecomposed", "ﬁle", "file"},
		{"TrailingSpace", "x ", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Slugify(tt.in); got != tt.want {
				t.Fatalf("Slugify(%q)=%q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPyRepr(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Plain", "abc", `'abc'`},
		{"Empty", "", `''`},
		{"SingleQuoteUsesDoubleQuotes", "it's", `"it's"`},
		{"DoubleQuoteStaysSingle", `say "hi"`, `'say "hi"'`},
		{"BothQuotesEscapeSingle", `it's "x"`, `'it\'s "x"'`},
		{"Backslash", `a\b`, `'a\\b'`},
		{"Newline", "a\nb", `'a\nb'`},
		{"CarriageReturnAndTab", "a\r\tb", `'a\r\tb'`},
		{"ControlByte", "a\x01b", `'a\x01b'`},
		{"Delete", "\x7f", `'\x7f'`},
		{"PrintableNonASCIIKept", "“slug” é", `'“slug” é'`},
		{"NoBreakSpace", "a\u00a0b", `'a\xa0b'`},
		{"ZeroWidthSpace", "a\u200bb", `'a\u200bb'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pyRepr(tt.in); got != tt.want {
				t.Fatalf("pyRepr(%q)=%s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestFieldErrors_Repr(t *testing.T) {
	tests := []struct {
		name string
		fe   FieldErrors
		want string
	}{
		{"Empty", nil, "{}"},
		{"RoomTaken", FieldErrors{{Field: "__all__", Messages: []string{MsgRoomNameTaken}}},
			"{'__all__': ['You already have a room with this name.']}"},
		{"UsernameTaken", FieldErrors{{Field: "username", Messages: []string{MsgUsernameTaken}}},
			"{'username': ['User with this Username already exists.']}"},
		{"SeveralInOrder", FieldErrors{
			{Field: "name", Messages: []string{MsgBlank, "b"}},
			{Field: "slug", Messages: []string{MsgInvalidSlug}},
		}, "{'name': ['This field cannot be blank.', 'b'], 'slug': ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.']}"},
		{"QuoteInMessage", FieldErrors{{Field: "x", Messages: []string{"don't"}}}, `{'x': ["don't"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fe.Repr(); got != tt.want {
				t.Fatalf("Repr()=%s, want %s", got, tt.want)
			}
		})
	}
}

func TestFieldErrors_MarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		fe   FieldErrors
		want string
	}{
		{"Nil", nil, `{}`},
		{"InsertionOrderKept", FieldErrors{
			{Field: "username", Messages: []string{"u1"}},
			{Field: "email", Messages: []string{"e1", "e2"}},
			{Field: "__all__", Messages: []string{"a"}},
		}, `{"username":["u1"],"email":["e1","e2"],"__all__":["a"]}`},
		{"Escapes", FieldErrors{{Field: `q"`, Messages: []string{"line\nbreak", "“slug”"}}},
			`{"q\"":["line\nbreak","“slug”"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.fe)
			if err != nil {
				t.Fatal(err)
			} else if string(b) != tt.want {
				t.Fatalf("Marshal=%s, want %s", b, tt.want)
			}
			// Inside a struct the order must survive as well.
			b, err = json.Marshal(struct {
				Errors FieldErrors `json:"errors"`
			}{tt.fe})
			if err != nil {
				t.Fatal(err)
			} else if want := `{"errors":` + tt.want + `}`; string(b) != want {
				t.Fatalf("Marshal=%s, want %s", b, want)
			}
		})
	}
}

func TestFieldErrors_Add(t *testing.T) {
	var fe FieldErrors
	fe.Add("b", "1")
	fe.Add("a", "2")
	fe.Add("b", "3")
	if got, want := fe.Repr(), "{'b': ['1', '3'], 'a': ['2']}"; got != want {
		t.Fatalf("Repr()=%s, want %s", got, want)
	}
	if !fe.Has("a") || fe.Has("c") {
		t.Fatalf("Has(a)=%v Has(c)=%v, want true false", fe.Has("a"), fe.Has("c"))
	}
	if got := fe.Get("b"); len(got) != 2 || got[1] != "3" {
		t.Fatalf("Get(b)=%v, want [1 3]", got)
	}
}

func TestIsEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a@b.co", true},
		{"john.doe@example.com", true},
		{"user+tag@sub.example.org", true},
		{"UPPER@EXAMPLE.COM", true},
		{"x@localhost", true},
		{`"quoted.user"@example.com`, true},
		{`"quoted user"@example.com`, false},
		{"a@[127.0.0.1]", true},
		{"a@[IPv6:2001:db8::1]", true},
		{"a@bücher.de", true},
		{"a@my-host.example.com", true},
		{"", false},
		{"plain", false},
		{"@example.com", false},
		{"a@", false},
		{"a@b", false},
		{"a@b.c", false},
		{"a b@example.com", false},
		{"a..b@example.com", false},
		{".a@example.com", false},
		{"a@-x.com", false},
		{"a@x-.com", false},
		{"a@x.com-", false},
		{"a@x..com", false},
		{"a@example.com\n", false},
		{"a@[999.1.1.1]", false},
		{"a@[IPv6:127.0.0.1]", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IsEmail(tt.in); got != tt.want {
				t.Fatalf("IsEmail(%q)=%v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsSlugRoomNameTopicName(t *testing.T) {
	tests := []struct {
		fn   func(string) bool
		name string
		in   string
		want bool
	}{
		{IsSlug, "SlugOK", "a-b_C9", true},
		{IsSlug, "SlugEmpty", "", false},
		{IsSlug, "SlugSpace", "a b", false},
		{IsSlug, "SlugUnicode", "é", false},
		{IsRoomName, "RoomOK", "Room 42", true},
		{IsRoomName, "RoomDash", "Room-42", false},
		{IsRoomName, "RoomEmpty", "", false},
		{IsTopicName, "TopicOK", "Python", true},
		{IsTopicName, "TopicSpace", "Go Lang", false},
		{IsTopicName, "TopicDigit", "Go2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Fatalf("%s(%q)=%v, want %v", tt.name, tt.in, got, tt.want)
			}
		})
	}
}

func TestLen(t *testing.T) {
	if got := Len("héllo👋"); got != 6 {
		t.Fatalf("Len=%d, want 6", got)
	}
}

// wantModelError checks that err is the EINVALID model error with message repr.
func wantModelError(t *testing.T, err error, repr string) {
	t.Helper()
	if repr == "" {
		if err != nil {
			t.Fatalf("err=%v, want nil", err)
		}
		return
	}
	if code := ErrorCode(err); code != EINVALID {
		t.Fatalf("ErrorCode=%q, want %q (err=%v)", code, EINVALID, err)
	}
	if got := ErrorMessage(err); got != repr {
		t.Fatalf("ErrorMessage=%s, want %s", got, repr)
	}
}

func TestValidateSearch(t *testing.T) {
	for _, tt := range []struct {
		name   string
		search *string
		want   string
	}{
		{"OKNil", nil, ""},
		{"OKEmpty", strPtr(""), ""},
		{"OKAtBound", strPtr(strings.Repeat("日", MaxSearchLength)), ""},
		{"ErrTooLong", strPtr(strings.Repeat("日", MaxSearchLength+1)), "Ensure this value has at most 500 characters (it has 501)."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSearch(tt.search)
			var e *Error
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err=%v, want nil", err)
			case tt.want != "" && (!errors.As(err, &e) || e.Code != EINVALID || len(e.Fields) != 1 ||
				e.Fields[0].Field != "search" || e.Fields[0].Messages[0] != tt.want):
				t.Fatalf("err=%#v, want the search form error %q", err, tt.want)
			}
		})
	}
}

func strPtr(s string) *string { return &s }
