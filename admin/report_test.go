package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/account"
	"github.com/edusphere/edusphere/admin"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// TestReports lists reports, shows one with its message in context, and
// carries out each decision staff can take, with the frames and the log
// entries each leaves, on both stores.
func TestReports(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.Handle) {
		ctx := context.Background()
		events := make(chan edusphere.Event, 64)
		broker := inmem.NewBroker()
		t.Cleanup(func() { broker.Close() })
		broker.SetHandler(func(_ string, ev edusphere.Event) { events <- ev })

		e := newEnv(t, db)
		notifier := hub.NewNotifier(broker, nil)
		e.srv.Config.Handler = e.auth.SecurityHeaders(e.auth.CSRF(e.auth.Middleware(admin.New(admin.Config{
			Services: notifier.Wrap(db.Services), Auth: e.auth, Now: db.Clock.Func(),
			Accounts: account.New(account.Config{Store: db.Services, Notifier: notifier, Revoker: e.auth}),
		}))))
		staff := e.user("moderator", true, false)
		author := e.user("troll", false, false)
		reporter := e.user("victim", false, false)
		room := testdb.MustCreateRoom(t, ctx, db.Services, edusphere.RoomCreate{HostID: reporter.ID, Name: "Calm Room", TopicName: "Talk"})
		if _, err := db.Services.Rooms.JoinRoom(ctx, room.ID, author.ID); err != nil {
			t.Fatal(err)
		}
		if err := broker.Subscribe(ctx, edusphere.RoomChannel(room.ID)); err != nil {
			t.Fatal(err)
		}
		if err := broker.Subscribe(ctx, edusphere.SystemChannel); err != nil {
			t.Fatal(err)
		}
		post := func(u *edusphere.User, body string) *edusphere.Message {
			return testdb.MustCreateMessage(t, ctx, db.Services, &edusphere.Message{RoomID: room.ID, UserID: u.ID, Body: body})
		}
		report := func(m *edusphere.Message, reason string) *edusphere.Report {
			r := &edusphere.Report{MessageID: m.ID, ReporterID: reporter.ID, Reason: reason}
			if err := db.Services.Reports.CreateReport(ctx, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		for i := range 4 {
			post(reporter, fmt.Sprintf("before %d", i))
		}
		bad := post(author, "<b>you are all wrong</b>")
		for i := range 4 {
			post(reporter, fmt.Sprintf("after %d", i))
		}
		worse := post(author, "even worse")
		mild := post(author, "mild")
		rBad, rWorse, rMild := report(bad, "insults"), report(worse, "more insults"), report(mild, "meh")
		path := func(r *edusphere.Report) string { return fmt.Sprintf("/admin/core/report/%d/change/", r.ID) }

		b := e.browser()
		b.login(staff)

		t.Run("List", func(t *testing.T) {
			resp, page := b.get("/admin/core/report/")
			wantStatus(t, resp, http.StatusOK)
			wantContains(t, page, "<b>you are all wrong</b>", "insults", "Calm Room", "troll", "victim", path(rBad))
			wantEscaped(t, page)
			if n := strings.Count(page, `href="/admin/core/report/`); n < 3 {
				t.Fatalf("links to reports=%d, want 3", n)
			}
		})

		t.Run("ViewInContext", func(t *testing.T) {
			resp, page := b.get(path(rBad))
			wantStatus(t, resp, http.StatusOK)
			wantContains(t, page, "before 1", "before 3", "after 0", "after 2", `class="reported"`, "insults",
				`value="dismiss"`, `value="delete"`, `value="deactivate"`)
			wantNotContains(t, page, "before 0", "after 3")
			wantEscaped(t, page)
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			for _, p := range []string{"/admin/core/report/999999/change/", "/admin/core/report/x/change/"} {
				resp, _ := b.get(p)
				wantStatus(t, resp, http.StatusNotFound)
			}
		})

		t.Run("ErrUnknownAction", func(t *testing.T) {
			b.get(path(rMild))
			resp, _ := b.post(path(rMild), url.Values{"action": {"ban"}})
			wantStatus(t, resp, http.StatusBadRequest)
		})

		t.Run("Dismiss", func(t *testing.T) {
			b.get(path(rMild))
			resp, _ := b.post(path(rMild), url.Values{"action": {"dismiss"}})
			wantStatus(t, resp, http.StatusFound)
			wantReport(t, db, rMild, edusphere.ReportDismissed)
			if _, err := db.Services.Messages.FindMessageByID(ctx, mild.ID); err != nil {
				t.Fatalf("dismissing deleted the message: %v", err)
			}
			// Closed: a second decision is refused.
			resp, _ = b.post(path(rMild), url.Values{"action": {"delete"}})
			wantStatus(t, resp, http.StatusBadRequest)
		})

		t.Run("DeleteMessage", func(t *testing.T) {
			drain(events)
			b.get(path(rBad))
			resp, _ := b.post(path(rBad), url.Values{"action": {"delete"}})
			wantStatus(t, resp, http.StatusFound)
			wantReport(t, db, rBad, edusphere.ReportDeleted)
			if _, err := db.Services.Messages.FindMessageByID(ctx, bad.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("message err=%v, want deleted", err)
			}
			wantEvent(t, events, edusphere.EventMessageDeleted, room.ID.String())
			// The report still reads the same, with the body it kept.
			_, page := b.get(path(rBad))
			wantContains(t, page, "<b>you are all wrong</b>", "(deleted)")
			wantEscaped(t, page)
		})

		t.Run("DeactivateAuthor", func(t *testing.T) {
			drain(events)
			b.get(path(rWorse))
			resp, _ := b.post(path(rWorse), url.Values{"action": {"deactivate"}})
			wantStatus(t, resp, http.StatusFound)
			wantReport(t, db, rWorse, edusphere.ReportDeactivated)
			if u := reload(t, db, author); u.IsActive {
				t.Fatal("author still active")
			}
			wantEvent(t, events, edusphere.EventUserDisabled, author.ID.String())
		})

		t.Run("Log", func(t *testing.T) {
			acts, _, err := db.Services.AdminLog.FindAdminActions(ctx, edusphere.AdminActionFilter{ActorID: &staff.ID})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range acts {
				got = append(got, a.Action+" "+a.ObjectType)
			}
			want := "update report|update user|update report|delete message|update report"
			if strings.Join(got, "|") != want {
				t.Fatalf("log=%q, want %q", strings.Join(got, "|"), want)
			}
			_, page := b.get("/admin/log/?type=report")
			wantContains(t, page, path(rBad))
		})

		t.Run("ErrNotStaff", func(t *testing.T) {
			other := e.browser()
			resp, _ := other.get("/admin/core/report/")
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status=%d, want the login redirect", resp.StatusCode)
			}
		})
	})
}

func wantReport(t *testing.T, db *testdb.Handle, r *edusphere.Report, status edusphere.ReportStatus) {
	t.Helper()
	got, err := db.Services.Reports.FindReportByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != status || got.ResolvedBy == nil {
		t.Fatalf("report Status=%q ResolvedBy=%v, want %q by staff", got.Status, got.ResolvedBy, status)
	}
}

// wantEscaped fails unless the page shows the reported body as text.
func wantEscaped(t *testing.T, page string) {
	t.Helper()
	if strings.Contains(page, "<b>you") || !strings.Contains(page, "&lt;b&gt;you are all wrong") {
		t.Fatal("the message body is not escaped")
	}
}

func drain(ch chan edusphere.Event) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// wantEvent waits for an event of typ about id (a room's or a user's).
func wantEvent(t *testing.T, ch chan edusphere.Event, typ, id string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Type == typ && (ev.RoomID.String() == id || ev.UserID.String() == id) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s event for %s", typ, id)
		}
	}
}
