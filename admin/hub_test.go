package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/account"
	"github.com/edusphere/edusphere/admin"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// TestDeactivateClosesSockets serves the admin with the hub-wrapped
// services, as the server does, and checks that deactivating and deleting
// users and rooms tell every process to close the affected sockets.
func TestDeactivateClosesSockets(t *testing.T) {
	ctx := context.Background()
	db := testdb.SQLite(t)
	events := make(chan edusphere.Event, 16)
	broker := inmem.NewBroker()
	broker.SetHandler(func(_ string, ev edusphere.Event) { events <- ev })
	if err := broker.Subscribe(ctx, edusphere.SystemChannel); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, db)
	notifier := hub.NewNotifier(broker, nil)
	e.srv.Config.Handler = e.auth.SecurityHeaders(e.auth.CSRF(e.auth.Middleware(admin.New(admin.Config{
		Services: notifier.Wrap(db.Services), Auth: e.auth,
		Accounts: account.New(account.Config{Store: db.Services, Notifier: notifier, Revoker: e.auth}),
	}))))
	super := e.user("owner", true, true)
	member := e.user("chatter", false, false)

	b := e.browser()
	b.login(super)
	b.get("/admin/core/user/")
	resp, _ := b.post("/admin/core/user/", url.Values{"do": {"save"}, "row": {member.ID.String()}})
	wantStatus(t, resp, http.StatusFound)

	select {
	case ev := <-events:
		if ev.Type != edusphere.EventUserDisabled || ev.UserID != member.ID {
			t.Fatalf("event=%+v, want %s for the member", ev, edusphere.EventUserDisabled)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s event after deactivation", edusphere.EventUserDisabled)
	}
}

func TestLoginRateLimit(t *testing.T) {
	db := testdb.SQLite(t)
	a := auth.New(auth.Config{
		SigningKey: []byte("rate-test-signing-key-0123456789"), SecretKey: []byte("rate-test-secret-key-0123456789"),
		LoginLimit: auth.Limit{Count: 2, Per: time.Hour},
	}, db.Services.Users, db.Services.Sessions)
	e := newEnv(t, db)
	e.auth = a
	e.srv.Config.Handler = a.SecurityHeaders(a.CSRF(a.Middleware(admin.New(admin.Config{Services: db.Services, Accounts: accounts(t, db, a), Auth: a}))))
	staff := e.user("limited", true, false)

	b := e.browser()
	b.get("/admin/login/")
	for range 2 {
		resp, body := b.post("/admin/login/", url.Values{"username": {staff.Email}, "password": {"wrong"}})
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, admin.MsgBadLogin)
	}
	resp, body := b.post("/admin/login/", url.Values{"username": {staff.Email}, "password": {password}})
	wantStatus(t, resp, http.StatusTooManyRequests)
	wantContains(t, body, admin.MsgTooManyLogins)
	if c := b.cookie(admin.SessionCookie); c != nil {
		t.Fatal("signed in past the rate limit")
	}
}
