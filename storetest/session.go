package storetest

import (
	"bytes"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// hash returns the SHA-256 of s, as the token services store it.
func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func testSessions(t *testing.T, open opener) {
	t.Run("RefreshToken", func(t *testing.T) {
		e := newEnv(t, open)
		u := e.user(t, "ann")
		e.h.Clock.Set(epoch)
		family := uuid.New()
		tok := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash("one"), OrigIat: 1700000000,
			UserAgent: "Firefox", Address: "192.0.2.1", Expires: epoch.Add(7 * 24 * time.Hour)}
		mustOK(t, "CreateRefreshToken", e.s.Sessions.CreateRefreshToken(e.ctx, tok))
		if tok.ID == uuid.Nil {
			t.Fatalf("ID=%v, want one filled in", tok.ID)
		}
		wantTime(t, "Created", tok.Created, epochUS)
		got, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("one"))
		mustOK(t, "FindRefreshTokenByHash", err)
		if got.ID != tok.ID || got.UserID != u.ID || got.Family != family || !bytes.Equal(got.Hash, hash("one")) ||
			got.OrigIat != 1700000000 || got.UserAgent != "Firefox" || got.Address != "192.0.2.1" ||
			got.Revoked != nil || got.ReplacedBy != nil {
			t.Fatalf("FindRefreshTokenByHash=%+v, want %+v", got, tok)
		}
		wantTime(t, "Created", got.Created, epochUS)
		wantTime(t, "Expires", got.Expires, epochUS.Add(7*24*time.Hour))

		_, err = e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("other"))
		wantErr(t, err, edusphere.ENOTFOUND, "")
		err = e.s.Sessions.CreateRefreshToken(e.ctx, &edusphere.RefreshToken{UserID: uuid.New(), Family: family,
			Hash: hash("ghost"), Expires: epoch.Add(time.Hour)})
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)
	})

	t.Run("Rotate", func(t *testing.T) {
		e := newEnv(t, open)
		u := e.user(t, "ann")
		e.h.Clock.Set(epoch)
		family := uuid.New()
		old := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash("old"), OrigIat: 1, Expires: epoch.Add(time.Hour)}
		mustOK(t, "CreateRefreshToken", e.s.Sessions.CreateRefreshToken(e.ctx, old))
		e.h.Clock.Add(time.Minute)
		next := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash("next"), OrigIat: 1, Expires: epoch.Add(time.Hour)}
		mustOK(t, "RotateRefreshToken", e.s.Sessions.RotateRefreshToken(e.ctx, old.ID, next))
		gotOld, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("old"))
		mustOK(t, "FindRefreshTokenByHash(old)", err)
		if gotOld.Revoked == nil || gotOld.ReplacedBy == nil || *gotOld.ReplacedBy != next.ID {
			t.Fatalf("old=%+v, want revoked and replaced by %v", gotOld, next.ID)
		}
		wantTime(t, "Revoked", *gotOld.Revoked, epochUS.Add(time.Minute))
		gotNext, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("next"))
		mustOK(t, "FindRefreshTokenByHash(next)", err)
		if gotNext.ID != next.ID || gotNext.Revoked != nil || gotNext.Family != family {
			t.Fatalf("next=%+v, want it stored unrevoked", gotNext)
		}

		t.Run("ErrAlreadyRotated", func(t *testing.T) {
			again := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash("again"), OrigIat: 1, Expires: epoch.Add(time.Hour)}
			wantErr(t, e.s.Sessions.RotateRefreshToken(e.ctx, old.ID, again), edusphere.ECONFLICT, "")
			_, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("again"))
			wantErr(t, err, edusphere.ENOTFOUND, "")
		})
		t.Run("ErrUnknownOld", func(t *testing.T) {
			stray := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash("stray"), Expires: epoch.Add(time.Hour)}
			err := e.s.Sessions.RotateRefreshToken(e.ctx, uuid.New(), stray)
			if code := edusphere.ErrorCode(err); code != edusphere.ENOTFOUND && code != edusphere.ECONFLICT {
				t.Fatalf("ErrorCode=%q, want ENOTFOUND or ECONFLICT", code)
			}
			_, err = e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("stray"))
			wantErr(t, err, edusphere.ENOTFOUND, "")
		})
	})

	t.Run("RotateConcurrently", func(t *testing.T) {
		e := newEnv(t, open)
		u := e.user(t, "ann")
		const rounds, racers = 10, 2
		for round := range rounds {
			family := uuid.New()
			old := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash(family.String()), Expires: time.Now().Add(time.Hour)}
			mustOK(t, "CreateRefreshToken", e.s.Sessions.CreateRefreshToken(e.ctx, old))
			var wg sync.WaitGroup
			errs := make([]error, racers)
			start := make(chan struct{})
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					next := &edusphere.RefreshToken{UserID: u.ID, Family: family, Hash: hash(uuid.NewString()), Expires: time.Now().Add(time.Hour)}
					errs[i] = e.s.Sessions.RotateRefreshToken(e.ctx, old.ID, next)
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, err := range errs {
				if err == nil {
					wins++
				} else {
					wantErr(t, err, edusphere.ECONFLICT, "")
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d rotations succeeded, want exactly 1", round, wins)
			}
		}
	})

	t.Run("CreateSession", func(t *testing.T) {
		e := newEnv(t, open)
		ann, bob := e.user(t, "ann"), e.user(t, "bob")
		e.h.Clock.Set(epoch)
		const at = 1_750_000_000
		login := func(u *edusphere.User, name string) *edusphere.RefreshToken {
			t.Helper()
			tok := &edusphere.RefreshToken{UserID: u.ID, Family: uuid.New(), Hash: hash(name), OrigIat: at,
				Expires: time.Unix(at, 0).Add(7 * 24 * time.Hour)}
			mustOK(t, "CreateSession", e.s.Sessions.CreateSession(e.ctx, tok))
			got, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash(name))
			mustOK(t, "FindRefreshTokenByHash", err)
			if got.OrigIat != tok.OrigIat || !got.Expires.Equal(time.Unix(tok.OrigIat, 0).Add(7*24*time.Hour)) {
				t.Fatalf("stored origIat=%d expires=%v, want %d and its window", got.OrigIat, got.Expires, tok.OrigIat)
			}
			return tok
		}
		if got := login(ann, "a1").OrigIat; got != at {
			t.Fatalf("first log-in origIat=%d, want %d", got, at)
		}
		if got := login(ann, "a2").OrigIat; got != at-1 {
			t.Fatalf("second log-in in the same second: origIat=%d, want %d", got, at-1)
		}
		if got := login(bob, "b1").OrigIat; got != at {
			t.Fatalf("another user's log-in: origIat=%d, want %d", got, at)
		}
		mustOK(t, "CreateRevocation", e.s.Sessions.CreateRevocation(e.ctx, &edusphere.Revocation{UserID: ann.ID, OrigIat: at - 2,
			Expires: epoch.Add(time.Hour)}))
		if got := login(ann, "a3").OrigIat; got != at-3 {
			t.Fatalf("log-in next to a revoked session: origIat=%d, want %d", got, at-3)
		}
		mustOK(t, "CreateRevocation", e.s.Sessions.CreateRevocation(e.ctx, &edusphere.Revocation{UserID: bob.ID,
			Created: time.Unix(at, 0), Expires: epoch.Add(time.Hour)}))
		if got := login(bob, "b2").OrigIat; got != at+1 {
			t.Fatalf("log-in right after a user-wide revocation: origIat=%d, want %d", got, at+1)
		}
		err := e.s.Sessions.CreateSession(e.ctx, &edusphere.RefreshToken{UserID: uuid.New(), Family: uuid.New(),
			Hash: hash("ghost"), OrigIat: at, Expires: epoch.Add(time.Hour)})
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgUserNotFound)

		t.Run("Concurrently", func(t *testing.T) {
			carol := e.user(t, "carol")
			const n = 8
			iats := make([]int64, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					tok := &edusphere.RefreshToken{UserID: carol.ID, Family: uuid.New(), Hash: hash(uuid.NewString()),
						OrigIat: at, Expires: time.Unix(at, 0).Add(time.Hour)}
					if err := e.s.Sessions.CreateSession(e.ctx, tok); err != nil {
						t.Errorf("CreateSession: %v", err)
					}
					iats[i] = tok.OrigIat
				}()
			}
			close(start)
			wg.Wait()
			seen := map[int64]bool{}
			for _, iat := range iats {
				if seen[iat] {
					t.Fatalf("origIats=%v, want %d different ones", iats, n)
				}
				seen[iat] = true
			}
		})
	})

	t.Run("RevokeFamilyAndUser", func(t *testing.T) {
		e := newEnv(t, open)
		ann, bob := e.user(t, "ann"), e.user(t, "bob")
		fam1, fam2, fam3 := uuid.New(), uuid.New(), uuid.New()
		exp := time.Now().Add(time.Hour)
		for _, tt := range []struct {
			name   string
			user   uuid.UUID
			family uuid.UUID
		}{{"a1", ann.ID, fam1}, {"a2", ann.ID, fam1}, {"a3", ann.ID, fam2}, {"b1", bob.ID, fam3}} {
			mustOK(t, "CreateRefreshToken", e.s.Sessions.CreateRefreshToken(e.ctx, &edusphere.RefreshToken{
				UserID: tt.user, Family: tt.family, Hash: hash(tt.name), Expires: exp}))
		}
		revoked := func(name string) bool {
			t.Helper()
			tok, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash(name))
			mustOK(t, "FindRefreshTokenByHash", err)
			return tok.Revoked != nil
		}
		mustOK(t, "RevokeRefreshFamily", e.s.Sessions.RevokeRefreshFamily(e.ctx, fam1))
		if !revoked("a1") || !revoked("a2") || revoked("a3") || revoked("b1") {
			t.Fatalf("after RevokeRefreshFamily: a1 %v a2 %v a3 %v b1 %v, want only a1 and a2 revoked",
				revoked("a1"), revoked("a2"), revoked("a3"), revoked("b1"))
		}
		mustOK(t, "RevokeUserRefreshTokens", e.s.Sessions.RevokeUserRefreshTokens(e.ctx, ann.ID))
		if !revoked("a3") || revoked("b1") {
			t.Fatalf("after RevokeUserRefreshTokens: a3 %v b1 %v, want a3 revoked only", revoked("a3"), revoked("b1"))
		}
	})

	t.Run("Revocations", func(t *testing.T) {
		e := newEnv(t, open)
		ann, bob := e.user(t, "ann"), e.user(t, "bob")
		e.h.Clock.Set(epoch)
		r1 := &edusphere.Revocation{UserID: ann.ID, OrigIat: 11, Expires: epoch.Add(time.Hour)}
		mustOK(t, "CreateRevocation", e.s.Sessions.CreateRevocation(e.ctx, r1))
		wantTime(t, "Created", r1.Created, epochUS)
		e.h.Clock.Add(time.Minute)
		r2 := &edusphere.Revocation{UserID: bob.ID, OrigIat: 0, Expires: epoch.Add(10 * time.Minute)}
		mustOK(t, "CreateRevocation", e.s.Sessions.CreateRevocation(e.ctx, r2))
		e.h.Clock.Add(time.Minute)
		r3 := &edusphere.Revocation{UserID: ann.ID, OrigIat: 33, Expires: epoch.Add(2 * time.Hour)}
		mustOK(t, "CreateRevocation", e.s.Sessions.CreateRevocation(e.ctx, r3))

		iats := func(rs []*edusphere.Revocation) []int64 {
			var out []int64
			for _, r := range rs {
				out = append(out, r.OrigIat)
			}
			return out
		}
		check := func(name string, since time.Time, want ...int64) {
			t.Helper()
			got, err := e.s.Sessions.FindRevocations(e.ctx, since)
			mustOK(t, "FindRevocations", err)
			g := iats(got)
			if len(g) != len(want) {
				t.Fatalf("%s: FindRevocations=%v, want %v", name, g, want)
			}
			for i := range g {
				if g[i] != want[i] {
					t.Fatalf("%s: FindRevocations=%v, want %v", name, g, want)
				}
			}
		}
		check("All", time.Time{}, 11, 0, 33)
		check("Since", epoch, 0, 33)
		got, err := e.s.Sessions.FindRevocations(e.ctx, time.Time{})
		mustOK(t, "FindRevocations", err)
		if got[1].UserID != bob.ID {
			t.Fatalf("UserID=%v, want %v", got[1].UserID, bob.ID)
		}
		wantTime(t, "Created", got[1].Created, epochUS.Add(time.Minute))
		wantTime(t, "Expires", got[1].Expires, epochUS.Add(10*time.Minute))
		e.h.Clock.Set(epoch.Add(30 * time.Minute))
		check("ExpiredLeaveOut", time.Time{}, 11, 33)
		e.h.Clock.Set(epoch.Add(3 * time.Hour))
		check("AllExpired", time.Time{})
	})

	t.Run("AdminSessions", func(t *testing.T) {
		e := newEnv(t, open)
		ann, bob := e.user(t, "ann"), e.user(t, "bob")
		e.h.Clock.Set(epoch)
		s1 := &edusphere.AdminSession{Hash: hash("s1"), UserID: ann.ID, Expires: epoch.Add(time.Hour)}
		mustOK(t, "CreateAdminSession", e.s.Sessions.CreateAdminSession(e.ctx, s1))
		mustOK(t, "CreateAdminSession", e.s.Sessions.CreateAdminSession(e.ctx,
			&edusphere.AdminSession{Hash: hash("s2"), UserID: ann.ID, Expires: epoch.Add(time.Hour)}))
		mustOK(t, "CreateAdminSession", e.s.Sessions.CreateAdminSession(e.ctx,
			&edusphere.AdminSession{Hash: hash("s3"), UserID: bob.ID, Expires: epoch.Add(2 * time.Hour)}))
		got, err := e.s.Sessions.FindAdminSession(e.ctx, hash("s1"))
		mustOK(t, "FindAdminSession", err)
		if got.UserID != ann.ID || !bytes.Equal(got.Hash, hash("s1")) {
			t.Fatalf("FindAdminSession=%+v", got)
		}
		wantTime(t, "Created", got.Created, epochUS)
		wantTime(t, "Expires", got.Expires, epochUS.Add(time.Hour))
		wantErr(t, e.s.Sessions.CreateAdminSession(e.ctx, &edusphere.AdminSession{Hash: hash("x"), UserID: uuid.New(),
			Expires: epoch.Add(time.Hour)}), edusphere.ENOTFOUND, edusphere.MsgUserNotFound)

		t.Run("Delete", func(t *testing.T) {
			mustOK(t, "DeleteAdminSession", e.s.Sessions.DeleteAdminSession(e.ctx, hash("s1")))
			_, err := e.s.Sessions.FindAdminSession(e.ctx, hash("s1"))
			wantErr(t, err, edusphere.ENOTFOUND, "")
			mustOK(t, "DeleteAdminSession(absent)", e.s.Sessions.DeleteAdminSession(e.ctx, hash("s1")))
		})
		t.Run("DeleteUser", func(t *testing.T) {
			mustOK(t, "DeleteUserAdminSessions", e.s.Sessions.DeleteUserAdminSessions(e.ctx, ann.ID))
			_, err := e.s.Sessions.FindAdminSession(e.ctx, hash("s2"))
			wantErr(t, err, edusphere.ENOTFOUND, "")
			_, err = e.s.Sessions.FindAdminSession(e.ctx, hash("s3"))
			mustOK(t, "FindAdminSession(bob)", err)
		})
		t.Run("Expiry", func(t *testing.T) {
			e.h.Clock.Set(epoch.Add(2*time.Hour + time.Second))
			_, err := e.s.Sessions.FindAdminSession(e.ctx, hash("s3"))
			wantErr(t, err, edusphere.ENOTFOUND, "")
		})
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		e := newEnv(t, open)
		u := e.user(t, "ann")
		e.h.Clock.Set(epoch)
		for _, tt := range []struct {
			name string
			exp  time.Duration
		}{{"short", time.Minute}, {"long", time.Hour}} {
			mustOK(t, "CreateRefreshToken", e.s.Sessions.CreateRefreshToken(e.ctx, &edusphere.RefreshToken{
				UserID: u.ID, Family: uuid.New(), Hash: hash(tt.name), Expires: epoch.Add(tt.exp)}))
			mustOK(t, "CreateAdminSession", e.s.Sessions.CreateAdminSession(e.ctx, &edusphere.AdminSession{
				UserID: u.ID, Hash: hash(tt.name), Expires: epoch.Add(tt.exp)}))
			mustOK(t, "CreateRevocation", e.s.Sessions.CreateRevocation(e.ctx, &edusphere.Revocation{
				UserID: u.ID, OrigIat: int64(tt.exp.Seconds()), Expires: epoch.Add(tt.exp)}))
		}
		mustOK(t, "DeleteExpired", e.s.Sessions.DeleteExpired(e.ctx, epoch.Add(30*time.Minute)))
		_, err := e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("short"))
		wantErr(t, err, edusphere.ENOTFOUND, "")
		_, err = e.s.Sessions.FindRefreshTokenByHash(e.ctx, hash("long"))
		mustOK(t, "FindRefreshTokenByHash(long)", err)
		_, err = e.s.Sessions.FindAdminSession(e.ctx, hash("long"))
		mustOK(t, "FindAdminSession(long)", err)
		// Even with the clock moved back, the deleted revocation is gone.
		revs, err := e.s.Sessions.FindRevocations(e.ctx, time.Time{})
		mustOK(t, "FindRevocations", err)
		if len(revs) != 1 || revs[0].OrigIat != 3600 {
			t.Fatalf("FindRevocations=%d entries, want only the long one", len(revs))
		}
		_, err = e.s.Sessions.FindAdminSession(e.ctx, hash("short"))
		wantErr(t, err, edusphere.ENOTFOUND, "")
	})
}
