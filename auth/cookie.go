package auth

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// csrfCookieAge is the csrftoken cookie's Max-Age: 52 weeks.
const csrfCookieAge = 31449600

// cookieLine renders a Set-Cookie value the way Django writes it, attributes
// in its order: "name=value; expires=…; HttpOnly; Max-Age=…; Path=/;
// SameSite=Lax" and "; Secure" on HTTPS sites.
func (s *Service) cookieLine(name, value string, age time.Duration, httpOnly bool) string {
	return s.cookieLineSeconds(name, value, int64(age/time.Second), httpOnly)
}

func (s *Service) cookieLineSeconds(name, value string, age int64, httpOnly bool) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	b.WriteString("; expires=")
	b.WriteString(s.now().Add(time.Duration(age) * time.Second).UTC().Format(http.TimeFormat))
	if httpOnly {
		b.WriteString("; HttpOnly")
	}
	b.WriteString("; Max-Age=")
	b.WriteString(strconv.FormatInt(age, 10))
	b.WriteString("; Path=/; SameSite=Lax")
	if s.cfg.SecureCookies {
		b.WriteString("; Secure")
	}
	return b.String()
}

// deletionLine renders a deletion cookie (docs/auth.md, Cookies):
// `name=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`.
func (s *Service) deletionLine(name string) string {
	line := name + `=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`
	if s.cfg.SecureCookies {
		line += "; Secure"
	}
	return line
}

// varyValues returns the Vary tokens of h in order.
func varyValues(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Vary") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// setVary writes vals as one Vary header, dropping repeats (ignoring case).
func setVary(h http.Header, vals []string) {
	var kept []string
	for _, v := range vals {
		dup := false
		for _, k := range kept {
			if strings.EqualFold(k, v) {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, v)
		}
	}
	h.Set("Vary", strings.Join(kept, ", "))
}

// addVary appends v to Vary unless present.
func addVary(h http.Header, v string) { setVary(h, append(varyValues(h), v)) }

// prependVary puts v first in Vary unless present.
func prependVary(h http.Header, v string) { setVary(h, append([]string{v}, varyValues(h)...)) }
