package auth

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/golang-jwt/jwt/v5"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTokenService(t *testing.T) *Service {
	t.Helper()
	return New(Config{SigningKey: []byte("signing-key"), SecretKey: []byte("secret"), Now: func() time.Time { return testNow }}, nil, nil)
}

func mint(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignClaimsOrder(t *testing.T) {
	s := newTokenService(t)
	tok, c, err := s.issue("Ann@x.com", testNow.Unix()-5)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if string(hdr) != `{"alg":"HS256","typ":"JWT"}` {
		t.Fatalf("header=%s, want {\"alg\":\"HS256\",\"typ\":\"JWT\"}", hdr)
	}
	wantExp := testNow.Add(10 * time.Minute).Unix()
	if string(body) != `{"email":"Ann@x.com","exp":`+itoa(wantExp)+`,"origIat":`+itoa(testNow.Unix()-5)+`}` {
		t.Fatalf("claims=%s, want email, exp, origIat in that order", body)
	}
	if c.Exp != wantExp || c.Map()["origIat"] != testNow.Unix()-5 {
		t.Fatalf("Claims=%+v", c)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestDecode(t *testing.T) {
	s := newTokenService(t)
	key := []byte("signing-key")
	now := testNow.Unix()
	good := jwt.MapClaims{"email": "a@x.com", "exp": now + 60, "origIat": now}
	with := func(k string, v any) jwt.MapClaims {
		m := jwt.MapClaims{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tt := range []struct {
		name, token, want string
	}{
		{"OK", mint(t, jwt.SigningMethodHS256, key, good), ""},
		{"ErrExpired", mint(t, jwt.SigningMethodHS256, key, with("exp", now)), MsgSignatureExpired},
		{"ErrBadSignature", mint(t, jwt.SigningMethodHS256, []byte("other"), good), MsgDecodingSignature},
		{"ErrMalformed", "abc.def", MsgDecodingSignature},
		{"ErrEmpty", "", MsgDecodingSignature},
		{"ErrGarbage", "a.b.c", MsgDecodingSignature},
		{"ErrExpNotInteger", mint(t, jwt.SigningMethodHS256, key, with("exp", "soon")), MsgDecodingSignature},
		{"ErrWrongAlg", mint(t, jwt.SigningMethodHS512, key, good), MsgInvalidToken},
		{"ErrNoneAlg", mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good), MsgInvalidToken},
		{"ErrIatInFuture", mint(t, jwt.SigningMethodHS256, key, with("iat", now+30)), MsgInvalidToken},
		{"ErrNoExp", mint(t, jwt.SigningMethodHS256, key, with("exp", nil)), MsgInvalidToken},
		{"ErrNoEmail", mint(t, jwt.SigningMethodHS256, key, with("email", nil)), MsgInvalidPayload},
		{"ErrEmptyEmail", mint(t, jwt.SigningMethodHS256, key, with("email", "")), MsgInvalidPayload},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.decode(tt.token, decodeOptions{})
			if tt.want == "" {
				if err != nil || c.Email != "a@x.com" || c.OrigIat != now {
					t.Fatalf("decode=(%+v,%v), want the claims", c, err)
				}
				return
			}
			if edusphere.ErrorCode(err) != edusphere.EUNAUTHORIZED || edusphere.ErrorMessage(err) != tt.want {
				t.Fatalf("decode error=%v, want %q", err, tt.want)
			}
		})
	}
	t.Run("AllowExpiredStillChecksSignature", func(t *testing.T) {
		if _, err := s.decode(mint(t, jwt.SigningMethodHS256, key, with("exp", now-100)), decodeOptions{allowExpired: true}); err != nil {
			t.Fatalf("decode(expired, allowExpired)=%v, want nil", err)
		}
		if _, err := s.decode(mint(t, jwt.SigningMethodHS256, []byte("x"), with("exp", now-100)), decodeOptions{allowExpired: true}); err == nil {
			t.Fatalf("decode(bad signature, allowExpired)=nil, want error")
		}
	})
}

func TestAuthorizationToken(t *testing.T) {
	for _, tt := range []struct {
		header, want string
		ok           bool
	}{
		{"JWT abc", "abc", true},
		{"jwt   abc", "abc", true},
		{"Jwt\tabc", "abc", true},
		{"Bearer abc", "", false},
		{"JWT", "", false},
		{"JWT a b", "", false},
		{"", "", false},
	} {
		got, ok := authorizationToken(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Fatalf("authorizationToken(%q)=(%q,%v), want (%q,%v)", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}
