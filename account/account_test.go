package account_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/account"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/media"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// recorder is a Notifier that keeps what it was asked to announce.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.calls = append(r.calls, s)
	r.mu.Unlock()
}

func (r *recorder) UserDisabled(_ context.Context, id uuid.UUID) {
	r.add("user.disabled " + id.String())
}
func (r *recorder) RoomDeleted(_ context.Context, id uuid.UUID) { r.add("room.deleted " + id.String()) }
func (r *recorder) MessageDeleted(_ context.Context, m *edusphere.Message) {
	r.add("message.deleted " + m.ID.String() + " in " + m.RoomID.String())
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.calls)
	slices.Sort(out)
	return out
}

// world is an account service over a test database, the auth service as
// its revoker and a media directory, with one user logged in.
type world struct {
	ctx      context.Context
	h        *testdb.Handle
	svc      *account.Service
	auth     *auth.Service
	notes    *recorder
	dir      string
	ann, bob *edusphere.User
	token    string // ann's access token
	refresh  string // ann's refresh token
	admin    []byte // hash of ann's admin session
}

const pw = "Tr1cky-Horse-42"

func newWorld(t *testing.T, h *testdb.Handle) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{ctx: ctx, h: h, notes: &recorder{}, dir: t.TempDir()}
	w.auth = auth.New(auth.Config{SigningKey: []byte("account-test-key"), SecretKey: []byte("account-test-secret")},
		h.Services.Users, h.Services.Sessions)
	t.Cleanup(func() { w.auth.Close() })
	w.svc = account.New(account.Config{Store: h.Services, Notifier: w.notes, Revoker: w.auth, Files: media.NewDir(w.dir),
		Logger: slog.New(slog.DiscardHandler)})
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	w.ann = testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "ann", Email: "ann@example.com", Password: hash, IsStaff: true})
	w.bob = testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "bob"})
	if err := os.MkdirAll(filepath.Join(w.dir, "avatars"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "avatars", "ann.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	avatar := "avatars/ann.png"
	if _, err := h.Services.Users.UpdateUser(ctx, w.ann.ID, edusphere.UserUpdate{Avatar: &avatar}); err != nil {
		t.Fatal(err)
	}
	l, err := w.auth.Login(ctx, "ann@example.com", pw, auth.ClientMeta{})
	if err != nil {
		t.Fatalf("Login=%v", err)
	}
	w.token, w.refresh = l.Token, l.RefreshToken
	sum := sha256.Sum256([]byte("ann's admin session"))
	w.admin = sum[:]
	if err := h.Services.Sessions.CreateAdminSession(ctx, &edusphere.AdminSession{Hash: w.admin, UserID: w.ann.ID,
		Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return w
}

// sessionsEnded checks that every session ann had is over.
func (w *world) sessionsEnded(t *testing.T) {
	t.Helper()
	if u, err := w.auth.Authenticate(w.ctx, w.token); err == nil && u != nil {
		t.Fatalf("ann's access token still authenticates")
	}
	if _, err := w.auth.Refresh(w.ctx, "", w.refresh, auth.ClientMeta{}); err == nil {
		t.Fatalf("ann's refresh token still renews her session")
	}
	if _, err := w.h.Services.Sessions.FindAdminSession(w.ctx, w.admin); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
		t.Fatalf("ann's admin session: %v, want ENOTFOUND", err)
	}
}

func TestDeactivateReactivate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		w := newWorld(t, h)
		u, err := w.svc.DeactivateUser(w.ctx, w.ann.ID)
		if err != nil || u.IsActive {
			t.Fatalf("DeactivateUser=(%+v, %v), want an inactive user", u, err)
		}
		w.sessionsEnded(t)
		if got, want := w.notes.list(), []string{"user.disabled " + w.ann.ID.String()}; !slices.Equal(got, want) {
			t.Fatalf("announced %q, want %q", got, want)
		}
		if _, err := w.auth.Login(w.ctx, "ann@example.com", pw, auth.ClientMeta{}); edusphere.ErrorCode(err) != edusphere.EUNAUTHORIZED {
			t.Fatalf("Login while inactive=%v, want refused", err)
		}

		u, err = w.svc.ReactivateUser(w.ctx, w.ann.ID)
		if err != nil || !u.IsActive {
			t.Fatalf("ReactivateUser=(%+v, %v), want an active user", u, err)
		}
		if _, err := w.auth.Authenticate(w.ctx, w.token); edusphere.ErrorMessage(err) != "Invalid token" {
			t.Fatalf("old token after reactivation: %v, want Invalid token (sessions stay ended)", err)
		}
		if _, err := w.auth.Login(w.ctx, "ann@example.com", pw, auth.ClientMeta{}); err != nil {
			t.Fatalf("Login after reactivation=%v", err)
		}
		if got := w.notes.list(); len(got) != 1 {
			t.Fatalf("announced %q, want nothing more on reactivation", got)
		}

		for name, call := range map[string]func() error{
			"Deactivate": func() error { _, err := w.svc.DeactivateUser(w.ctx, uuid.New()); return err },
			"Reactivate": func() error { _, err := w.svc.ReactivateUser(w.ctx, uuid.New()); return err },
			"Delete":     func() error { return w.svc.DeleteUser(w.ctx, uuid.New()) },
		} {
			if err := call(); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("%s(unknown user)=%v, want ENOTFOUND", name, err)
			}
		}
	})
}

func TestDeleteUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		w := newWorld(t, h)
		ctx, s := w.ctx, h.Services
		hosted := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: w.ann.ID, Name: "Anns"})
		other := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: w.bob.ID, Name: "Bobs"})
		if _, err := s.Rooms.JoinRoom(ctx, other.ID, w.ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rooms.JoinRoom(ctx, hosted.ID, w.bob.ID); err != nil {
			t.Fatal(err)
		}
		inHosted := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: hosted.ID, UserID: w.bob.ID, Body: "bob at ann's"})
		mine1 := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: other.ID, UserID: w.ann.ID, Body: "one"})
		mine2 := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: other.ID, UserID: w.ann.ID, Body: "two"})
		testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: hosted.ID, UserID: w.ann.ID, Body: "own room"})
		kept := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: other.ID, UserID: w.bob.ID, Body: "bob's"})

		if err := w.svc.DeleteUser(ctx, w.ann.ID); err != nil {
			t.Fatalf("DeleteUser=%v", err)
		}
		if _, err := s.Users.FindUserByID(ctx, w.ann.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("FindUserByID after delete=%v, want ENOTFOUND", err)
		}
		w.sessionsEnded(t)
		if _, err := s.Rooms.FindRoomByID(ctx, hosted.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("hosted room: %v, want deleted", err)
		}
		for _, m := range []*edusphere.Message{inHosted, mine1, mine2} {
			if _, err := s.Messages.FindMessageByID(ctx, m.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("message %q: %v, want deleted", m.Body, err)
			}
		}
		if _, err := s.Messages.FindMessageByID(ctx, kept.ID); err != nil {
			t.Fatalf("bob's message in his room: %v, want kept", err)
		}
		if _, err := os.Stat(filepath.Join(w.dir, "avatars", "ann.png")); !os.IsNotExist(err) {
			t.Fatalf("avatar file: %v, want removed", err)
		}
		want := []string{
			"user.disabled " + w.ann.ID.String(),
			"room.deleted " + hosted.ID.String(),
			fmt.Sprintf("message.deleted %s in %s", mine1.ID, other.ID),
			fmt.Sprintf("message.deleted %s in %s", mine2.ID, other.ID),
		}
		slices.Sort(want)
		if got := w.notes.list(); !slices.Equal(got, want) {
			t.Fatalf("announced\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if err := w.svc.DeleteUser(ctx, w.ann.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("second DeleteUser=%v, want ENOTFOUND", err)
		}
	})
}
