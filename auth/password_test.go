package auth

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// djangoHash builds a Django pbkdf2_sha256 hash with crypto/pbkdf2.
func djangoHash(t testing.TB, password, salt string, iter int) string {
	t.Helper()
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), iter, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", iter, salt, base64.StdEncoding.EncodeToString(key))
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("s3cret-horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "argon2$argon2id$v=19$m=19456,t=2,p=1$") || len(h) > 128 {
		t.Fatalf("HashPassword=%q, want Django's argon2 format within 128 chars", h)
	}
	h2, _ := HashPassword("s3cret-horse")
	if h == h2 {
		t.Fatalf("two hashes are equal, want distinct salts")
	}
	for _, tt := range []struct {
		name, hash, password string
		ok, rehash           bool
	}{
		{"OK", h, "s3cret-horse", true, false},
		{"ErrWrongPassword", h, "s3cret-horsE", false, false},
		// An independent vector: Python's hashlib.pbkdf2_hmac.
		{"DjangoVector", "pbkdf2_sha256$1000$seasalt1234$dVCseRolHWXn3dKCrJlqQnEHNpty/gC2g6pUYtCGT/4=", "correct horse battery", true, true},
		{"DjangoBuilt", djangoHash(t, "pässwörd", "abcSALT", 2000), "pässwörd", true, true},
		{"ErrDjangoWrong", djangoHash(t, "right", "salt", 1000), "wrong", false, true},
		{"ErrUnusable", "!unusable", "", false, false},
		{"ErrEmpty", "", "", false, false},
		{"ErrUnknownScheme", "md5$x$y", "y", false, false},
		{"ErrTruncatedArgon", "argon2$argon2id$v=19$m=19456,t=2,p=1$abc", "x", false, false},
		{"ErrHugeIterations", "pbkdf2_sha256$999999999$s$AAAA", "x", false, true},
		{"ErrHugeArgonMemory", "argon2$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$AAAA", "x", false, false},
		{"ErrHugeArgonTime", "argon2$argon2id$v=19$m=1024,t=1000,p=1$c2FsdHNhbHRzYWx0$AAAA", "x", false, false},
		{"ErrHugeArgonLanes", "argon2$argon2id$v=19$m=1024,t=1,p=255$c2FsdHNhbHRzYWx0$AAAA", "x", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash := CheckPassword(tt.hash, tt.password)
			if ok != tt.ok || (ok && rehash != tt.rehash) {
				t.Fatalf("CheckPassword=(%v,%v), want (%v,%v)", ok, rehash, tt.ok, tt.rehash)
			}
		})
	}
	t.Run("OldArgonParamsNeedRehash", func(t *testing.T) {
		salt := []byte("0123456789abcdef")
		key := argon2.IDKey([]byte("pw-older"), salt, 1, 1024, 2, 32)
		old := fmt.Sprintf("argon2$argon2id$v=19$m=1024,t=1,p=2$%s$%s",
			base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
		if ok, rehash := CheckPassword(old, "pw-older"); !ok || !rehash {
			t.Fatalf("CheckPassword(older params)=(%v,%v), want (true,true)", ok, rehash)
		}
	})
}

// TestHashSlots checks that no more hashes run at once than there are
// slots, however many callers arrive together.
func TestHashSlots(t *testing.T) {
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for range 4 * cap(hashSlots) {
		wg.Go(func() {
			withHashSlot(func() {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				running.Add(-1)
			})
		})
	}
	wg.Wait()
	if m := most.Load(); m > int32(cap(hashSlots)) || m < 1 {
		t.Fatalf("at most %d hashes at once, want 1..%d", m, cap(hashSlots))
	}
}
