package commonpasswords_test

import (
	"testing"

	"github.com/edusphere/edusphere/auth/commonpasswords"
)

func TestContains(t *testing.T) {
	if n := commonpasswords.Len(); n < 10000 {
		t.Fatalf("Len=%d, want at least 10000", n)
	}
	for _, tt := range []struct {
		password string
		want     bool
	}{
		{"password", true},
		{"PassWord", true},
		{"  qwerty\t", true},
		{"12345678", true},
		{"dragon", true},
		{"Xq7#vLr2!mZp", false},
		{"", false},
	} {
		if got := commonpasswords.Contains(tt.password); got != tt.want {
			t.Fatalf("Contains(%q)=%v, want %v", tt.password, got, tt.want)
		}
	}
}
