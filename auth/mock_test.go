package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/mock"
	"github.com/google/uuid"
)

// Failing stores and a recording broker: cases a real database cannot
// produce on demand.
func TestStoreFailures(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("connection reset")
	cfg := auth.Config{SigningKey: []byte("k"), SecretKey: []byte("s"), Now: func() time.Time { return t0 }}

	t.Run("ErrStartLoad", func(t *testing.T) {
		s := auth.New(cfg, &mock.UserService{}, &mock.SessionService{
			FindRevocationsFn: func(context.Context, time.Time) ([]*edusphere.Revocation, error) { return nil, boom },
		})
		if err := s.Start(ctx); !errors.Is(err, boom) {
			t.Fatalf("Start=%v, want the store error", err)
		}
		s.Close()
	})
	t.Run("ErrLoginStoreDown", func(t *testing.T) {
		s := auth.New(cfg, &mock.UserService{
			FindUserByEmailFn: func(context.Context, string) (*edusphere.User, error) { return nil, boom },
		}, &mock.SessionService{})
		_, err := s.Login(ctx, "a@x.com", "pw", auth.ClientMeta{})
		if edusphere.ErrorCode(err) != edusphere.EINTERNAL || !errors.Is(err, boom) {
			t.Fatalf("Login=%v, want an internal error, not bad credentials", err)
		}
	})
	t.Run("RevokePublishes", func(t *testing.T) {
		var got []edusphere.Event
		c := cfg
		c.Broker = &mock.Broker{PublishFn: func(_ context.Context, channel string, ev edusphere.Event) error {
			if channel != edusphere.SystemChannel {
				t.Fatalf("channel=%q, want %q", channel, edusphere.SystemChannel)
			}
			got = append(got, ev)
			return nil
		}}
		s := auth.New(c, &mock.UserService{}, &mock.SessionService{
			CreateRevocationFn:        func(context.Context, *edusphere.Revocation) error { return nil },
			RevokeUserRefreshTokensFn: func(context.Context, uuid.UUID) error { return nil },
		})
		id := uuid.New()
		if err := s.RevokeUser(ctx, id); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Type != edusphere.EventSessionRevoked || got[0].Revocation == nil ||
			got[0].Revocation.UserID != id || got[0].Revocation.OrigIat != 0 || !got[0].Revocation.Expires.After(t0.Add(7*24*time.Hour)) {
			t.Fatalf("published=%+v", got)
		}
	})
}
