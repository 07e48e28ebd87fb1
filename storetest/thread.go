package storetest

import (
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// testThreads covers replies, search and reports (docs/data.md,
// "Replies", "Search", "Reports").
func testThreads(t *testing.T, open opener) {
	t.Run("Replies", func(t *testing.T) { testReplies(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
	t.Run("Reports", func(t *testing.T) { testReports(t, open) })
}

func testReplies(t *testing.T, open opener) {
	e := newEnv(t, open)
	ann := e.user(t, "ann")
	r := e.room(t, ann, "Chat", "Go")
	other := e.room(t, ann, "Other", "Go")
	parent := e.message(t, r, ann, "the question")
	elsewhere := e.message(t, other, ann, "elsewhere")

	t.Run("OK", func(t *testing.T) {
		m := &edusphere.Message{RoomID: r.ID, UserID: ann.ID, Body: "the answer", ReplyTo: &parent.ID}
		mustOK(t, "CreateMessage", e.s.Messages.CreateMessage(e.ctx, m))
		if m.ReplyID() != parent.ID {
			t.Fatalf("ReplyTo=%v, want %v", m.ReplyTo, parent.ID)
		}
		got, err := e.s.Messages.FindMessageByID(e.ctx, m.ID)
		mustOK(t, "FindMessageByID", err)
		if got.ReplyID() != parent.ID {
			t.Fatalf("stored ReplyTo=%v, want %v", got.ReplyTo, parent.ID)
		}
		// The parent's deletion leaves the reply, still naming it.
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, parent.ID))
		msgs, _, err := e.s.Messages.FindMessages(e.ctx, edusphere.MessageFilter{RoomID: &r.ID})
		mustOK(t, "FindMessages", err)
		if len(msgs) != 1 || msgs[0].ID != m.ID || msgs[0].ReplyID() != parent.ID {
			t.Fatalf("FindMessages=%v, want the reply naming its deleted parent", msgs)
		}
		if plain := e.message(t, r, ann, "plain"); plain.ReplyTo != nil {
			t.Fatalf("ReplyTo=%v, want nil", plain.ReplyTo)
		}
	})

	for _, tc := range []struct {
		name    string
		replyTo uuid.UUID
	}{
		{"ErrOtherRoom", elsewhere.ID},
		{"ErrUnknown", uuid.New()},
		{"ErrDeleted", parent.ID}, // deleted by "OK"
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.changes(t, r, 0).Seq
			m := &edusphere.Message{RoomID: r.ID, UserID: ann.ID, Body: "x", ReplyTo: &tc.replyTo}
			wantErr(t, e.s.Messages.CreateMessage(e.ctx, m), edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
			if after := e.changes(t, r, 0).Seq; after != before {
				t.Fatalf("room seq=%d, want %d: a refused reply changed the room", after, before)
			}
		})
	}

	t.Run("Batch", func(t *testing.T) {
		first := uuid.New()
		res := e.s.Messages.CommitChat(e.ctx, []edusphere.ChatOp{
			{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: ann.ID, MessageID: first, Body: "first"},
			{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: ann.ID, Body: "to first", ReplyTo: first},
			{Kind: edusphere.ChatCreate, RoomID: other.ID, UserID: ann.ID, Body: "wrong room", ReplyTo: first},
			{Kind: edusphere.ChatDelete, RoomID: r.ID, UserID: ann.ID, MessageID: first},
			{Kind: edusphere.ChatCreate, RoomID: r.ID, UserID: ann.ID, Body: "too late", ReplyTo: first},
		})
		for i, want := range []string{"", "", edusphere.ENOTFOUND, "", edusphere.ENOTFOUND} {
			if got := edusphere.ErrorCode(res[i].Err); got != want {
				t.Fatalf("result %d: ErrorCode=%q (%v), want %q", i, got, res[i].Err, want)
			}
		}
		if res[1].Message.ReplyID() != first {
			t.Fatalf("ReplyTo=%v, want %v", res[1].Message.ReplyTo, first)
		}
		got, err := e.s.Messages.FindMessageByID(e.ctx, res[1].Message.ID)
		mustOK(t, "FindMessageByID", err)
		if got.ReplyID() != first {
			t.Fatalf("stored ReplyTo=%v, want %v", got.ReplyTo, first)
		}
	})
}

// search runs a query for user and fails t on error.
func (e *env) search(t *testing.T, user *edusphere.User, query string, room *uuid.UUID, first int, after *edusphere.SearchCursor) *edusphere.SearchPage {
	t.Helper()
	terms, err := edusphere.SearchTerms(query)
	mustOK(t, "SearchTerms", err)
	p, err := e.s.Search.SearchMessages(e.ctx, edusphere.SearchQuery{UserID: user.ID, Terms: terms, RoomID: room, First: first, After: after})
	mustOK(t, "SearchMessages", err)
	return p
}

func hitBodies(p *edusphere.SearchPage) string {
	var out []string
	for _, h := range p.Hits {
		out = append(out, h.Message.Body)
	}
	return strings.Join(out, "|")
}

func testSearch(t *testing.T, open opener) {
	e := newEnv(t, open)
	ann := e.user(t, "ann")
	bob := e.user(t, "bob")
	eve := e.user(t, "eve")
	r := e.room(t, ann, "Chat", "Go")
	other := e.room(t, bob, "Other", "Go")
	e.join(t, r, bob)
	e.message(t, r, ann, "Goroutines are cheap")
	e.message(t, r, bob, "channels <b>and</b> goroutines")
	e.message(t, r, ann, "nothing to see")
	e.message(t, other, bob, "GOROUTINE leak in other room")
	edit := e.message(t, r, ann, "old wording")

	for _, tc := range []struct {
		name  string
		user  *edusphere.User
		query string
		room  *uuid.UUID
		want  string
	}{
		{"PrefixAnyCase", ann, "gorout", nil, "channels <b>and</b> goroutines|Goroutines are cheap"},
		{"AllTerms", ann, "goroutines CHEAP", nil, "Goroutines are cheap"},
		{"OnlyOwnRooms", bob, "goroutine", nil, "GOROUTINE leak in other room|channels <b>and</b> goroutines|Goroutines are cheap"},
		{"RoomFilter", bob, "goroutine", &other.ID, "GOROUTINE leak in other room"},
		{"NotParticipant", eve, "goroutine", nil, ""},
		{"NotParticipantRoom", ann, "goroutine", &other.ID, ""},
		{"NoMatch", ann, "rust", nil, ""},
		{"MarkupIsText", ann, "and", nil, "channels <b>and</b> goroutines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hitBodies(e.search(t, tc.user, tc.query, tc.room, 50, nil)); got != tc.want {
				t.Fatalf("results=%q, want %q", got, tc.want)
			}
		})
	}

	t.Run("Snippet", func(t *testing.T) {
		p := e.search(t, ann, "and", nil, 50, nil)
		if len(p.Hits) != 1 {
			t.Fatalf("len(Hits)=%d, want 1", len(p.Hits))
		}
		if got, want := p.Hits[0].Snippet, "channels &lt;b&gt;<mark>and</mark>&lt;/b&gt; goroutines"; got != want {
			t.Fatalf("Snippet=%q, want %q", got, want)
		}
	})

	t.Run("EditAndDelete", func(t *testing.T) {
		body := "new wording"
		_, err := e.s.Messages.UpdateMessage(e.ctx, edit.ID, edusphere.MessageUpdate{Body: &body})
		mustOK(t, "UpdateMessage", err)
		if got := hitBodies(e.search(t, ann, "old", nil, 50, nil)); got != "" {
			t.Fatalf("old words found %q after the edit", got)
		}
		if got := hitBodies(e.search(t, ann, "wording", nil, 50, nil)); got != body {
			t.Fatalf("results=%q, want %q", got, body)
		}
		mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, edit.ID))
		if got := hitBodies(e.search(t, ann, "wording", nil, 50, nil)); got != "" {
			t.Fatalf("deleted message found: %q", got)
		}
	})

	t.Run("Paging", func(t *testing.T) {
		var want []string
		for i := 0; i < 7; i++ {
			m := e.message(t, r, ann, "page word "+string(rune('a'+i)))
			want = append([]string{m.Body}, want...)
		}
		var got []string
		var after *edusphere.SearchCursor
		for pages := 0; ; pages++ {
			if pages > 4 {
				t.Fatal("paging does not end")
			}
			p := e.search(t, ann, "page word", nil, 3, after)
			for _, h := range p.Hits {
				got = append(got, h.Message.Body)
			}
			if !p.HasNext {
				break
			}
			c, err := edusphere.ParseSearchCursor(p.Hits[len(p.Hits)-1].Cursor)
			mustOK(t, "ParseSearchCursor", err)
			after = c
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("pages=%q, want %q", got, want)
		}
	})

	t.Run("ErrBounds", func(t *testing.T) {
		for _, q := range []edusphere.SearchQuery{
			{UserID: ann.ID, First: 10},
			{UserID: ann.ID, Terms: []string{"go"}, First: 0},
			{UserID: ann.ID, Terms: []string{"go"}, First: edusphere.MaxSearchFirst + 1},
		} {
			_, err := e.s.Search.SearchMessages(e.ctx, q)
			wantErr(t, err, edusphere.EINVALID, "")
		}
	})
}

func testReports(t *testing.T, open opener) {
	e := newEnv(t, open)
	ann := e.user(t, "ann")
	bob := e.user(t, "bob")
	cat := e.user(t, "cat")
	staff := e.user(t, "staff")
	r := e.room(t, ann, "Chat", "Go")
	m := e.message(t, r, ann, "rude words")
	report := func(t *testing.T, by *edusphere.User, msg uuid.UUID, reason string) (*edusphere.Report, error) {
		t.Helper()
		rep := &edusphere.Report{MessageID: msg, ReporterID: by.ID, Reason: reason}
		return rep, e.s.Reports.CreateReport(e.ctx, rep)
	}

	first, err := report(t, bob, m.ID, "spam")
	mustOK(t, "CreateReport", err)
	if first.ID == 0 || first.Status != edusphere.ReportOpen || first.RoomID != r.ID || first.AuthorID != ann.ID ||
		first.Body != m.Body || first.Created.IsZero() {
		t.Fatalf("CreateReport filled %+v", first)
	}
	second, err := report(t, cat, m.ID, "abuse")
	mustOK(t, "CreateReport", err)

	for _, tc := range []struct {
		name      string
		by        *edusphere.User
		msg       uuid.UUID
		reason    string
		code, txt string
	}{
		{"ErrOpenAlready", bob, m.ID, "again", edusphere.ECONFLICT, edusphere.MsgReportOpen},
		{"ErrUnknownMessage", bob, uuid.New(), "x", edusphere.ENOTFOUND, edusphere.MsgMessageNotFound},
		{"ErrBlankReason", bob, m.ID, "  ", edusphere.EINVALID, ""},
		{"ErrLongReason", bob, m.ID, strings.Repeat("é", edusphere.MaxReportReasonLength+1), edusphere.EINVALID, ""},
		{"ErrUnknownReporter", &edusphere.User{ID: uuid.New()}, m.ID, "x", edusphere.ENOTFOUND, edusphere.MsgUserNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report(t, tc.by, tc.msg, tc.reason)
			wantErr(t, err, tc.code, tc.txt)
		})
	}

	openStatus := edusphere.ReportOpen
	list, total, err := e.s.Reports.FindReports(e.ctx, edusphere.ReportFilter{Status: &openStatus})
	mustOK(t, "FindReports", err)
	if total != 2 || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("FindReports=%d %v, want the two, newest first", total, list)
	}

	_, err = e.s.Reports.ResolveReport(e.ctx, first.ID, edusphere.ReportOpen, staff.ID)
	wantErr(t, err, edusphere.EINVALID, "")
	_, err = e.s.Reports.ResolveReport(e.ctx, 1<<40, edusphere.ReportDismissed, staff.ID)
	wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgReportNotFound)

	got, err := e.s.Reports.ResolveReport(e.ctx, first.ID, edusphere.ReportDismissed, staff.ID)
	mustOK(t, "ResolveReport", err)
	if got.Status != edusphere.ReportDismissed || got.ResolvedBy == nil || *got.ResolvedBy != staff.ID || got.Resolved == nil {
		t.Fatalf("ResolveReport=%+v", got)
	}
	// The decision closes every open report of the message.
	other, err := e.s.Reports.FindReportByID(e.ctx, second.ID)
	mustOK(t, "FindReportByID", err)
	if other.Status != edusphere.ReportDismissed {
		t.Fatalf("other report Status=%q, want dismissed", other.Status)
	}
	_, err = e.s.Reports.ResolveReport(e.ctx, first.ID, edusphere.ReportDeleted, staff.ID)
	wantErr(t, err, edusphere.ECONFLICT, edusphere.MsgReportClosed)
	if _, total, _ := e.s.Reports.FindReports(e.ctx, edusphere.ReportFilter{Status: &openStatus}); total != 0 {
		t.Fatalf("open reports=%d, want 0", total)
	}

	// Once closed, the message can be reported again; the report outlives
	// the message.
	again, err := report(t, bob, m.ID, "still rude")
	mustOK(t, "CreateReport", err)
	mustOK(t, "DeleteMessage", e.s.Messages.DeleteMessage(e.ctx, m.ID))
	kept, err := e.s.Reports.FindReportByID(e.ctx, again.ID)
	mustOK(t, "FindReportByID", err)
	if kept.Body != "rude words" || kept.Status != edusphere.ReportOpen {
		t.Fatalf("report after the deletion=%+v", kept)
	}
}
