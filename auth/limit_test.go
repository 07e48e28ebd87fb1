package auth

import (
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    Limit
		wantErr bool
	}{
		{"10/15m", Limit{10, 15 * time.Minute}, false},
		{"20/1s", Limit{20, time.Second}, false},
		{"100/1d", Limit{100, 24 * time.Hour}, false},
		{"5/m", Limit{5, time.Minute}, false},
		{"0", Limit{}, false},
		{"", Limit{}, false},
		{"0/1m", Limit{}, false},
		{"ten/1m", Limit{}, true},
		{"10", Limit{}, true},
		{"10/-1m", Limit{}, true},
		{"10/xyz", Limit{}, true},
		{"3/h", Limit{3, time.Hour}, false},
		{"2/d", Limit{2, 24 * time.Hour}, false},
		{"6/1.5d", Limit{6, 36 * time.Hour}, false},
		{"off", Limit{}, false},
		{"x/1m", Limit{}, true},
		{"10/0s", Limit{}, true},
		{"10/0d", Limit{}, true},
		{"10/1dd", Limit{}, true},
		{"-1/1m", Limit{}, true},
	} {
		got, err := ParseLimit(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Fatalf("ParseLimit(%q)=(%v,%v), want (%v, err=%v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got := (Limit{Count: 10, Per: 15 * time.Minute}).String(); got != "10/15m0s" {
		t.Fatalf("String=%q, want 10/15m0s", got)
	}
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lim := NewLimiter(Limit{Count: 3, Per: time.Minute})
	lim.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if ok, _ := lim.Allow("a"); !ok {
			t.Fatalf("Allow #%d=false, want true", i+1)
		}
	}
	ok, wait := lim.Allow("a")
	if ok || wait != 20*time.Second {
		t.Fatalf("Allow #4=(%v,%v), want (false,20s)", ok, wait)
	}
	if ok, _ := lim.Allow("b"); !ok {
		t.Fatalf("Allow(other key)=false, want true")
	}
	now = now.Add(20 * time.Second)
	if ok, _ := lim.Allow("a"); !ok {
		t.Fatalf("Allow after refill=false, want true")
	}
	lim.Return("a")
	if ok, _ := lim.Allow("a"); !ok {
		t.Fatalf("Allow after Return=false, want true")
	}
	if ok, _ := NewLimiter(Limit{}).Allow("x"); !ok {
		t.Fatalf("zero limit Allow=false, want true")
	}
	if err := tooManyAttempts(1500 * time.Millisecond); err.Error() == "" || !contains(err, "Too many attempts. Try again in 2 seconds.") {
		t.Fatalf("tooManyAttempts=%v", err)
	}
}
