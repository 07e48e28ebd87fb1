package auth

import (
	"math"
	"strings"
	"testing"
)

// The expected values were computed with Python 3's difflib.SequenceMatcher.
func TestSequenceMatcher(t *testing.T) {
	for _, tt := range []struct {
		a, b                    string
		ratio, quick, realQuick float64
	}{
		{"password", "pass", 0.6666666666666666, 0.6666666666666666, 0.6666666666666666},
		{"johnsmith1", "johnsmith", 0.9473684210526315, 0.9473684210526315, 0.9473684210526315},
		{"abcd", "dcba", 0.25, 1, 1},
		{"", "", 1, 1, 1},
		{"qwertyuiop", "asdfghjkl", 0, 0, 0.9473684210526315},
		{"tide", "diet", 0.25, 1, 1},
		{"private volume", "pri", 0.35294117647058826, 0.35294117647058826, 0.35294117647058826},
		// b of 255 elements triggers autojunk: 'a' and 'b' are popular.
		{strings.Repeat("a", 10) + strings.Repeat("b", 300), strings.Repeat("b", 250) + strings.Repeat("a", 5), 0, 0.9026548672566371, 0.9026548672566371},
	} {
		m := newSequenceMatcher(tt.a, tt.b)
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"ratio", m.ratio(), tt.ratio}, {"quickRatio", m.quickRatio(), tt.quick}, {"realQuickRatio", m.realQuickRatio(), tt.realQuick}} {
			if math.Abs(c.got-c.want) > 1e-12 {
				t.Fatalf("%s(%.20q, %.20q)=%v, want %v", c.name, tt.a, tt.b, c.got, c.want)
			}
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
