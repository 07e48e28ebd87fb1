package edusphere

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestRevocation_Denies(t *testing.T) {
	user, other := uuid.New(), uuid.New()
	created := time.Date(2025, 6, 3, 12, 0, 0, 0, time.UTC)
	one := &Revocation{UserID: user, OrigIat: 1000, Created: created}
	all := &Revocation{UserID: user, Created: created}
	tests := []struct {
		name    string
		r       *Revocation
		user    uuid.UUID
		origIat int64
		want    bool
	}{
		{"OneSessionSame", one, user, 1000, true},
		{"OneSessionOther", one, user, 1001, false},
		{"OneSessionOtherUser", one, other, 1000, false},
		{"AllBefore", all, user, created.Unix() - 60, true},
		{"AllAtCreation", all, user, created.Unix(), true},
		{"AllLaterLogin", all, user, created.Unix() + 1, false},
		{"AllOtherUser", all, other, created.Unix() - 60, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Denies(tt.user, tt.origIat); got != tt.want {
				t.Fatalf("Denies=%v, want %v", got, tt.want)
			}
		})
	}
}
