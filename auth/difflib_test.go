package auth

import (
	"math"
	"strings"
	"testing"
)

// The expected values were computed with Python 3's
// difflib.SequenceMatcher(None, a, b).quick_ratio().
func TestQuickRatio(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"password", "pass", 0.6666666666666666},
		{"johnsmith1", "johnsmith", 0.9473684210526315},
		{"abcd", "dcba", 1},
		{"", "", 1},
		{"abc", "", 0},
		{"qwertyuiop", "asdfghjkl", 0},
		{"tide", "diet", 1},
		{"private volume", "pri", 0.35294117647058826},
		{"héllo", "hello", 0.8},
		// b of 255 elements, where SequenceMatcher's autojunk marks 'a' and
		// 'b' popular: quick_ratio still counts them.
		{strings.Repeat("a", 10) + strings.Repeat("b", 300), strings.Repeat("b", 250) + strings.Repeat("a", 5), 0.9026548672566371},
	} {
		if got := quickRatio(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Fatalf("quickRatio(%.20q, %.20q)=%v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSplitNonWord(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"john.doe@x-mail.com", "john|doe|x|mail|com"},
		{"@abc!", "|abc|"},
		{"", ""},
		{"héllo_wörld", "héllo_wörld"},
	} {
		if got := strings.Join(splitNonWord(tt.in), "|"); got != tt.want {
			t.Fatalf("splitNonWord(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}
