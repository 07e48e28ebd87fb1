package gql_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/testdb"
)

// The deletion cookies of docs/auth.md ("Logging out").
const (
	clearJWT     = `JWT=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`
	clearRefresh = `JWT-refresh-token=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`
)

// TestLogoutWithStaleCookie checks that deleteToken and deleteRefreshToken
// answer and clear their cookies whatever the JWT cookie holds: garbage, an
// expired token, a token of a deleted user, or nothing.
func TestLogoutWithStaleCookie(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		srv := newServer(t, h)
		expired := token(t, f.alice.Email, -time.Minute)
		ghost := token(t, "nobody@example.com", 10*time.Minute)
		for _, tc := range []struct {
			name     string
			cookies  map[string]string
			header   string // Authorization token
			mutation string
			want     string // exact body
			lines    []string
		}{
			{name: "DeleteTokenGarbage", cookies: map[string]string{"JWT": "not.a.token"}, mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":true}}}`, lines: []string{clearJWT}},
			{name: "DeleteTokenEmpty", cookies: map[string]string{"JWT": ""}, mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":true}}}`, lines: []string{clearJWT}},
			{name: "DeleteTokenExpired", cookies: map[string]string{"JWT": expired}, mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":true}}}`, lines: []string{clearJWT}},
			{name: "DeleteTokenUnknownUser", cookies: map[string]string{"JWT": ghost}, mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":true}}}`, lines: []string{clearJWT}},
			{name: "DeleteTokenGarbageHeader", header: "not.a.token", mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":false}}}`, lines: []string{clearJWT}},
			{name: "DeleteTokenNoCookie", mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":false}}}`, lines: []string{clearJWT}},
			{name: "DeleteTokenGarbageWithRefresh", cookies: map[string]string{"JWT": "garbage", "JWT-refresh-token": "opaque"}, mutation: "deleteToken",
				want: `{"data":{"deleteToken":{"deleted":true}}}`, lines: []string{clearJWT, clearRefresh}},
			{name: "DeleteRefreshTokenGarbage", cookies: map[string]string{"JWT": "not.a.token", "JWT-refresh-token": "opaque"}, mutation: "deleteRefreshToken",
				want: `{"data":{"deleteRefreshToken":{"deleted":true}}}`, lines: []string{clearRefresh}},
			{name: "DeleteRefreshTokenExpired", cookies: map[string]string{"JWT": expired}, mutation: "deleteRefreshToken",
				want: `{"data":{"deleteRefreshToken":{"deleted":false}}}`, lines: []string{clearRefresh}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := srv.client(t)
				c.token = tc.header
				u, _ := url.Parse(srv.URL)
				for name, value := range tc.cookies {
					c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
				}
				r := c.do(`mutation { `+tc.mutation+` { deleted } }`, nil)
				if r.Status != http.StatusOK || r.Body != tc.want {
					t.Fatalf("status=%d body=%s, want 200 %s", r.Status, r.Body, tc.want)
				}
				got := map[string]bool{}
				for _, l := range r.Header.Values("Set-Cookie") {
					if !strings.HasPrefix(l, "csrftoken=") {
						got[l] = true
					}
				}
				for _, l := range tc.lines {
					if !got[l] {
						t.Fatalf("Set-Cookie=%q, want %q among them", r.Header.Values("Set-Cookie"), l)
					}
				}
				if len(got) != len(tc.lines) {
					t.Fatalf("Set-Cookie=%q, want only %q besides csrftoken", r.Header.Values("Set-Cookie"), tc.lines)
				}
			})
		}

		t.Run("ExpiredSessionIsRevoked", func(t *testing.T) {
			// A real session whose access token expired: logging out still
			// ends it, so its refresh token no longer renews it.
			ctx := context.Background()
			// Logged in eleven minutes ago: the access token has expired.
			past := auth.New(auth.Config{SigningKey: testKey, SecretKey: testKey,
				Now: func() time.Time { return time.Now().Add(-11 * time.Minute) }}, h.Services.Users, h.Services.Sessions)
			login := loginAs(t, ctx, h, past, f.carol)
			c := srv.client(t)
			u, _ := url.Parse(srv.URL)
			c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "JWT", Value: login.Token, Path: "/"}, {Name: "JWT-refresh-token", Value: login.RefreshToken, Path: "/"}})
			if r := c.do(`mutation { deleteToken { deleted } }`, nil); r.Body != `{"data":{"deleteToken":{"deleted":true}}}` {
				t.Fatalf("body=%s, want deleted", r.Body)
			}
			if _, err := srv.auth.Refresh(ctx, "", login.RefreshToken, auth.ClientMeta{}); err == nil {
				t.Fatalf("Refresh with the logged-out refresh token succeeded, want it refused")
			}
		})
	})
}

// loginAs gives u a password and logs in through a, returning the session.
func loginAs(t *testing.T, ctx context.Context, h *testdb.Handle, a *auth.Service, u *edusphere.User) *auth.Login {
	t.Helper()
	const pw = "Correct-Horse-7"
	hash, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Services.Users.UpdateUser(ctx, u.ID, edusphere.UserUpdate{Password: &hash}); err != nil {
		t.Fatal(err)
	}
	l, err := a.Login(ctx, u.Email, pw, auth.ClientMeta{})
	if err != nil {
		t.Fatalf("Login=%v", err)
	}
	return l
}
