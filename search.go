package edusphere

import (
	"context"
	"encoding/base64"
	"html"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Bounds of a message search (docs/limits.md, "Search").
const (
	// MaxSearchQueryLength bounds the query text, in code points.
	MaxSearchQueryLength = 200
	// MaxSearchTerms bounds the words of a query.
	MaxSearchTerms = 8
	// MinSearchTermLength is the shortest word searched for; shorter ones
	// are left out, since a prefix of one letter matches most messages.
	MinSearchTermLength = 2
	// MaxSearchFirst bounds a page of results; DefaultSearchFirst is the
	// page without first.
	MaxSearchFirst     = 50
	DefaultSearchFirst = 20
	// SnippetLength is how many code points of a body a result shows.
	SnippetLength = 160
)

// Messages of the search errors.
const (
	MsgSearchNoTerms     = "Enter at least one word of 2 or more letters or digits."
	MsgSearchTooManyTerm = "Enter at most 8 words."
	MsgSearchFirst       = "Ensure this value is between 1 and 50."
	MsgSearchCursor      = "Invalid cursor."
)

// CanSearchMessages is the visibility rule of search: a user finds the
// messages of the rooms they take part in (participant), and no others.
// Stores apply it to every result row; see docs/data.md, "Search".
func CanSearchMessages(user *User, participant bool) bool {
	return user != nil && participant
}

// SearchTerms splits a query into its lower-case words: runs of letters
// and digits of at least MinSearchTermLength code points, without
// duplicates. Returns EINVALID (field "query") for a query over
// MaxSearchQueryLength, without words, or with more than MaxSearchTerms.
func SearchTerms(query string) ([]string, error) {
	if n := Len(query); n > MaxSearchQueryLength {
		return nil, FormError(FieldErrors{{Field: "query", Messages: []string{MsgMaxLength(MaxSearchQueryLength, n)}}})
	}
	var terms []string
	seen := make(map[string]bool)
	for _, w := range strings.FieldsFunc(query, notWordRune) {
		w = strings.ToLower(w)
		if Len(w) < MinSearchTermLength || seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, w)
	}
	switch {
	case len(terms) == 0:
		return nil, FormError(FieldErrors{{Field: "query", Messages: []string{MsgSearchNoTerms}}})
	case len(terms) > MaxSearchTerms:
		return nil, FormError(FieldErrors{{Field: "query", Messages: []string{MsgSearchTooManyTerm}}})
	}
	return terms, nil
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// SearchFirst returns the page size for first (nil: DefaultSearchFirst),
// or EINVALID (field "first") outside 1..MaxSearchFirst.
func SearchFirst(first *int) (int, error) {
	if first == nil {
		return DefaultSearchFirst, nil
	}
	if *first < 1 || *first > MaxSearchFirst {
		return 0, FormError(FieldErrors{{Field: "first", Messages: []string{MsgSearchFirst}}})
	}
	return *first, nil
}

// SearchCursor is a place in the newest-first order of results: after the
// message created at Created with ID.
type SearchCursor struct {
	Created time.Time
	ID      uuid.UUID
}

// String encodes the cursor as an opaque string.
func (c SearchCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Created.UTC().Format(time.RFC3339Nano) + "|" + c.ID.String()))
}

// ParseSearchCursor decodes SearchCursor.String, or returns EINVALID
// (field "after").
func ParseSearchCursor(s string) (*SearchCursor, error) {
	bad := FormError(FieldErrors{{Field: "after", Messages: []string{MsgSearchCursor}}})
	if len(s) > 128 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return nil, bad
	}
	t, err1 := time.Parse(time.RFC3339Nano, ts)
	u, err2 := uuid.Parse(id)
	if err1 != nil || err2 != nil {
		return nil, bad
	}
	return &SearchCursor{Created: t.UTC(), ID: u}, nil
}

// SearchQuery asks SearchService.SearchMessages for a page of results.
type SearchQuery struct {
	// UserID is the searcher: only the rooms they take part in are searched.
	UserID uuid.UUID
	// Terms are the words of SearchTerms; a message matches when it has,
	// for every term, a word starting with it (case-insensitive).
	Terms []string
	// RoomID, when set, keeps the results of that room.
	RoomID *uuid.UUID
	// First is the page size, 1..MaxSearchFirst.
	First int
	// After is the cursor of the last result of the previous page.
	After *SearchCursor
}

// Validate checks the bounds before a store runs the query.
func (q *SearchQuery) Validate() error {
	if len(q.Terms) == 0 || len(q.Terms) > MaxSearchTerms {
		return FormError(FieldErrors{{Field: "query", Messages: []string{MsgSearchNoTerms}}})
	}
	if q.First < 1 || q.First > MaxSearchFirst {
		return FormError(FieldErrors{{Field: "first", Messages: []string{MsgSearchFirst}}})
	}
	return nil
}

// SearchHit is one result: the message and its highlighted snippet.
type SearchHit struct {
	Message *Message
	// Snippet is HTML: the body's text escaped, with the matched words in
	// <mark> elements (see Snippet).
	Snippet string
	Cursor  string
}

// SearchPage is one page of results, newest first.
type SearchPage struct {
	Hits    []*SearchHit
	HasNext bool
	// EndCursor is the cursor of the last hit, nil without hits.
	EndCursor *string
}

// NewSearchPage builds the page of q from the messages a store read: up
// to q.First+1, newest first.
func NewSearchPage(q SearchQuery, msgs []*Message) *SearchPage {
	p := &SearchPage{Hits: []*SearchHit{}}
	if len(msgs) > q.First {
		msgs, p.HasNext = msgs[:q.First], true
	}
	for _, m := range msgs {
		p.Hits = append(p.Hits, &SearchHit{
			Message: m,
			Snippet: Snippet(m.Body, q.Terms),
			Cursor:  SearchCursor{Created: m.Created, ID: m.ID}.String(),
		})
	}
	if n := len(p.Hits); n > 0 {
		p.EndCursor = &p.Hits[n-1].Cursor
	}
	return p
}

// SearchService finds messages by their words.
type SearchService interface {
	// SearchMessages returns the messages matching q newest first (created,
	// then id, descending), only of rooms q.UserID takes part in
	// (CanSearchMessages). Returns EINVALID for a query out of bounds.
	SearchMessages(ctx context.Context, q SearchQuery) (*SearchPage, error)
}

// Snippet returns body as HTML for a search result: at most SnippetLength
// code points around its first match, HTML-escaped first, then every word
// that starts with one of terms wrapped in <mark>; "…" marks a cut.
func Snippet(body string, terms []string) string {
	type span struct{ start, end int } // byte offsets of a matched word
	var marks []span
	start := -1
	check := func(end int) {
		w := strings.ToLower(body[start:end])
		for _, t := range terms {
			if strings.HasPrefix(w, t) {
				marks = append(marks, span{start, end})
				break
			}
		}
		start = -1
	}
	for i, r := range body {
		if notWordRune(r) {
			if start >= 0 {
				check(i)
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		check(len(body))
	}

	// The window: from a little before the first match, SnippetLength
	// code points long.
	from, to := 0, len(body)
	if utf8.RuneCountInString(body) > SnippetLength {
		if len(marks) > 0 {
			from = backRunes(body, marks[0].start, SnippetLength/4)
		}
		to = forwardRunes(body, from, SnippetLength)
		if to == len(body) { // near the end: show the last SnippetLength
			from = backRunes(body, len(body), SnippetLength)
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		if m.end <= from || m.start >= to {
			continue
		}
		s, e := max(m.start, from), min(m.end, to)
		b.WriteString(html.EscapeString(body[at:s]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(body[s:e]))
		b.WriteString("</mark>")
		at = e
	}
	b.WriteString(html.EscapeString(body[at:to]))
	if to < len(body) {
		b.WriteString("…")
	}
	return b.String()
}

// backRunes returns the byte offset n code points before offset i of s.
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forwardRunes returns the byte offset n code points after offset i of s.
func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
