package auth

import (
	"strings"

	"github.com/edusphere/edusphere"
)

// contains reports whether err's user-facing message contains s.
func contains(err error, s string) bool {
	return err != nil && strings.Contains(edusphere.ErrorMessage(err), s)
}
