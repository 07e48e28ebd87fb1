package edusphere

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits of the data model (docs/data.md, Tables).
const (
	MaxNameLength        = 200 // user name, room name, topic name, username, room slug
	MaxEmailLength       = 254
	MaxBioLength         = 500
	MaxDescriptionLength = 500
	MaxBodyLength        = 500
	MaxAvatarLength      = 100
)

// MaxSearchLength bounds a search filter (rooms, topics, users, messages)
// in code points. No text a search looks in is longer (names 200, e-mail
// addresses 254, descriptions, bios and message bodies 500), so a longer
// search could match nothing; the bound keeps the patterns the stores
// build small (docs/limits.md, "GraphQL").
const MaxSearchLength = 500

// ValidateSearch returns the form error of a search filter longer than
// MaxSearchLength, under "search"; nil for an absent or shorter one. Both
// stores call it before building a query.
func ValidateSearch(search *string) error {
	if search == nil {
		return nil
	}
	if n := Len(*search); n > MaxSearchLength {
		return FormError(FieldErrors{{Field: "search", Messages: []string{MsgMaxLength(MaxSearchLength, n)}}})
	}
	return nil
}

// Len counts code points, as Python's len does; all length rules use it.
func Len(s string) int { return utf8.RuneCountInString(s) }

// Slugify follows Django's slugify with allow_unicode=False: NFKD, drop
// non-ASCII, lower-case, keep letters, digits, '_', '-' and white space,
// collapse runs of white space and '-' into '-', trim '-' and '_' at the ends.
func Slugify(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if r >= utf8.RuneSelf {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	var out strings.Builder
	pendingDash := false
	for _, r := range b.String() {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			if pendingDash {
				out.WriteByte('-')
				pendingDash = false
			}
			out.WriteRune(r)
		case r == '-' || isPySpace(r):
			pendingDash = true
		}
	}
	if pendingDash {
		out.WriteByte('-')
	}
	return strings.Trim(out.String(), "-_")
}

// isPySpace matches the ASCII characters Python's \s matches.
func isPySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	}
	return false
}

var (
	slugRe     = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)
	roomNameRe = regexp.MustCompile(`^[a-zA-Z0-9 ]+$`)
	topicRe    = regexp.MustCompile(`^[A-Za-z]+$`)
	emailUser  = regexp.MustCompile("(?i)^[-!#$%&'*+/=?^_`{}|~0-9a-z]+(\\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*$")
	emailQuote = regexp.MustCompile(`(?i)^"([\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0d-\x7f])*"$`)
	emailLabel = regexp.MustCompile(`(?i)^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	emailTLD   = regexp.MustCompile(`(?i)^[a-z0-9-]{2,63}$`)
)

// IsSlug reports whether s is a non-empty run of letters, digits, '_' and '-'.
func IsSlug(s string) bool { return slugRe.MatchString(s) }

// IsRoomName reports whether s holds only ASCII letters, digits and spaces.
func IsRoomName(s string) bool { return roomNameRe.MatchString(s) }

// IsTopicName reports whether s holds only ASCII letters (and at least one).
func IsTopicName(s string) bool { return topicRe.MatchString(s) }

// IsEmail reports whether s is an address Django's EmailValidator accepts.
func IsEmail(s string) bool {
	if s == "" || strings.ContainsAny(s, "\n\r") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	user, domain := s[:at], s[at+1:]
	if !emailUser.MatchString(user) && !emailQuote.MatchString(user) {
		return false
	}
	if domain == "localhost" {
		return true
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		lit := domain[1 : len(domain)-1]
		if strings.HasPrefix(strings.ToLower(lit), "ipv6:") {
			ip := net.ParseIP(lit[5:])
			return ip != nil && ip.To4() == nil
		}
		ip := net.ParseIP(lit)
		return ip != nil && ip.To4() != nil
	}
	ascii, ok := idnaASCII(domain)
	if !ok {
		return false
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels[:len(labels)-1] {
		if !emailLabel.MatchString(l) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return emailTLD.MatchString(tld) && !strings.HasSuffix(tld, "-")
}

// idnaASCII accepts ASCII domains as they are; non-ASCII domains are
// accepted when every label is made of letters, digits and '-', standing in
// for the punycode round trip Django does.
func idnaASCII(domain string) (string, bool) {
	var b strings.Builder
	for _, r := range domain {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteByte('x')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// jsonString returns s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pyRepr renders s as Python's repr of a str: single quotes unless s holds a
// single quote and no double quote, with backslash escapes for the quote in
// use, backslashes and control characters. Printable non-ASCII stays as is.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r >= 0x80:
			switch {
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// checkLength adds the max-length message to field when s is too long.
func checkLength(fe *FieldErrors, field, s string, max int) {
	if n := Len(s); n > max {
		fe.Add(field, MsgMaxLength(max, n))
	}
}

// checkModelText adds the one message a model's text field gets for the
// first rule v breaks: not blank, then at most max characters, then
// valid, whose failure is invalidMsg.
func checkModelText(fe *FieldErrors, field, v string, max int, valid func(string) bool, invalidMsg string) {
	switch {
	case v == "":
		fe.Add(field, MsgBlank)
	case Len(v) > max:
		checkLength(fe, field, v, max)
	case !valid(v):
		fe.Add(field, invalidMsg)
	}
}

// errorOrNil returns a model error for fe, or nil when fe is empty.
func errorOrNil(fe FieldErrors) error {
	if len(fe) == 0 {
		return nil
	}
	return ModelError(EINVALID, fe)
}
