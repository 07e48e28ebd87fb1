package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
)

func TestValidatePassword(t *testing.T) {
	const (
		simUser  = "The password is too similar to the username."
		simEmail = "The password is too similar to the email."
	)
	for _, tt := range []struct {
		name, password, username, email string
		want                            []string
	}{
		{"OK", "Xk3!pq9#zz", "bob", "bob@example.com", nil},
		{"ErrSimilarUsername", "johnsmith1", "johnsmith", "j@x.com", []string{simUser}},
		{"ErrSimilarEmailPart", "alicewonder", "alice99", "alice.wonder@example.com", []string{simEmail}},
		{"ErrSimilarEmailDomain", "bobexample", "bob", "bob@example.com", []string{simEmail}},
		{"LongPasswordSkipsShortParts", strings.Repeat("a", 40), "a", "q@x.com", nil},
		{"ErrTooShort", "Zq9!x", "bob", "bob@example.com", []string{MsgPasswordTooShort}},
		{"ErrTooCommon", "password1", "zed", "zed@example.com", []string{MsgPasswordTooCommon}},
		{"ErrNumeric", "83920174659", "zed", "zed@example.com", []string{MsgPasswordNumeric}},
		{"ErrAllInOrder", "1234567", "1234567", "q@x.com", []string{simUser, MsgPasswordTooShort, MsgPasswordTooCommon, MsgPasswordNumeric}},
		{"NoUserSkipsSimilarity", "johnsmith1", "", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := validatePassword(tt.password, &edusphere.User{Username: tt.username, Email: tt.email})
			if !slices.Equal(got, tt.want) {
				t.Fatalf("validatePassword(%q)=%q, want %q", tt.password, got, tt.want)
			}
		})
	}
}
