package mock_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/mock"
	"github.com/google/uuid"
)

func TestFnFields(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		want := errors.New("boom")
		var users edusphere.UserService = &mock.UserService{
			FindUserByIDFn: func(context.Context, uuid.UUID) (*edusphere.User, error) { return nil, want },
		}
		if _, err := users.FindUserByID(context.Background(), uuid.New()); err != want {
			t.Fatalf("FindUserByID=%v, want %v", err, want)
		}
	})
	t.Run("ErrUnsetPanicsWithName", func(t *testing.T) {
		defer func() {
			r := recover()
			if msg, _ := r.(string); !strings.Contains(msg, "UserService.DeleteUser") {
				t.Fatalf("panic=%v, want it to name UserService.DeleteUser", r)
			}
		}()
		(&mock.UserService{}).DeleteUser(context.Background(), uuid.New())
	})
}
