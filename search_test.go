package edusphere_test

import (
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func TestSearchTerms(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		want        string // terms joined by "|"
		err         bool
	}{
		{"OK", "Go  channels", "go|channels", false},
		{"Punctuation", "<b>GO</b>-routines!", "go|routines", false},
		{"ShortAndDuplicate", "a go GO x", "go", false},
		{"Unicode", "Ünïcode ΛΑΜΔΑ", "ünïcode|λαμδα", false},
		{"ErrEmpty", "", "", true},
		{"ErrNoWords", "a b ! ?", "", true},
		{"ErrTooMany", "aa bb cc dd ee ff gg hh ii", "", true},
		{"ErrTooLong", strings.Repeat("é", edusphere.MaxSearchQueryLength+1), "", true},
		{"AtBound", strings.Repeat("é", edusphere.MaxSearchQueryLength), strings.Repeat("é", edusphere.MaxSearchQueryLength), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := edusphere.SearchTerms(tc.query)
			if (err != nil) != tc.err {
				t.Fatalf("err=%v, want error %v", err, tc.err)
			}
			if err != nil && edusphere.ErrorCode(err) != edusphere.EINVALID {
				t.Fatalf("ErrorCode=%q, want invalid", edusphere.ErrorCode(err))
			}
			if s := strings.Join(got, "|"); s != tc.want {
				t.Fatalf("terms=%q, want %q", s, tc.want)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("x ", 150) + "needle " + strings.Repeat("y ", 100)
	for _, tc := range []struct {
		name, body string
		terms      []string
		want       string
	}{
		{"Mark", "Go is fun, going on", []string{"go"}, "<mark>Go</mark> is fun, <mark>going</mark> on"},
		{"EscapeFirst", `<script>alert("go")</script>`, []string{"go", "script"},
			`&lt;<mark>script</mark>&gt;alert(&#34;<mark>go</mark>&#34;)&lt;/<mark>script</mark>&gt;`},
		{"MarkIsNotAWord", "mark my words", []string{"mark"}, "<mark>mark</mark> my words"},
		{"InsideWordNotMatched", "bingo", []string{"go"}, "bingo"},
		{"Window", long, []string{"needle"}, "…" + strings.Repeat("x ", 20) + "<mark>needle</mark> " +
			strings.TrimSuffix(strings.Repeat("y ", 57), " ") + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := edusphere.Snippet(tc.body, tc.terms); got != tc.want {
				t.Fatalf("Snippet=%q, want %q", got, tc.want)
			}
		})
	}
}

func TestSearchCursor(t *testing.T) {
	c := edusphere.SearchCursor{Created: time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC), ID: uuid.New()}
	got, err := edusphere.ParseSearchCursor(c.String())
	if err != nil || !got.Created.Equal(c.Created) || got.ID != c.ID {
		t.Fatalf("ParseSearchCursor=%+v, %v; want %+v", got, err, c)
	}
	for _, bad := range []string{"", "!!", "bm9wZQ", strings.Repeat("A", 200)} {
		if _, err := edusphere.ParseSearchCursor(bad); edusphere.ErrorCode(err) != edusphere.EINVALID {
			t.Fatalf("ParseSearchCursor(%q)=%v, want invalid", bad, err)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"short", "short"},
		{"  spaced \n\t out  ", "spaced out"},
		{strings.Repeat("é", 141), strings.Repeat("é", 140) + "…"},
		{strings.Repeat("é", 140), strings.Repeat("é", 140)},
	} {
		if got := edusphere.Excerpt(tc.body); got != tc.want {
			t.Fatalf("Excerpt(%q)=%q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestCheckReply(t *testing.T) {
	room, other := uuid.New(), uuid.New()
	if err := edusphere.CheckReply(room, room, true); err != nil {
		t.Fatalf("same room: %v", err)
	}
	for _, tc := range []struct {
		parentRoom uuid.UUID
		found      bool
	}{{other, true}, {room, false}, {uuid.Nil, false}} {
		if err := edusphere.CheckReply(room, tc.parentRoom, tc.found); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("CheckReply(%v, %v)=%v, want not found", tc.parentRoom, tc.found, err)
		}
	}
}
