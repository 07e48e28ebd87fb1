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

func TestSessionOrigIat(t *testing.T) {
	user := uuid.New()
	const now = 1_750_000_000
	at := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	taken := func(ts ...int64) map[int64]bool {
		m := map[int64]bool{}
		for _, t := range ts {
			m[t] = true
		}
		return m
	}
	tests := []struct {
		name  string
		taken map[int64]bool
		revs  []*Revocation
		want  int64
	}{
		{"Free", nil, nil, now},
		{"TakenGoesBack", taken(now), nil, now - 1},
		{"SkipsTakenAndDenied", taken(now, now-1), []*Revocation{{UserID: user, OrigIat: now - 2, Created: at(now - 2)}}, now - 3},
		{"OtherUsersDoNotCount", nil, []*Revocation{{UserID: uuid.New(), Created: at(now)}}, now},
		{"UserWideThisSecondGoesForward", nil, []*Revocation{{UserID: user, Created: at(now)}}, now + 1},
		{"UserWideEarlierStopsTheWayBack", taken(now, now-1), []*Revocation{{UserID: user, Created: at(now - 2)}}, now + 1},
		{"BackdateBounded", taken(func() []int64 {
			var ts []int64
			for s := int64(now - SessionBackdate); s <= now+1; s++ {
				ts = append(ts, s)
			}
			return ts
		}()...), nil, now + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SessionOrigIat(user, now, tt.taken, tt.revs); got != tt.want {
				t.Fatalf("SessionOrigIat=%d, want %d (now%+d)", got, tt.want, tt.want-now)
			}
		})
	}
}
