// Package commonpasswords holds a list of the 20,000 most common passwords,
// embedded in the binary, for the "This password is too common." rule.
//
// The data comes from the OWASP SecLists project (Mark Burnett's 10 million
// password list, top entries), CC BY-SA 3.0; see README in this directory
// for its origin, licence and how it was trimmed.
package commonpasswords

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed passwords.txt
var data string

var (
	once sync.Once
	set  map[string]struct{}
)

func load() {
	lines := strings.Split(data, "\n")
	set = make(map[string]struct{}, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			set[l] = struct{}{}
		}
	}
}

// Contains reports whether password is on the list. Like Django's
// CommonPasswordValidator it compares the password lower-cased and with
// surrounding white space removed.
func Contains(password string) bool {
	once.Do(load)
	_, ok := set[strings.ToLower(strings.TrimSpace(password))]
	return ok
}

// Len returns the number of distinct passwords on the list.
func Len() int {
	once.Do(load)
	return len(set)
}
