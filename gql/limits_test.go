package gql_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere/gql"
	"github.com/edusphere/edusphere/gql/seed"
	"github.com/edusphere/edusphere/testdb"
)

// clientDocuments are the operations the clients send: the original Vue
// client's as Apollo prints them (__typename in every object selection),
// and the embedded web client's (web/static/assets/js/queries.js).
var clientDocuments = map[string]string{
	"Rooms":        seed.RoomsQuery,
	"Topics":       seed.TopicsQuery,
	"Room":         seed.RoomQuery,
	"RoomMessages": seed.RoomMessagesQuery,
	"RoomsParticipatedByUser": `query RoomsParticipatedByUser($userSlug: String!) {
  roomsParticipatedByUser(userSlug: $userSlug) {
    id name slug description created
    topic { name __typename }
    host { username __typename }
    __typename
  }
}`,
	"RoomsNotParticipatedByUser": `query RoomsNotParticipatedByUser($userSlug: String!) {
  roomsNotParticipatedByUser(userSlug: $userSlug) {
    name slug description created
    topic { name __typename }
    host { username __typename }
    __typename
  }
}`,
	"MessagesByUser": `query MessagesByUser($userSlug: String!) {
  messagesByUser(userSlug: $userSlug) {
    body edited updated created
    room { slug name host { username __typename } __typename }
    __typename
  }
}`,
	"User":       `query User($username: String!) { user(userSlug: $username) { username name avatar bio __typename } }`,
	"AuthStatus": `query AuthStatus { authStatus { user { id name username avatar __typename } isAuthenticated __typename } }`,
	"TokenAuth": `mutation TokenAuth($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { success payload refreshExpiresIn user { id username name __typename } __typename }
}`,
	"RefreshToken": `mutation RefreshToken { refreshToken { payload refreshExpiresIn __typename } }`,
	"RegisterUser": `mutation RegisterUser($username: String!, $name: String!, $email: String!, $password1: String!, $password2: String!) {
  registerUser(username: $username, name: $name, email: $email, password1: $password1, password2: $password2) {
    success user { id username name __typename } __typename
  }
}`,
	"LogoutUser": `mutation LogoutUser { deleteToken { deleted __typename } }`,
	"UpdateUser": `mutation UpdateUser($name: String, $bio: String, $avatar: Upload) {
  updateUser(name: $name, bio: $bio, avatar: $avatar) { user { id username name bio avatar __typename } __typename }
}`,
	"CreateRoom": `mutation CreateRoom($name: String!, $topicName: String!, $description: String) {
  createRoom(name: $name, topicName: $topicName, description: $description) {
    room { name slug description topic { name __typename } host { id username __typename } __typename } __typename
  }
}`,
	"UpdateRoom": `mutation UpdateRoom($hostSlug: String!, $roomSlug: String!, $topicName: String, $description: String) {
  updateRoom(hostSlug: $hostSlug, roomSlug: $roomSlug, topicName: $topicName, description: $description) {
    room { id name topic { name __typename } description participants { id username __typename } host { id username __typename } __typename }
    __typename
  }
}`,
	"DeleteRoom": `mutation DeleteRoom($hostSlug: String!, $roomSlug: String!) { deleteRoom(hostSlug: $hostSlug, roomSlug: $roomSlug) { success __typename } }`,
	"JoinRoom": `mutation JoinRoom($hostSlug: String!, $roomSlug: String!) {
  joinRoom(hostSlug: $hostSlug, roomSlug: $roomSlug) { room { participants { id username __typename } __typename } __typename }
}`,
	"DeleteMessage": `mutation DeleteMessage($messageId: UUID!) { deleteMessage(messageId: $messageId) { success __typename } }`,
	"UpdateMessage": `mutation UpdateMessage($messageId: UUID!, $body: String!) {
  updateMessage(messageId: $messageId, body: $body) { message { id body edited updated __typename } __typename }
}`,
	"GetUser": `query GetUser { me { id username name bio avatar __typename } }`,
	// The embedded client's largest: a room and its history at once.
	"RoomWithMessages": `query RoomWithMessages($hostSlug: String!, $roomSlug: String!) {
  room(hostSlug: $hostSlug, roomSlug: $roomSlug) { id name slug description created updated host { id username name avatar } participants { id username name avatar } topic { id name } }
  messages(hostSlug: $hostSlug, roomSlug: $roomSlug) { id user { id username name avatar } body edited created updated }
}`,
	"WebLogoutUser": `mutation LogoutUser { deleteToken { deleted } deleteRefreshToken { deleted } }`,
	// What a query tool asks on start when introspection is on.
	"Introspection": introspectionQuery,
}

// introspectionQuery has the shape of the largest query GraphQL tools
// send to load a schema (GraphiQL 4's, every option on): three fragments,
// the type reference nested nine levels.
const introspectionQuery = `query Schema {
  __schema {
    description
    queryType { name kind } mutationType { name kind } subscriptionType { name kind }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// repeat joins n copies of item made by f(i) with spaces.
func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f(i))
	}
	return b.String()
}

// fragmentChain is a short document whose fragments each spread the next
// one twice: n fragments expand to 2^n fields.
func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n)
	return b.String()
}

// hostileDocuments are documents of every shape an attacker might try,
// each with the start of the message that refuses it before validation.
var hostileDocuments = []struct {
	name, query, msg string
}{
	{"Typename16000", "{" + strings.Repeat(" __typename", 16000) + " }", "The query is 176,003 bytes long, more than the limit of 16,384 bytes."},
	{"Typename1400", "{" + strings.Repeat(" __typename", 1400) + " }", `The field "__typename" is selected more than 3 times in one selection, the limit.`},
	{"Fields1400", "{" + repeat(1400, func(i int) string { return fmt.Sprintf("f%d", i) }) + " }", "The query has 1400 selections (fields and fragments), more than the limit of 300."},
	{"Tokens", "{ __typename" + strings.Repeat(" ,", 3000) + repeat(10, func(i int) string { return fmt.Sprintf("f%d", i) }) + " }", ""},
	{"Punctuation", strings.Repeat("{}", 1100), "The query has more than 2,000 tokens, the limit."},
	{"DeepSelections", strings.Repeat("{ rooms ", 200) + strings.Repeat("}", 200), "The query nests brackets more than 24 levels deep, the limit."},
	{"DeepList", "{ rooms(topic: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + ") { name } }", "The query nests brackets more than 24 levels deep, the limit."},
	{"Aliases", "{" + repeat(60, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + " }", "The query has more than 10 aliases, the limit."},
	{"AliasedLists", "{" + repeat(11, func(i int) string { return fmt.Sprintf("r%d: rooms { name }", i) }) + " }", "The query has more than 10 aliases, the limit."},
	{"RepeatedField", "{" + strings.Repeat(" __typename", 4) + " }", `The field "__typename" is selected more than 3 times in one selection, the limit.`},
	{"RepeatedInInlineFragments", "{ rooms { name ... on RoomType { name ... on RoomType { name name } } } }", `The field "name" is selected more than 3 times in one selection, the limit.`},
	{"FragmentChain", fragmentChain(30), "The query has more than 300 selections once its fragments are expanded"},
	{"Fragments", "{ __typename }" + repeat(40, func(i int) string { return fmt.Sprintf("fragment F%d on Query { __typename }", i) }), "The query defines 40 fragments, more than the limit of 32."},
	{"SpreadsOfOneFragment", "{" + strings.Repeat(" ...F", 600) + " } fragment F on Query { __typename }", "The query has 601 selections (fields and fragments), more than the limit of 300."},
	{"Directives", "{ __typename" + strings.Repeat(" @skip(if: false)", 300) + " }", "The query has more than 2,000 tokens, the limit."},
	{"DirectivesOnOneField", "{ __typename" + strings.Repeat(" @skip(if: false)", 5) + " }", "A selection has 5 directives, more than the limit of 4."},
	{"UnknownFields", "{" + strings.Repeat(" nope", 2100) + " }", "The query has more than 2,000 tokens, the limit."},
	{"LongString", `{ rooms(search: "` + strings.Repeat("x", 20000) + `") { name } }`, "The query is 20,030 bytes long, more than the limit of 16,384 bytes."},
	{"LongBlockString", `{ rooms(search: """` + strings.Repeat("x", 20000) + `""") { name } }`, "The query is 20,034 bytes long, more than the limit of 16,384 bytes."},
	{"ManyOperations", repeat(30, func(i int) string {
		return fmt.Sprintf("query Q%d { %s }", i, repeat(20, func(j int) string { return fmt.Sprintf("f%d", j) }))
	}), "The query has 600 selections (fields and fragments), more than the limit of 300."},
	{"NestedFragments", "{ ...A }" +
		"fragment A on Query { rooms { ...B ...B ...B ...B } }" +
		"fragment B on RoomType { host { ...C ...C ...C ...C } }" +
		"fragment C on UserType { " + repeat(40, func(i int) string { return fmt.Sprintf("n%d", i) }) + "}", "The query has more than 300 selections once its fragments are expanded"},
}

func TestParseDocument(t *testing.T) {
	t.Run("ClientDocuments", func(t *testing.T) {
		for name, q := range clientDocuments {
			if _, errs := gql.ParseDocument(q, gql.DocumentLimits{}); errs != nil {
				t.Errorf("%s: %v, want it accepted", name, errs)
			}
		}
	})
	for _, tc := range hostileDocuments {
		t.Run(tc.name, func(t *testing.T) {
			doc, errs := gql.ParseDocument(tc.query, gql.DocumentLimits{})
			if tc.msg == "" {
				// Commas are not tokens: this one is small and goes on to validation.
				if errs != nil {
					t.Fatalf("errs=%v, want it accepted", errs)
				}
				return
			}
			if doc != nil || len(errs) != 1 || !strings.HasPrefix(errs[0].Message, tc.msg) {
				t.Fatalf("errs=%v, want one error starting %q", errs, tc.msg)
			}
		})
	}
	t.Run("SyntaxError", func(t *testing.T) {
		_, errs := gql.ParseDocument("{ rooms { ", gql.DocumentLimits{})
		if len(errs) != 1 || !strings.Contains(errs[0].Message, "Expected Name") {
			t.Fatalf("errs=%v, want the parser's syntax error", errs)
		}
	})
	t.Run("LimitsConfigurable", func(t *testing.T) {
		lim := gql.DocumentLimits{MaxSelections: 3}
		if _, errs := gql.ParseDocument("{ a b c }", lim); errs != nil {
			t.Fatalf("errs=%v at the limit, want none", errs)
		}
		if _, errs := gql.ParseDocument("{ a b c d }", lim); len(errs) != 1 {
			t.Fatalf("errs=%v over the limit, want one", errs)
		}
	})
	t.Run("FragmentCycle", func(t *testing.T) {
		// Left to validation, which names the cycle.
		if _, errs := gql.ParseDocument("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", gql.DocumentLimits{}); errs != nil {
			t.Fatalf("errs=%v, want the cycle left to validation", errs)
		}
	})
}

// TestHostileDocuments sends each hostile shape as an anonymous GET and
// checks the 400 and its message: the message is the pre-pass's, so the
// document was refused before validation ran.
func TestHostileDocuments(t *testing.T) {
	h := testdb.SQLite(t)
	newFixture(t, h)
	srv := newServer(t, h)
	c := srv.client(t)
	for _, tc := range hostileDocuments {
		if tc.msg == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			r := c.raw(http.MethodGet, "/graphql/?query="+url.QueryEscape(tc.query), "", nil)
			if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0].Message, tc.msg) {
				t.Fatalf("status=%d body=%.300s, want 400 with one error starting %q", r.Status, r.Body, tc.msg)
			}
			if strings.Contains(r.Body, `"data"`) {
				t.Fatalf("body=%.300s has a data key", r.Body)
			}
		})
	}
	t.Run("ClientDocumentsStillValid", func(t *testing.T) {
		for name, q := range clientDocuments {
			if strings.HasPrefix(q, "mutation") {
				continue
			}
			r := c.do(q, map[string]any{"hostSlug": "alice", "roomSlug": "go-study", "userSlug": "alice", "username": "alice"})
			if r.Status != http.StatusOK {
				t.Errorf("%s: status=%d body=%.300s, want 200", name, r.Status, r.Body)
			}
		}
	})
}

// TestErrorCap checks that a response lists at most 20 errors, then one
// saying how many more there were, so an answer stays small whatever the
// document.
func TestErrorCap(t *testing.T) {
	h := testdb.SQLite(t)
	srv := newServer(t, h, func(c *gql.Config) { c.Document.MaxAliases = 100 })
	c := srv.client(t)
	for _, tc := range []struct {
		name, query string
		status, n   int
		last        string
	}{
		{"UnknownFields", "{" + repeat(150, func(i int) string { return fmt.Sprintf("nope%d", i) }) + " }", 400, 21, "130 more errors were left out."},
		{"RepeatedDirectives", "{" + repeat(30, func(i int) string {
			return fmt.Sprintf("f%d: __typename @skip(if: false) @skip(if: false) @skip(if: false)", i)
		}) + " }", 400, 21, "40 more errors were left out."},
		{"FewErrors", "{ a b c }", 400, 3, `Cannot query field "c" on type "Query".`},
		{"ResolverErrors", "{" + repeat(30, func(i int) string { return fmt.Sprintf("u%d: user(userSlug: \"nobody\") { name }", i) }) + " }", 200, 21, "10 more errors were left out."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.raw(http.MethodGet, "/graphql/?query="+url.QueryEscape(tc.query), "", nil)
			if r.Status != tc.status || len(r.Errors) != tc.n || r.Errors[tc.n-1].Message != tc.last {
				t.Fatalf("status=%d, %d errors, body=%.400s\nwant %d with %d errors, the last %q", r.Status, len(r.Errors), r.Body, tc.status, tc.n, tc.last)
			}
			if len(r.Body) > 8<<10 {
				t.Fatalf("body is %d bytes, want a small answer", len(r.Body))
			}
		})
	}
}

// TestVariablesCap refuses variables longer than the cap in every form a
// request can carry them, before decoding them.
func TestVariablesCap(t *testing.T) {
	h := testdb.SQLite(t)
	c := newServer(t, h).client(t)
	long := `{"s":"` + strings.Repeat("x", 70_000) + `"}`
	const msg = `bytes long, more than the limit of 65,536 bytes."}]}`
	for _, tc := range []struct {
		name, method, path, ctype, body string
	}{
		{"JSON", http.MethodPost, "/graphql/", "application/json", `{"query":"{ __typename }","variables":` + long + `}`},
		{"JSONText", http.MethodPost, "/graphql/", "application/json", `{"query":"{ __typename }","variables":` + mustJSON(long) + `}`},
		{"GET", http.MethodGet, "/graphql/?query=%7B__typename%7D&variables=" + url.QueryEscape(long), "", ""},
		{"Form", http.MethodPost, "/graphql/", "application/x-www-form-urlencoded", "query=%7B__typename%7D&variables=" + url.QueryEscape(long)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.raw(tc.method, tc.path, tc.ctype, strings.NewReader(tc.body))
			if r.Status != http.StatusBadRequest || !strings.HasPrefix(r.Body, `{"errors":[{"message":"The variables are 70,0`) || !strings.HasSuffix(r.Body, msg) {
				t.Fatalf("status=%d body=%.300s, want 400 with the variables' length", r.Status, r.Body)
			}
		})
	}
}

// TestTimeout checks the request's time budget: a request that runs out
// of it, in validation or in its resolvers, answers 503.
func TestTimeout(t *testing.T) {
	h := testdb.SQLite(t)
	srv := newServer(t, h, func(c *gql.Config) { c.Timeout = time.Nanosecond })
	c := srv.client(t)
	for _, q := range []string{"{ topics { name } }", "{ rooms { name } }"} {
		r := c.raw(http.MethodGet, "/graphql/?query="+url.QueryEscape(q), "", nil)
		if r.Status != http.StatusServiceUnavailable || r.Body != `{"errors":[{"message":"The request took too long and was stopped."}]}` {
			t.Fatalf("status=%d body=%s, want 503", r.Status, r.Body)
		}
	}
}
