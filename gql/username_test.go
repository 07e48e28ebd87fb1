package gql_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

// TestUsernameAfterSlugify: usernames are stored slugified, so a username
// that clashes with another user's, or is blank, only once slugified is a
// form error on the username field, like any other clash, never a raw
// model repr (docs/graphql.md, Forms). Nothing is created or changed.
func TestUsernameAfterSlugify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		f := newFixture(t, h)
		srv := newServer(t, h)
		const taken = `{"message":"Invalid data","locations":[{"line":1,"column":%d}],"path":["%s"],"extensions":{"errors":{"username":["User with this Username already exists."]}}}`
		const blank = `{"message":"Invalid data","locations":[{"line":1,"column":%d}],"path":["%s"],"extensions":{"errors":{"username":["This field cannot be blank."]}}}`
		register := `mutation($u: String!) { registerUser(username: $u, name: "N", email: "new@example.com", password1: "correct horse battery", password2: "correct horse battery") { success } }`
		update := `mutation($u: String) { updateUser(username: $u) { user { username } } }`
		tests := []struct {
			name     string
			as       *edusphere.User
			query    string
			username string
			want     string // the error object, "" for success
		}{
			{"RegisterClashAfterSlugify", nil, register, "--Bob", taken},
			{"RegisterCaseOnlyClash", nil, register, "BOB", taken},
			{"RegisterBlankAfterSlugify", nil, register, "---", blank},
			{"UpdateCaseOnlyClash", f.carol, update, "Bob", taken},
			{"UpdateClashAfterSlugify", f.carol, update, "bob_", taken},
			{"UpdateBlankAfterSlugify", f.carol, update, "_-_", blank},
			{"UpdateOwnNameInOtherCase", f.carol, update, "CAROL", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := srv.client(t)
				if tt.as != nil {
					c = srv.as(t, tt.as)
				}
				r := c.do(tt.query, map[string]any{"u": tt.username})
				if tt.want == "" {
					r.noErrors(t)
					return
				}
				field, column := "registerUser", 25
				if tt.as != nil {
					field, column = "updateUser", 24
				}
				want := `{"errors":[` + fmt.Sprintf(tt.want, column, field) + `],"data":{"` + field + `":null}}`
				if r.Status != 200 || r.Body != want {
					t.Fatalf("status=%d body=%s\nwant %s", r.Status, r.Body, want)
				}
			})
		}
		if _, err := h.Services.Users.FindUserByEmail(ctx, "new@example.com"); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			t.Fatalf("FindUserByEmail(new@example.com)=%v, want no user registered", err)
		}
		if u, err := h.Services.Users.FindUserByID(ctx, f.carol.ID); err != nil || u.Username != "carol" {
			t.Fatalf("carol=%+v, %v, want the username unchanged", u, err)
		}
	})
}
