package auth

import (
	"strings"
	"unicode"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth/commonpasswords"
)

// Password rule messages (docs/auth.md, Passwords).
const (
	MsgPasswordTooShort     = "This password is too short. It must contain at least 8 characters."
	MsgPasswordTooCommon    = "This password is too common."
	MsgPasswordNumeric      = "This password is entirely numeric."
	msgPasswordSimilarStart = "The password is too similar to the "
)

// Password rule settings, Django's defaults.
const (
	minPasswordLength = 8
	maxSimilarity     = 0.7
)

// ValidatePassword runs the registration password rules against password
// for user u (which may be nil) and returns their messages in order:
// similarity to the username, then the email; minimum length; common
// password; entirely numeric. Every rule runs; an empty result means the
// password is acceptable.
func (s *Service) ValidatePassword(password string, u *edusphere.User) []string {
	return validatePassword(password, u)
}

func validatePassword(password string, u *edusphere.User) []string {
	var msgs []string
	if u != nil {
		if name, ok := similarAttribute(password, []attribute{
			{"username", u.Username},
			{"email", u.Email},
		}); ok {
			msgs = append(msgs, msgPasswordSimilarStart+name+".")
		}
	}
	if edusphere.Len(password) < minPasswordLength {
		msgs = append(msgs, MsgPasswordTooShort)
	}
	if commonpasswords.Contains(password) {
		msgs = append(msgs, MsgPasswordTooCommon)
	}
	if isNumeric(password) {
		msgs = append(msgs, MsgPasswordNumeric)
	}
	return msgs
}

// attribute is one user attribute the similarity rule compares against.
type attribute struct{ name, value string }

// similarAttribute follows Django 5's UserAttributeSimilarityValidator: the
// lower-cased password is compared with each lower-cased attribute value and
// with its parts split on \W+; a part much shorter than the password is
// skipped; the first attribute whose quick ratio reaches 0.7 is reported.
func similarAttribute(password string, attrs []attribute) (string, bool) {
	password = strings.ToLower(password)
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		value := strings.ToLower(a.value)
		parts := append(splitNonWord(value), value)
		for _, part := range parts {
			if exceedsMaximumLengthRatio(password, maxSimilarity, part) {
				continue
			}
			if quickRatio(password, part) >= maxSimilarity {
				return a.name, true
			}
		}
	}
	return "", false
}

// exceedsMaximumLengthRatio is Django's shortcut: a value ten times shorter
// than the password cannot reach the similarity bound.
func exceedsMaximumLengthRatio(password string, maxSim float64, value string) bool {
	pwdLen := edusphere.Len(password)
	lengthBoundSimilarity := maxSim / 2 * float64(pwdLen)
	valueLen := edusphere.Len(value)
	return pwdLen >= 10*valueLen && float64(valueLen) < lengthBoundSimilarity
}

// splitNonWord is Python's re.split(r"\W+", s) for str patterns: a word
// character is a letter, a number or '_'; empty leading and trailing parts
// are kept, as Python keeps them.
func splitNonWord(s string) []string {
	var parts []string
	var cur strings.Builder
	inSep := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' {
			if inSep {
				parts = append(parts, cur.String())
				cur.Reset()
				inSep = false
			}
			cur.WriteRune(r)
		} else {
			inSep = true
		}
	}
	if inSep {
		parts = append(parts, cur.String())
		cur.Reset()
	}
	parts = append(parts, cur.String())
	return parts
}

// isNumeric is Python's str.isdigit for the "entirely numeric" rule.
func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
