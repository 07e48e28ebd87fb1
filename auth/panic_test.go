package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/edusphere/edusphere/auth"
)

// TestPanicLeavesStatus checks that a panicking handler behind the
// middlewares gets no status from their deferred cookie writer: the
// recovery further out must still be able to answer 500.
func TestPanicLeavesStatus(t *testing.T) {
	key := []byte("panic-test-signing-key-0123456789abcdef")
	s := auth.New(auth.Config{SigningKey: key, SecretKey: key}, nil, nil)
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	recovering := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if recover() != nil {
					w.WriteHeader(http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
	for name, mw := range map[string]func(http.Handler) http.Handler{
		"Middleware": s.Middleware,
		"CSRF":       s.CSRF,
		"Both":       func(h http.Handler) http.Handler { return s.CSRF(s.Middleware(h)) },
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			recovering(mw(boom)).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/graphql/", nil))
			if w.Code != http.StatusInternalServerError {
				t.Fatalf("Code=%d, want 500 from the recovery", w.Code)
			}
		})
	}
}
