package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

func testUsers(t *testing.T, open opener) {
	t.Run("CreateOK", func(t *testing.T) {
		e := newEnv(t, open)
		e.h.Clock.Set(epoch)
		u := &edusphere.User{Email: "Ann@Example.com", Username: "--Ann Lee__", Name: "Ann", Bio: "b", IsActive: true}
		mustOK(t, "CreateUser", e.s.Users.CreateUser(e.ctx, u))
		if u.ID == uuid.Nil || u.ID.Version() != 4 {
			t.Fatalf("ID=%v, want a random v4 UUID", u.ID)
		}
		if u.Username != "ann-lee" {
			t.Fatalf("Username=%q, want %q", u.Username, "ann-lee")
		}
		wantTime(t, "DateJoined", u.DateJoined, epochUS)
		got, err := e.s.Users.FindUserByID(e.ctx, u.ID)
		mustOK(t, "FindUserByID", err)
		if got.Email != "Ann@Example.com" || got.Username != "ann-lee" || got.Name != "Ann" || got.Bio != "b" ||
			got.Avatar != "" || !got.IsActive || got.IsStaff || got.IsSuperuser || got.LastLogin != nil {
			t.Fatalf("FindUserByID=%+v, want the created user", got)
		}
		wantTime(t, "DateJoined", got.DateJoined, epochUS)
	})

	t.Run("CreateKeepsGivenFields", func(t *testing.T) {
		e := newEnv(t, open)
		id := uuid.New()
		joined := time.Date(2020, 1, 2, 3, 4, 5, 6007, time.UTC)
		login := joined.Add(time.Hour)
		u := &edusphere.User{ID: id, Email: "x@example.com", Username: "x", Name: "X", IsStaff: true,
			IsSuperuser: true, IsActive: false, DateJoined: joined, LastLogin: &login, Password: "!unusable"}
		mustOK(t, "CreateUser", e.s.Users.CreateUser(e.ctx, u))
		got, err := e.s.Users.FindUserByID(e.ctx, id)
		mustOK(t, "FindUserByID", err)
		if got.IsActive || !got.IsStaff || !got.IsSuperuser || got.Password != "!unusable" {
			t.Fatalf("FindUserByID=%+v, want flags and password as given", got)
		}
		wantTime(t, "DateJoined", got.DateJoined, joined.Truncate(time.Microsecond))
		if got.LastLogin == nil {
			t.Fatalf("LastLogin=nil, want %v", login)
		}
		wantTime(t, "LastLogin", *got.LastLogin, login.Truncate(time.Microsecond))
	})

	t.Run("CreateInvalid", func(t *testing.T) {
		long := func(n int) string { return strings.Repeat("a", n) }
		for _, tt := range []struct {
			name string
			user edusphere.User
			msg  string
		}{
			{"ErrEmailBlank", edusphere.User{Username: "a", Name: "A"}, repr("email", edusphere.MsgBlank)},
			{"ErrEmailInvalid", edusphere.User{Email: "nope", Username: "a", Name: "A"}, repr("email", edusphere.MsgInvalidEmail)},
			{"ErrEmailTooLong", edusphere.User{Email: long(250) + "@x.io", Username: "a", Name: "A"},
				repr("email", edusphere.MsgMaxLength(254, 255))},
			{"ErrUsernameBlank", edusphere.User{Email: "a@x.io", Username: "---", Name: "A"}, repr("username", edusphere.MsgBlank)},
			{"ErrUsernameTooLong", edusphere.User{Email: "a@x.io", Username: long(201), Name: "A"},
				repr("username", edusphere.MsgMaxLength(200, 201))},
			{"ErrNameBlank", edusphere.User{Email: "a@x.io", Username: "a"}, repr("name", edusphere.MsgBlank)},
			{"ErrNameTooLong", edusphere.User{Email: "a@x.io", Username: "a", Name: strings.Repeat("é", 201)},
				repr("name", edusphere.MsgMaxLength(200, 201))},
			{"ErrBioTooLong", edusphere.User{Email: "a@x.io", Username: "a", Name: "A", Bio: long(501)},
				repr("bio", edusphere.MsgMaxLength(500, 501))},
			{"ErrAvatarTooLong", edusphere.User{Email: "a@x.io", Username: "a", Name: "A", Avatar: long(101)},
				repr("avatar", edusphere.MsgMaxLength(100, 101))},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, open)
				u := tt.user
				wantErr(t, e.s.Users.CreateUser(e.ctx, &u), edusphere.EINVALID, tt.msg)
				_, n, err := e.s.Users.FindUsers(e.ctx, edusphere.UserFilter{})
				mustOK(t, "FindUsers", err)
				wantTotal(t, n, 0)
			})
		}
	})

	t.Run("CreateConflict", func(t *testing.T) {
		for _, tt := range []struct {
			name            string
			email, username string
			msg             string
		}{
			{"ErrUsernameTaken", "other@example.com", "ann", repr("username", edusphere.MsgUsernameTaken)},
			{"ErrUsernameTakenAfterSlugify", "other@example.com", "--ANN", repr("username", edusphere.MsgUsernameTaken)},
			{"ErrEmailTaken", "ann@example.com", "other", repr("email", edusphere.MsgEmailTaken)},
			{"ErrEmailTakenOtherCase", "ANN@Example.COM", "other", repr("email", edusphere.MsgEmailTaken)},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, open)
				e.user(t, "ann")
				u := &edusphere.User{Email: tt.email, Username: tt.username, Name: "Other", IsActive: true}
				wantErr(t, e.s.Users.CreateUser(e.ctx, u), edusphere.ECONFLICT, tt.msg)
				_, n, err := e.s.Users.FindUsers(e.ctx, edusphere.UserFilter{})
				mustOK(t, "FindUsers", err)
				wantTotal(t, n, 1)
			})
		}
	})

	t.Run("Find", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		t.Run("ByEmailIgnoresCase", func(t *testing.T) {
			got, err := e.s.Users.FindUserByEmail(e.ctx, "ANN@example.COM")
			mustOK(t, "FindUserByEmail", err)
			if got.ID != ann.ID {
				t.Fatalf("FindUserByEmail=%v, want %v", got.ID, ann.ID)
			}
		})
		t.Run("ByUsernameExact", func(t *testing.T) {
			got, err := e.s.Users.FindUserByUsername(e.ctx, "ann")
			mustOK(t, "FindUserByUsername", err)
			if got.ID != ann.ID {
				t.Fatalf("FindUserByUsername=%v, want %v", got.ID, ann.ID)
			}
			_, err = e.s.Users.FindUserByUsername(e.ctx, "Ann")
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := e.s.Users.FindUserByID(e.ctx, uuid.New())
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
			_, err = e.s.Users.FindUserByEmail(e.ctx, "nobody@example.com")
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
			_, err = e.s.Users.FindUserByUsername(e.ctx, "nobody")
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
		})
	})

	t.Run("FindUsers", func(t *testing.T) {
		e := newEnv(t, open)
		e.h.Clock.Set(epoch)
		// tie1 and tie2 join at the same instant: the id breaks the tie.
		tie1 := e.user(t, "tie-one")
		tie2 := e.user(t, "tie-two")
		e.h.Clock.Add(-time.Hour)
		oldest := e.userWith(t, &edusphere.User{Username: "old", Name: "Old_50% Timer", Email: "oLD@Mail.example"})
		e.h.Clock.Add(2 * time.Hour)
		staff := e.userWith(t, &edusphere.User{Username: "staff", Name: "Boss", Email: "boss@example.com", IsStaff: true})
		_, err := e.s.Users.UpdateUser(e.ctx, staff.ID, edusphere.UserUpdate{IsActive: ptr(false)})
		mustOK(t, "UpdateUser", err)
		ties := sortedIDs(tie1.ID, tie2.ID)
		all := []uuid.UUID{oldest.ID, ties[0], ties[1], staff.ID}

		for _, tt := range []struct {
			name   string
			filter edusphere.UserFilter
			want   []uuid.UUID
			total  int
		}{
			{"All", edusphere.UserFilter{}, all, 4},
			{"IDs", edusphere.UserFilter{IDs: []uuid.UUID{staff.ID, oldest.ID}}, []uuid.UUID{oldest.ID, staff.ID}, 2},
			{"Username", edusphere.UserFilter{Username: ptr("staff")}, []uuid.UUID{staff.ID}, 1},
			{"UsernameExact", edusphere.UserFilter{Username: ptr("STAFF")}, nil, 0},
			{"SearchUsernameIgnoresCase", edusphere.UserFilter{Search: ptr("TIE")}, ties, 2},
			{"SearchName", edusphere.UserFilter{Search: ptr("boss")}, []uuid.UUID{staff.ID}, 1},
			{"SearchPercentIsLiteral", edusphere.UserFilter{Search: ptr("_50%")}, []uuid.UUID{oldest.ID}, 1},
			{"SearchOnlyPercent", edusphere.UserFilter{Search: ptr("%")}, []uuid.UUID{oldest.ID}, 1},
			{"SearchUnderscoreIsLiteral", edusphere.UserFilter{Search: ptr("e_o")}, nil, 0},
			{"SearchSkipsEmail", edusphere.UserFilter{Search: ptr("mail.example")}, nil, 0},
			{"SearchEmail", edusphere.UserFilter{Search: ptr("MAIL.example"), SearchEmail: true}, []uuid.UUID{oldest.ID}, 1},
			{"EmptySearch", edusphere.UserFilter{Search: ptr("")}, all, 4},
			{"IsStaff", edusphere.UserFilter{IsStaff: ptr(true)}, []uuid.UUID{staff.ID}, 1},
			{"IsActive", edusphere.UserFilter{IsActive: ptr(false)}, []uuid.UUID{staff.ID}, 1},
			{"Limit", edusphere.UserFilter{Limit: 2}, all[:2], 4},
			{"OffsetLimit", edusphere.UserFilter{Offset: 1, Limit: 2}, all[1:3], 4},
			{"OffsetPastEnd", edusphere.UserFilter{Offset: 10}, nil, 4},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, n, err := e.s.Users.FindUsers(e.ctx, tt.filter)
				mustOK(t, "FindUsers", err)
				wantIDs(t, "FindUsers", userIDs(got), tt.want)
				wantTotal(t, n, tt.total)
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		e := newEnv(t, open)
		ann := e.user(t, "ann")
		bob := e.user(t, "bob")
		t.Run("OK", func(t *testing.T) {
			login := epoch
			got, err := e.s.Users.UpdateUser(e.ctx, ann.ID, edusphere.UserUpdate{
				Username: ptr("Ann_B"), Name: ptr("Ann B"), Bio: ptr("hi"), Avatar: ptr("avatars/a.png"),
				Password: ptr("hash"), IsStaff: ptr(true), IsSuperuser: ptr(true), LastLogin: &login,
			})
			mustOK(t, "UpdateUser", err)
			if got.Username != "ann_b" || got.Name != "Ann B" || got.Bio != "hi" || got.Avatar != "avatars/a.png" ||
				got.Password != "hash" || !got.IsStaff || !got.IsSuperuser || !got.IsActive {
				t.Fatalf("UpdateUser=%+v", got)
			}
			found, err := e.s.Users.FindUserByID(e.ctx, ann.ID)
			mustOK(t, "FindUserByID", err)
			if found.Username != "ann_b" || found.Bio != "hi" || found.Email != ann.Email || found.LastLogin == nil {
				t.Fatalf("FindUserByID=%+v, want the update stored", found)
			}
			wantTime(t, "LastLogin", *found.LastLogin, epochUS)
			wantTime(t, "DateJoined", found.DateJoined, ann.DateJoined)
		})
		t.Run("OwnUsernameOK", func(t *testing.T) {
			_, err := e.s.Users.UpdateUser(e.ctx, bob.ID, edusphere.UserUpdate{Username: ptr("BOB")})
			mustOK(t, "UpdateUser", err)
		})
		t.Run("ErrUsernameTaken", func(t *testing.T) {
			_, err := e.s.Users.UpdateUser(e.ctx, bob.ID, edusphere.UserUpdate{Username: ptr("Ann_B"), Name: ptr("Changed")})
			wantErr(t, err, edusphere.ECONFLICT, repr("username", edusphere.MsgUsernameTaken))
			got, err := e.s.Users.FindUserByID(e.ctx, bob.ID)
			mustOK(t, "FindUserByID", err)
			if got.Username != "bob" || got.Name != bob.Name {
				t.Fatalf("FindUserByID=%+v, want bob unchanged", got)
			}
		})
		t.Run("ErrNameBlank", func(t *testing.T) {
			_, err := e.s.Users.UpdateUser(e.ctx, bob.ID, edusphere.UserUpdate{Name: ptr("")})
			wantErr(t, err, edusphere.EINVALID, repr("name", edusphere.MsgBlank))
		})
		t.Run("ErrUsernameBlank", func(t *testing.T) {
			_, err := e.s.Users.UpdateUser(e.ctx, bob.ID, edusphere.UserUpdate{Username: ptr("__")})
			wantErr(t, err, edusphere.EINVALID, repr("username", edusphere.MsgBlank))
		})
		t.Run("ErrBioTooLong", func(t *testing.T) {
			_, err := e.s.Users.UpdateUser(e.ctx, bob.ID, edusphere.UserUpdate{Bio: ptr(strings.Repeat("ü", 501))})
			wantErr(t, err, edusphere.EINVALID, repr("bio", edusphere.MsgMaxLength(500, 501)))
		})
		t.Run("Deactivate", func(t *testing.T) {
			got, err := e.s.Users.UpdateUser(e.ctx, bob.ID, edusphere.UserUpdate{IsActive: ptr(false)})
			mustOK(t, "UpdateUser", err)
			if got.IsActive {
				t.Fatalf("IsActive=true, want false")
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := e.s.Users.UpdateUser(e.ctx, uuid.New(), edusphere.UserUpdate{Name: ptr("x")})
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
		})
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		e := newEnv(t, open)
		gone := e.user(t, "gone")
		other := e.user(t, "other")
		hosted := e.room(t, gone, "Hosted", "Go")
		e.join(t, hosted, other)
		otherMsgInHosted := e.message(t, hosted, other, "in hosted room")
		elsewhere := e.room(t, other, "Elsewhere", "Go")
		e.join(t, elsewhere, gone)
		goneMsgElsewhere := e.message(t, elsewhere, gone, "gone's message")
		keptMsg := e.message(t, elsewhere, other, "kept")
		exp := e.h.Clock.Now().Add(time.Hour)
		mustOK(t, "CreateRefreshToken", e.s.Sessions.CreateRefreshToken(e.ctx, &edusphere.RefreshToken{
			UserID: gone.ID, Family: uuid.New(), Hash: []byte("gone-refresh"), OrigIat: 1, Expires: exp}))
		mustOK(t, "CreateAdminSession", e.s.Sessions.CreateAdminSession(e.ctx, &edusphere.AdminSession{
			UserID: gone.ID, Hash: []byte("gone-admin"), Expires: exp}))

		mustOK(t, "DeleteUser", e.s.Users.DeleteUser(e.ctx, gone.ID))

		_, err := e.s.Users.FindUserByID(e.ctx, gone.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
		_, err = e.s.Rooms.FindRoomByID(e.ctx, hosted.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		for _, m := range []*edusphere.Message{otherMsgInHosted, goneMsgElsewhere} {
			_, err = e.s.Messages.FindMessageByID(e.ctx, m.ID)
			wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
		}
		_, err = e.s.Messages.FindMessageByID(e.ctx, keptMsg.ID)
		mustOK(t, "FindMessageByID(kept)", err)
		r, err := e.s.Rooms.FindRoomByID(e.ctx, elsewhere.ID)
		mustOK(t, "FindRoomByID", err)
		if r.ParticipantCount != 1 {
			t.Fatalf("ParticipantCount=%d, want 1", r.ParticipantCount)
		}
		_, err = e.s.Sessions.FindRefreshTokenByHash(e.ctx, []byte("gone-refresh"))
		wantErr(t, err, edusphere.ENOTFOUND, "")
		_, err = e.s.Sessions.FindAdminSession(e.ctx, []byte("gone-admin"))
		wantErr(t, err, edusphere.ENOTFOUND, "")
		wantErr(t, e.s.Users.DeleteUser(e.ctx, gone.ID), edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
	})
}
