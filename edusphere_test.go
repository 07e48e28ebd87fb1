package edusphere

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestErrorCodeAndMessage(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"Nil", nil, "", ""},
		{"Domain", Errorf(ENOTFOUND, "Room %s", "not found"), ENOTFOUND, "Room not found"},
		{"Wrapped", fmt.Errorf("find room: %w", NotFound(MsgRoomNotFound)), ENOTFOUND, "Room not found"},
		{"OtherIsInternal", errors.New("disk on fire"), EINTERNAL, "Internal error."},
		{"PermissionDenied", PermissionDenied(), EFORBIDDEN, "Permission denied"},
		{"LoginRequired", LoginRequired(), EUNAUTHORIZED, MsgLoginRequired},
		{"FormError", FormError(FieldErrors{{Field: "email", Messages: []string{MsgRequired}}}), EINVALID, "Invalid data"},
		{"ModelFieldError", ModelFieldError(ECONFLICT, "email", MsgEmailTaken), ECONFLICT,
			"{'email': ['User with this Email already exists.']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Fatalf("ErrorCode=%q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.msg {
				t.Fatalf("ErrorMessage=%q, want %q", got, tt.msg)
			}
		})
	}
}

func TestMsgMaxLength(t *testing.T) {
	if got, want := MsgMaxLength(500, 501), "Ensure this value has at most 500 characters (it has 501)."; got != want {
		t.Fatalf("MsgMaxLength=%q, want %q", got, want)
	}
}

func TestUserContext(t *testing.T) {
	ctx := context.Background()
	if u := UserFromContext(ctx); u != nil {
		t.Fatalf("UserFromContext=%v, want nil", u)
	}
	if id := UserIDFromContext(ctx); id != uuid.Nil {
		t.Fatalf("UserIDFromContext=%v, want nil UUID", id)
	}
	u := &User{ID: uuid.New()}
	ctx = NewContextWithUser(ctx, u)
	if got := UserFromContext(ctx); got != u {
		t.Fatalf("UserFromContext=%v, want %v", got, u)
	}
	if got := UserIDFromContext(ctx); got != u.ID {
		t.Fatalf("UserIDFromContext=%v, want %v", got, u.ID)
	}
}

func TestClock_Now(t *testing.T) {
	fixed := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	got := Clock(func() time.Time { return fixed }).Now()
	if want := time.Date(2025, 1, 2, 2, 4, 5, 123456000, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Now=%v, want %v in UTC", got, want)
	}
	if real := Clock(nil).Now(); time.Since(real) > time.Minute || real.Nanosecond()%1000 != 0 {
		t.Fatalf("Now=%v, want current time truncated to microseconds", real)
	}
}

func TestRoomChannel(t *testing.T) {
	id := uuid.MustParse("6f1c1a52-3d0e-4c56-9c3b-8f8d3c1e2a10")
	if got, want := RoomChannel(id), "room:6f1c1a52-3d0e-4c56-9c3b-8f8d3c1e2a10"; got != want {
		t.Fatalf("RoomChannel=%q, want %q", got, want)
	}
}
