package auth_test

import (
	"context"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/testdb"
)

// TestEachLoginIsItsOwnSession logs the same user in several times within
// one second, from one process and from two, and checks that logging out
// one of them leaves the others working, with the token payload unchanged.
func TestEachLoginIsItsOwnSession(t *testing.T) {
	ctx := context.Background()
	t.Run("SameSecond", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			phone, laptop, tablet := e.client(t), e.client(t), e.client(t)
			rp := mustOK(t, phone.login("Ann@Example.com", password))
			rl := mustOK(t, laptop.login("Ann@Example.com", password))
			rt := mustOK(t, tablet.login("Ann@Example.com", password))
			for _, r := range []result{rp, rl, rt} {
				if len(r.Payload) != 3 || r.Payload["email"] != "Ann@Example.com" || num(r.Payload["exp"]) != t0.Unix()+600 ||
					num(r.Payload["origIat"]) > t0.Unix() || num(r.Payload["origIat"]) < t0.Unix()-5 {
					t.Fatalf("payload=%v, want exactly email, exp and an origIat of the log-in", r.Payload)
				}
			}

			// The laptop logs out; the phone and the tablet stay signed in.
			if r := laptop.call("POST", "/graphql/logout", url.Values{}); r.Error != "" || !r.Deleted {
				t.Fatalf("logout=%+v", r)
			}
			if _, err := e.svc.Authenticate(ctx, rl.Token); edusphere.ErrorMessage(err) != "Invalid token" {
				t.Fatalf("laptop token after its logout: %v, want Invalid token", err)
			}
			for name, r := range map[string]result{"phone": rp, "tablet": rt} {
				if u, err := e.svc.Authenticate(ctx, r.Token); err != nil || u == nil {
					t.Fatalf("%s token after the laptop's logout: (%v, %v), want still valid", name, u, err)
				}
			}
			h.Clock.Add(5 * time.Minute)
			mustOK(t, phone.call("POST", "/graphql/refresh", url.Values{}))
			delete(tablet.cookies, "JWT")
			mustOK(t, tablet.call("POST", "/graphql/refresh", url.Values{}))
			if r := laptop.call("POST", "/graphql/refresh", url.Values{"token": {rl.Token}}); r.Error != "Invalid token" {
				t.Fatalf("laptop refresh after logout: %q, want Invalid token", r.Error)
			}
		})
	})
	t.Run("TwoProcessesAtOnce", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
			e := newEnv(t, h, auth.Config{})
			other := auth.New(auth.Config{SigningKey: []byte("test-signing-key"), SecretKey: []byte("test-secret-key"), Now: h.Clock.Now},
				h.Services.Users, h.Services.Sessions)
			if err := other.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			const n = 6
			logins := make([]*auth.Login, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					svc := e.svc
					if i%2 == 1 {
						svc = other
					}
					l, err := svc.Login(ctx, "Ann@Example.com", password, auth.ClientMeta{Address: "10.0.0.1"})
					if err != nil {
						t.Errorf("Login %d: %v", i, err)
						return
					}
					logins[i] = l
				}()
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			iats := make([]int, n)
			for i, l := range logins {
				iats[i] = int(l.Claims.OrigIat)
			}
			sort.Ints(iats)
			for i := 1; i < n; i++ {
				if iats[i] == iats[i-1] {
					t.Fatalf("origIats=%v, want one session per log-in", iats)
				}
			}
			if err := e.svc.Logout(ctx, logins[0].Token, logins[0].RefreshToken); err != nil {
				t.Fatal(err)
			}
			if err := other.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			for i, l := range logins[1:] {
				for _, svc := range []*auth.Service{e.svc, other} {
					if u, err := svc.Authenticate(ctx, l.Token); err != nil || u == nil {
						t.Fatalf("login %d after another's logout: (%v, %v), want valid", i+1, u, err)
					}
				}
			}
		})
	})
}
