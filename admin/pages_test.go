package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/admin"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/testdb"
)

var countRe = regexp.MustCompile(`(\d+) total · page (\d+) of (\d+)`)

// pageInfo returns the total, current page and page count a list shows.
func pageInfo(t *testing.T, body string) (total, page, pages int) {
	t.Helper()
	m := countRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no page summary in:\n%s", body)
	}
	total, _ = strconv.Atoi(m[1])
	page, _ = strconv.Atoi(m[2])
	pages, _ = strconv.Atoi(m[3])
	return total, page, pages
}

// rowCount counts the rows of the results table.
func rowCount(body string) int { return strings.Count(body, `name="_selected_action"`) }

func TestUserList(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t))
	super := e.user("root", true, true)
	for i := range 30 {
		u := &edusphere.User{Username: fmt.Sprintf("member%02d", i), Email: fmt.Sprintf("member%02d@school.test", i), Name: "Member"}
		if i%3 == 0 {
			u.Name = "Zebra Keeper"
		}
		if i%10 == 0 {
			u.IsStaff = true
		}
		testdb.MustCreateUser(t, ctx, e.db.Services, u)
	}
	b := e.browser()
	b.login(super)

	for _, tt := range []struct {
		name, query       string
		total, page, rows int
	}{
		{"OK", "", 31, 1, 25},
		{"OKSecondPage", "p=2", 31, 2, 6},
		{"OKPageZero", "p=0", 31, 1, 25},
		{"OKPageNegative", "p=-3", 31, 1, 25},
		{"OKPagePastEnd", "p=99", 31, 2, 6},
		{"OKPageNotNumber", "p=abc", 31, 1, 25},
		{"OKSearchName", "q=zebra", 10, 1, 10},
		{"OKSearchEmail", "q=SCHOOL.TEST", 30, 1, 25},
		{"OKSearchUsername", "q=member1", 10, 1, 10},
		{"OKSearchNothing", "q=nobody-at-all", 0, 1, 0},
		{"OKFilterStaff", "is_staff=1", 4, 1, 4},
		{"OKFilterNotStaff", "is_staff=0", 27, 1, 25},
		{"OKFilterActive", "is_active=1&is_staff=1", 4, 1, 4},
		{"OKFilterInactive", "is_active=0", 0, 1, 0},
		{"OKFilterAndSearch", "is_staff=1&q=zebra", 1, 1, 1},
		{"OKFilterBadValue", "is_staff=maybe", 31, 1, 25},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := b.get("/admin/core/user/?" + tt.query)
			wantStatus(t, resp, http.StatusOK)
			total, page, _ := pageInfo(t, body)
			if total != tt.total || page != tt.page || rowCount(body) != tt.rows {
				t.Fatalf("total=%d page=%d rows=%d, want %d %d %d", total, page, rowCount(body), tt.total, tt.page, tt.rows)
			}
		})
	}

	t.Run("OKColumnsAndLinks", func(t *testing.T) {
		_, body := b.get("/admin/core/user/?q=member00")
		wantContains(t, body, "Name", "Username", "Email", "Bio", "Is staff", "Is active", "Last login",
			"member00@school.test", `name="staff_`, `name="active_`)
		// The page links keep the search.
		_, body = b.get("/admin/core/user/?q=member")
		wantContains(t, body, `href="/admin/core/user/?p=2&q=member"`)
	})
}

func TestUserInlineEdit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t))
	super := e.user("boss", true, true)
	staff := e.user("helper", true, false)
	target := e.user("student", false, false)

	row := func(u *edusphere.User, staffOn, activeOn bool) url.Values {
		f := url.Values{"do": {"save"}, "row": {u.ID.String()}}
		if staffOn {
			f.Set("staff_"+u.ID.String(), "on")
		}
		if activeOn {
			f.Set("active_"+u.ID.String(), "on")
		}
		return f
	}

	t.Run("ErrStaffCannotGrantStaff", func(t *testing.T) {
		b := e.browser()
		b.login(staff)
		_, body := b.get("/admin/core/user/?q=student")
		wantContains(t, body, "disabled")
		resp, _ := b.post("/admin/core/user/", row(target, true, true))
		wantStatus(t, resp, http.StatusFound)
		if got := reload(t, e.db, target); got.IsStaff || !got.IsActive {
			t.Fatalf("IsStaff=%v IsActive=%v, want false true", got.IsStaff, got.IsActive)
		}
		// The change page ignores the box too.
		b.get("/admin/core/user/" + target.ID.String() + "/change/")
		b.post("/admin/core/user/"+target.ID.String()+"/change/", url.Values{"name": {"Student"}, "is_active": {"on"}, "is_staff": {"on"}, "is_superuser": {"on"}})
		if got := reload(t, e.db, target); got.IsStaff || got.IsSuperuser {
			t.Fatalf("IsStaff=%v IsSuperuser=%v after a staff member's change form, want false", got.IsStaff, got.IsSuperuser)
		}
	})

	t.Run("ErrStaffCannotChangeSuperuser", func(t *testing.T) {
		b := e.browser()
		b.login(staff)
		b.get("/admin/core/user/")
		resp, _ := b.post("/admin/core/user/"+super.ID.String()+"/change/", url.Values{"name": {"Renamed"}})
		wantStatus(t, resp, http.StatusForbidden)
		if got := reload(t, e.db, super); got.Name != super.Name {
			t.Fatalf("superuser renamed by staff to %q", got.Name)
		}
		b.get("/admin/core/user/" + super.ID.String() + "/delete/")
		resp, _ = b.post("/admin/core/user/"+super.ID.String()+"/delete/", url.Values{"post": {"yes"}})
		wantStatus(t, resp, http.StatusForbidden)
	})

	t.Run("OKSuperuserGrantsStaff", func(t *testing.T) {
		b := e.browser()
		b.login(super)
		b.get("/admin/core/user/")
		resp, _ := b.post("/admin/core/user/", row(target, true, true))
		wantStatus(t, resp, http.StatusFound)
		if got := reload(t, e.db, target); !got.IsStaff {
			t.Fatal("IsStaff=false after a superuser's inline edit, want true")
		}
		_, body := b.get("/admin/core/user/")
		wantContains(t, body, "1 user was changed successfully.")
		// The grant is in the log with before and after.
		typ, id := "user", target.ID.String()
		acts, _, err := e.db.Services.AdminLog.FindAdminActions(ctx, edusphere.AdminActionFilter{ObjectType: &typ, ObjectID: &id})
		if err != nil || len(acts) == 0 {
			t.Fatalf("FindAdminActions=%v,%v, want an entry", acts, err)
		}
		a := acts[0]
		if a.ActorID != super.ID || a.Action != "update" || string(a.Before) != `{"is_staff":false}` || string(a.After) != `{"is_staff":true}` {
			t.Fatalf("action=%+v before=%s after=%s", a, a.Before, a.After)
		}
	})

	t.Run("OKStaffDeactivates", func(t *testing.T) {
		b := e.browser()
		b.login(staff)
		other := e.user("leaver", false, false)
		b.get("/admin/core/user/")
		resp, _ := b.post("/admin/core/user/", row(other, false, false))
		wantStatus(t, resp, http.StatusFound)
		if reload(t, e.db, other).IsActive {
			t.Fatal("IsActive=true after inline deactivation")
		}
	})

	t.Run("ErrCannotDeactivateSelf", func(t *testing.T) {
		b := e.browser()
		b.login(super)
		b.get("/admin/core/user/")
		// The own row's active box is disabled, so it is ignored.
		b.post("/admin/core/user/", row(super, true, false))
		if !reload(t, e.db, super).IsActive {
			t.Fatal("superuser deactivated themself")
		}
	})
}

func TestUserChange(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	super := e.user("chief", true, true)
	target := e.user("pupil", false, false)
	b := e.browser()
	b.login(super)
	path := "/admin/core/user/" + target.ID.String() + "/change/"

	resp, body := b.get(path)
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, body, target.Email, target.Username, "argon2id", `name="name"`, `name="bio"`, `name="is_staff"`)
	wantNotContains(t, body, target.Password, `name="email"`, `name="username"`, `name="password"`)

	for _, tt := range []struct {
		name    string
		form    url.Values
		wantMsg string
	}{
		{"ErrNameRequired", url.Values{"name": {"  "}, "is_active": {"on"}}, edusphere.MsgRequired},
		{"ErrNameTooLong", url.Values{"name": {strings.Repeat("n", 201)}, "is_active": {"on"}}, edusphere.MsgMaxLength(200, 201)},
		{"ErrBioTooLong", url.Values{"name": {"Pupil"}, "bio": {strings.Repeat("b", 501)}, "is_active": {"on"}}, edusphere.MsgMaxLength(500, 501)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := b.post(path, tt.form)
			wantStatus(t, resp, http.StatusOK)
			wantContains(t, body, tt.wantMsg)
		})
	}
	t.Run("OK", func(t *testing.T) {
		b.get(path)
		resp, _ := b.post(path, url.Values{"name": {"Pupil Renamed"}, "bio": {"Likes <b>maths</b>"}, "is_active": {"on"}})
		wantStatus(t, resp, http.StatusFound)
		got := reload(t, e.db, target)
		if got.Name != "Pupil Renamed" || got.Bio != "Likes <b>maths</b>" || got.Email != target.Email {
			t.Fatalf("user=%+v", got)
		}
		_, body := b.get("/admin/core/user/?q=pupil")
		if !strings.Contains(body, "Likes &lt;b&gt;maths&lt;/b&gt;") || strings.Contains(body, "<b>maths") {
			t.Fatal("bio not escaped in the list")
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		resp, _ := b.get("/admin/core/user/00000000-0000-4000-8000-000000000000/change/")
		wantStatus(t, resp, http.StatusNotFound)
		resp, _ = b.get("/admin/core/user/not-a-uuid/change/")
		wantStatus(t, resp, http.StatusNotFound)
	})
}

// TestDeactivate checks that deactivating a user in the admin ends their
// API session (their access token stops working at once) and their admin
// session, on every store.
func TestDeactivate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.Handle) {
		ctx := context.Background()
		e := newEnv(t, db)
		super := e.user("head", true, true)
		member := e.user("member", true, false)

		login, err := e.auth.Login(ctx, member.Email, password, auth.ClientMeta{Address: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if u, err := e.auth.Authenticate(ctx, login.Token); err != nil || u == nil || u.ID != member.ID {
			t.Fatalf("Authenticate before=%v,%v, want the member", u, err)
		}
		mb := e.browser()
		mb.login(member)

		b := e.browser()
		b.login(super)
		_, body := b.get("/admin/core/user/?q=member")
		wantContains(t, body, member.Email)
		resp, _ := b.post("/admin/core/user/", url.Values{"do": {"save"}, "row": {member.ID.String()}, "staff_" + member.ID.String(): {"on"}})
		wantStatus(t, resp, http.StatusFound)

		if reload(t, db, member).IsActive {
			t.Fatal("IsActive=true after deactivation")
		}
		if u, err := e.auth.Authenticate(ctx, login.Token); err == nil && u != nil {
			t.Fatalf("Authenticate after deactivation=%v, want an error", u.Email)
		}
		if _, err := e.auth.Refresh(ctx, "", login.RefreshToken, auth.ClientMeta{}); err == nil {
			t.Fatal("Refresh after deactivation succeeded, want an error")
		}
		resp, _ = mb.get("/admin/")
		wantStatus(t, resp, http.StatusFound)
		// Reactivating does not bring the old token back.
		tr := true
		if _, err := db.Services.Users.UpdateUser(ctx, member.ID, edusphere.UserUpdate{IsActive: &tr}); err != nil {
			t.Fatal(err)
		}
		if u, err := e.auth.Authenticate(ctx, login.Token); err == nil && u != nil {
			t.Fatal("old token works again after reactivation")
		}
	})
}

func TestDeleteUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.Handle) {
		ctx := context.Background()
		e := newEnv(t, db)
		super := e.user("admin", true, true)
		host := e.user("host", false, false)
		other := e.user("other", false, false)
		r1 := testdb.MustCreateRoom(t, ctx, db.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Algebra", TopicName: "Maths"})
		r2 := testdb.MustCreateRoom(t, ctx, db.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Physics", TopicName: "Science"})
		elsewhere := testdb.MustCreateRoom(t, ctx, db.Services, edusphere.RoomCreate{HostID: other.ID, Name: "Chemistry", TopicName: "Science"})
		for _, r := range []*edusphere.Room{r1, r2} {
			if _, err := db.Services.Rooms.JoinRoom(ctx, r.ID, other.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Services.Rooms.JoinRoom(ctx, elsewhere.ID, host.ID); err != nil {
			t.Fatal(err)
		}
		testdb.MustCreateMessage(t, ctx, db.Services, &edusphere.Message{RoomID: r1.ID, UserID: host.ID, Body: "own in own room"})
		for range 3 {
			testdb.MustCreateMessage(t, ctx, db.Services, &edusphere.Message{RoomID: r1.ID, UserID: other.ID, Body: "by other"})
		}
		testdb.MustCreateMessage(t, ctx, db.Services, &edusphere.Message{RoomID: r2.ID, UserID: other.ID, Body: "by other"})
		kept := testdb.MustCreateMessage(t, ctx, db.Services, &edusphere.Message{RoomID: elsewhere.ID, UserID: other.ID, Body: "stays"})
		testdb.MustCreateMessage(t, ctx, db.Services, &edusphere.Message{RoomID: elsewhere.ID, UserID: host.ID, Body: "goes"})

		b := e.browser()
		b.login(super)
		path := "/admin/core/user/" + host.ID.String() + "/delete/"
		resp, body := b.get(path)
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, "Are you sure?", host.Email, "2 rooms hosted (Algebra, Physics)",
			"6 messages (2 of their own, 4 by others in their rooms)", "1 room membership in other users’ rooms")
		if reload(t, db, host) == nil {
			t.Fatal("user deleted by the confirmation page")
		}

		resp, _ = b.post(path, url.Values{"post": {"yes"}})
		wantStatus(t, resp, http.StatusFound)
		if _, err := db.Services.Users.FindUserByID(ctx, host.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("FindUserByID after delete err=%v, want ENOTFOUND", err)
		}
		for _, r := range []*edusphere.Room{r1, r2} {
			if _, err := db.Services.Rooms.FindRoomByID(ctx, r.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("hosted room %s err=%v, want ENOTFOUND", r.Name, err)
			}
		}
		msgs, n, err := db.Services.Messages.FindMessages(ctx, edusphere.MessageFilter{})
		if err != nil || n != 1 || msgs[0].ID != kept.ID {
			t.Fatalf("messages left=%d err=%v, want only the one by another user elsewhere", n, err)
		}
		_, body = b.get("/admin/log/?type=user")
		wantContains(t, body, "delete", host.Email, super.Email)
	})
}

func TestBulkDelete(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t))
	staff := e.user("moderator", true, false)
	room := testdb.MustCreateRoom(t, ctx, e.db.Services, edusphere.RoomCreate{Name: "Spam Room", TopicName: "Spam"})
	var ids []string
	for i := range 3 {
		m := testdb.MustCreateMessage(t, ctx, e.db.Services, &edusphere.Message{RoomID: room.ID, Body: fmt.Sprintf("spam %d", i)})
		ids = append(ids, m.ID.String())
	}
	keep := testdb.MustCreateMessage(t, ctx, e.db.Services, &edusphere.Message{RoomID: room.ID, Body: "real question"})
	b := e.browser()
	b.login(staff)
	b.get("/admin/core/message/")

	t.Run("ErrNothingSelected", func(t *testing.T) {
		resp, _ := b.post("/admin/core/message/", url.Values{"do": {"action"}, "action": {"delete_selected"}})
		wantStatus(t, resp, http.StatusFound)
		_, body := b.get("/admin/core/message/")
		wantContains(t, body, "Items must be selected")
	})
	t.Run("OK", func(t *testing.T) {
		resp, body := b.post("/admin/core/message/", url.Values{"do": {"action"}, "action": {"delete_selected"}, "_selected_action": ids})
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, "these 3 messages", "spam 0", "spam 2")
		if _, n, _ := e.db.Services.Messages.FindMessages(ctx, edusphere.MessageFilter{}); n != 4 {
			t.Fatalf("messages=%d after the confirmation page, want 4", n)
		}
		resp, _ = b.post("/admin/core/message/", url.Values{"do": {"action"}, "action": {"delete_selected"}, "_selected_action": ids, "post": {"yes"}})
		wantStatus(t, resp, http.StatusFound)
		msgs, n, _ := e.db.Services.Messages.FindMessages(ctx, edusphere.MessageFilter{})
		if n != 1 || msgs[0].ID != keep.ID {
			t.Fatalf("messages left=%d, want only %q", n, keep.Body)
		}
		_, body = b.get("/admin/core/message/")
		wantContains(t, body, "Successfully deleted 3 messages.")
		typ := "message"
		if _, n, _ := e.db.Services.AdminLog.FindAdminActions(ctx, edusphere.AdminActionFilter{ObjectType: &typ}); n != 3 {
			t.Fatalf("log entries=%d, want 3", n)
		}
	})
}

func TestRooms(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t))
	staff := e.user("keeper", true, false)
	host := e.user("teacher", false, false)
	room := testdb.MustCreateRoom(t, ctx, e.db.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Calculus Club", TopicName: "Maths", Description: "limits"})
	other := testdb.MustCreateRoom(t, ctx, e.db.Services, edusphere.RoomCreate{HostID: host.ID, Name: "Poetry Corner", TopicName: "Writing"})
	student := e.user("learner", false, false)
	if _, err := e.db.Services.Rooms.JoinRoom(ctx, room.ID, student.ID); err != nil {
		t.Fatal(err)
	}
	testdb.MustCreateMessage(t, ctx, e.db.Services, &edusphere.Message{RoomID: room.ID, UserID: student.ID, Body: "hi"})
	b := e.browser()
	b.login(staff)

	t.Run("OKSearchTopic", func(t *testing.T) {
		_, body := b.get("/admin/core/room/?q=maths")
		if total, _, _ := pageInfo(t, body); total != 1 {
			t.Fatalf("total=%d, want 1", total)
		}
		wantContains(t, body, "Calculus Club")
		_, body = b.get("/admin/core/room/?q=LIMITS")
		wantContains(t, body, "Calculus Club")
	})

	t.Run("OKInlineDescription", func(t *testing.T) {
		b.get("/admin/core/room/")
		resp, _ := b.post("/admin/core/room/", url.Values{"do": {"save"}, "row": {room.ID.String(), other.ID.String()},
			"description_" + room.ID.String(): {"derivatives and limits"}, "description_" + other.ID.String(): {""}})
		wantStatus(t, resp, http.StatusFound)
		got, _ := e.db.Services.Rooms.FindRoomByID(ctx, room.ID)
		if got.Description != "derivatives and limits" {
			t.Fatalf("Description=%q", got.Description)
		}
		_, body := b.get("/admin/core/room/")
		wantContains(t, body, "1 room was changed successfully.")
	})

	t.Run("ErrInlineDescriptionTooLong", func(t *testing.T) {
		b.get("/admin/core/room/")
		resp, body := b.post("/admin/core/room/", url.Values{"do": {"save"}, "row": {room.ID.String()},
			"description_" + room.ID.String(): {strings.Repeat("x", 501)}})
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, edusphere.MsgMaxLength(500, 501))
	})

	path := "/admin/core/room/" + room.ID.String() + "/change/"
	t.Run("OKChangePage", func(t *testing.T) {
		resp, body := b.get(path)
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, "Calculus Club", "teacher", "learner", `name="slug"`, `value="calculus-club"`, `name="topic"`, `value="Maths"`)
		wantNotContains(t, body, `name="name"`, `name="host"`)
	})
	for _, tt := range []struct {
		name, slug, topic, wantMsg string
	}{
		{"ErrSlugInvalid", "not a slug!", "Maths", edusphere.MsgInvalidSlug},
		{"ErrSlugBlank", "", "Maths", edusphere.MsgRequired},
		{"ErrSlugTaken", "poetry-corner", "Maths", admin.MsgSlugTaken},
		{"ErrTopicLetters", "calculus-club", "Maths 101", edusphere.MsgTopicLetters},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.get(path)
			resp, body := b.post(path, url.Values{"slug": {tt.slug}, "topic": {tt.topic}, "description": {"d"}})
			wantStatus(t, resp, http.StatusOK)
			wantContains(t, body, tt.wantMsg)
			if got, _ := e.db.Services.Rooms.FindRoomByID(ctx, room.ID); got.Slug != "calculus-club" {
				t.Fatalf("Slug=%q after a refused form", got.Slug)
			}
		})
	}
	t.Run("OKChangeSlugAndTopic", func(t *testing.T) {
		b.get(path)
		resp, _ := b.post(path, url.Values{"slug": {"calc_club-2"}, "topic": {"Calculus"}, "description": {"new"}})
		wantStatus(t, resp, http.StatusFound)
		got, err := e.db.Services.Rooms.FindRoomBySlug(ctx, host.Username, "calc_club-2")
		if err != nil || got.ID != room.ID || got.Description != "new" {
			t.Fatalf("FindRoomBySlug=%+v,%v", got, err)
		}
		if got.Name != "Calculus Club" {
			t.Fatalf("Name=%q, want unchanged", got.Name)
		}
	})
	t.Run("OKPrivateAndInvitations", func(t *testing.T) {
		guest := testdb.MustCreateUser(t, ctx, e.db.Services, &edusphere.User{Username: "guest"})
		if err := e.db.Services.Invitations.CreateInvitation(ctx, &edusphere.Invitation{
			RoomID: room.ID, UserID: guest.ID, InviterID: host.ID}); err != nil {
			t.Fatal(err)
		}
		_, body := b.get(path)
		wantContains(t, body, `name="is_private"`, `name="members_can_invite"`, "Pending invitations", "guest (")
		resp, _ := b.post(path, url.Values{"slug": {"calc_club-2"}, "topic": {"Calculus"}, "description": {"new"},
			"is_private": {"on"}})
		wantStatus(t, resp, http.StatusFound)
		got, err := e.db.Services.Rooms.FindRoomByID(ctx, room.ID)
		if err != nil || !got.IsPrivate || got.MembersCanInvite {
			t.Fatalf("FindRoomByID=%+v,%v, want private only", got, err)
		}
		_, body = b.get(path)
		wantContains(t, body, `name="is_private" id="id_is_private" checked`)
		resp, _ = b.post(path, url.Values{"slug": {"calc_club-2"}, "topic": {"Calculus"}, "description": {"new"}})
		wantStatus(t, resp, http.StatusFound)
		if got, _ := e.db.Services.Rooms.FindRoomByID(ctx, room.ID); got.IsPrivate {
			t.Fatalf("IsPrivate still set after unchecking")
		}
	})
	t.Run("OKDeleteCascades", func(t *testing.T) {
		resp, body := b.get("/admin/core/room/" + room.ID.String() + "/delete/")
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, body, "1 message", "2 participant links")
		resp, _ = b.post("/admin/core/room/"+room.ID.String()+"/delete/", url.Values{"post": {"yes"}})
		wantStatus(t, resp, http.StatusFound)
		if _, err := e.db.Services.Rooms.FindRoomByID(ctx, room.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("room err=%v, want ENOTFOUND", err)
		}
	})
}

func TestTopicsAndMessages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t))
	staff := e.user("curator", true, false)
	r1 := testdb.MustCreateRoom(t, ctx, e.db.Services, edusphere.RoomCreate{Name: "Ancient Rome", TopicName: "History"})
	testdb.MustCreateRoom(t, ctx, e.db.Services, edusphere.RoomCreate{Name: "Modern Art", TopicName: "Art"})
	m := testdb.MustCreateMessage(t, ctx, e.db.Services, &edusphere.Message{RoomID: r1.ID, Body: "Veni vidi vici"})
	testdb.MustCreateMessage(t, ctx, e.db.Services, &edusphere.Message{RoomID: r1.ID, Body: "Carthago delenda est"})
	body := "Edited text"
	if _, err := e.db.Services.Messages.UpdateMessage(ctx, m.ID, edusphere.MessageUpdate{Body: &body}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(staff)

	t.Run("OKTopicList", func(t *testing.T) {
		_, page := b.get("/admin/core/topic/?q=hist")
		if total, _, _ := pageInfo(t, page); total != 1 {
			t.Fatalf("total=%d, want 1", total)
		}
		wantContains(t, page, "History")
	})
	t.Run("OKMessageFilterEdited", func(t *testing.T) {
		_, page := b.get("/admin/core/message/?edited=1")
		if total, _, _ := pageInfo(t, page); total != 1 {
			t.Fatalf("edited total=%d, want 1", total)
		}
		wantContains(t, page, "Edited text")
		_, page = b.get("/admin/core/message/?edited=0")
		wantContains(t, page, "Carthago")
		wantNotContains(t, page, "Edited text")
		_, page = b.get("/admin/core/message/?q=ancient")
		if total, _, _ := pageInfo(t, page); total != 2 {
			t.Fatalf("search by room total=%d, want 2", total)
		}
	})
	t.Run("OKMessageReadOnly", func(t *testing.T) {
		resp, page := b.get("/admin/core/message/" + m.ID.String() + "/change/")
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, page, "Edited text", "Ancient Rome")
		wantNotContains(t, page, "<textarea", `type="text"`)
	})
	t.Run("OKTopicDeleteCascades", func(t *testing.T) {
		topics, _, _ := e.db.Services.Topics.FindTopics(ctx, edusphere.TopicFilter{Name: ptr("History")})
		path := fmt.Sprintf("/admin/core/topic/%d/delete/", topics[0].ID)
		_, page := b.get(path)
		wantContains(t, page, "1 room", "2 messages in those rooms")
		resp, _ := b.post(path, url.Values{"post": {"yes"}})
		wantStatus(t, resp, http.StatusFound)
		if _, err := e.db.Services.Rooms.FindRoomByID(ctx, r1.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("room of deleted topic err=%v, want ENOTFOUND", err)
		}
	})
}

func TestLog(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, testdb.SQLite(t))
	super := e.user("auditor", true, true)
	for i := range 27 {
		if err := e.db.Services.AdminLog.CreateAdminAction(ctx, &edusphere.AdminAction{
			ActorID: super.ID, ActorEmail: super.Email, Action: "update", ObjectType: "room",
			ObjectID: fmt.Sprint(i), ObjectRepr: fmt.Sprintf("room %d", i),
			Before: []byte(`{"description":"a"}`), After: []byte(`{"description":"b"}`),
		}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	b.login(super)
	for _, tt := range []struct {
		query             string
		total, page, rows int
	}{{"", 27, 1, 25}, {"p=2", 27, 2, 2}, {"p=50", 27, 2, 2}, {"p=x", 27, 1, 25}, {"type=user", 0, 1, 0}, {"type=room&object=3", 1, 1, 1}} {
		resp, body := b.get("/admin/log/?" + tt.query)
		wantStatus(t, resp, http.StatusOK)
		total, page, _ := pageInfo(t, body)
		if rows := strings.Count(body, `data-label="When"`); total != tt.total || page != tt.page || rows != tt.rows {
			t.Fatalf("?%s total=%d page=%d rows=%d, want %d %d %d", tt.query, total, page, rows, tt.total, tt.page, tt.rows)
		}
	}
	_, body := b.get("/admin/log/")
	wantContains(t, body, `{"description":"a"}`, `{"description":"b"}`, super.Email)
}

func TestStatic(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t))
	b := e.browser()
	resp, body := b.get("/admin/static/admin.css")
	wantStatus(t, resp, http.StatusOK)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "prefers-color-scheme: dark") || !strings.Contains(body, "max-width: 720px") {
		t.Fatalf("stylesheet type=%q, want text/css with dark and narrow-screen rules", resp.Header.Get("Content-Type"))
	}
	resp, _ = b.get("/admin/static/../admin.go")
	if resp.StatusCode == http.StatusOK {
		t.Fatal("served a file outside static/")
	}
}

func ptr[T any](v T) *T { return &v }
