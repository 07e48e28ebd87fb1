package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: OWASP's recommendation of 19 MiB of
// memory, 2 passes and 1 lane.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// maxPBKDF2Iterations bounds the work a stored Django hash can ask for, so a
// corrupted row cannot pin a CPU.
const maxPBKDF2Iterations = 10_000_000

// Bounds on the argon2id parameters a stored hash can ask for, so a
// corrupted row cannot make one check allocate gigabytes or run for
// minutes. Django's own defaults (m=102400, t=2, p=8) are well inside.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 16
	maxArgonThreads = 16
)

// hashSlots bounds the password hashes computed at once to the CPUs Go
// uses. Each argon2id hash allocates its memory parameter (19 MiB here) and
// keeps a CPU busy, so running more at once than there are CPUs finishes
// none sooner and only multiplies the memory: a burst of a hundred log-ins
// would otherwise ask for nearly 2 GiB.
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// withHashSlot runs f when a hash slot is free.
func withHashSlot(f func()) {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	f()
}

// HashPassword returns an argon2id hash of password in Django's
// Argon2PasswordHasher format,
// "argon2$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded base64), so
// a Django installation with argon2 enabled can still read it.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	var key []byte
	withHashSlot(func() { key = argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen) })
	return fmt.Sprintf("argon2$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash, and whether the hash
// should be replaced by a fresh HashPassword: always for Django's
// pbkdf2_sha256, and for argon2id hashes made with other parameters. An
// unusable hash ("!…", empty) or an unknown scheme never matches.
func CheckPassword(hash, password string) (ok, needsRehash bool) {
	switch scheme, _ := PasswordScheme(hash); scheme {
	case "argon2":
		return checkArgon2(hash, password)
	case "pbkdf2_sha256":
		return checkPBKDF2(hash, password), true
	}
	return false, false
}

// PasswordScheme names the scheme of a stored hash ("argon2",
// "pbkdf2_sha256", "unusable" for "!…" and "", else the text before the
// first "$") and reports whether CheckPassword can verify it; the import
// reports users whose hashes nobody can log in with.
func PasswordScheme(hash string) (scheme string, checkable bool) {
	switch {
	case hash == "" || strings.HasPrefix(hash, "!"):
		return "unusable", true
	case strings.HasPrefix(hash, "argon2$"):
		return "argon2", true
	case strings.HasPrefix(hash, "pbkdf2_sha256$"):
		return "pbkdf2_sha256", true
	}
	scheme, _, ok := strings.Cut(hash, "$")
	if !ok || len(scheme) > 32 {
		return "unknown", false
	}
	return scheme, false
}

// checkArgon2 verifies "argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash".
func checkArgon2(hash, password string) (ok, needsRehash bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 ||
		m > maxArgonMemory || t > maxArgonTime || p > maxArgonThreads {
		return false, false
	}
	salt, err := decodeB64(parts[4])
	if err != nil {
		return false, false
	}
	want, err := decodeB64(parts[5])
	if err != nil || len(want) == 0 {
		return false, false
	}
	var got []byte
	withHashSlot(func() { got = argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want))) })
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false
	}
	return true, m != argonMemory || t != argonTime || p != argonThreads || len(want) != argonKeyLen
}

// checkPBKDF2 verifies Django's "pbkdf2_sha256$<iterations>$<salt>$<b64>".
func checkPBKDF2(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter <= 0 || iter > maxPBKDF2Iterations {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(want) != sha256.Size {
		return false
	}
	var got []byte
	withHashSlot(func() { got, err = pbkdf2.Key(sha256.New, password, []byte(parts[2]), iter, sha256.Size) })
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// decodeB64 reads base64 with or without padding, as argon2-cffi writes none.
func decodeB64(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// burnPasswordCheck spends the time of one real argon2id verification, so a
// log-in for an unknown email or an unusable hash takes as long as a wrong
// password and does not reveal which accounts exist.
func burnPasswordCheck(password string) {
	dummyOnce.Do(func() {
		h, err := HashPassword(rand.Text())
		if err != nil {
			// rand never fails on supported platforms; keep a fixed hash
			// of the right shape so the cost stays the same.
			h = "argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + strings.Repeat("A", 43)
		}
		dummyHash = h
	})
	CheckPassword(dummyHash, password)
}
