package gql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

// check is one resolver case: a request, and what the response must hold.
type check struct {
	name  string
	as    *edusphere.User // nil: anonymous
	query string
	vars  map[string]any
	// body, when set, is the exact response body.
	body string
	// contains are substrings the body must hold.
	contains []string
}

func runChecks(t *testing.T, srv *server, checks []check) {
	t.Helper()
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.client(t)
			if tc.as != nil {
				c = srv.as(t, tc.as)
			}
			r := c.do(tc.query, tc.vars)
			if r.Status != 200 {
				t.Fatalf("status=%d body=%s, want 200", r.Status, r.Body)
			}
			if tc.body != "" && r.Body != tc.body {
				t.Fatalf("body=%s\nwant %s", r.Body, tc.body)
			}
			for _, s := range tc.contains {
				if !strings.Contains(r.Body, s) {
					t.Fatalf("body=%s\nwant it to contain %s", r.Body, s)
				}
			}
		})
	}
}

func TestQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		srv := newServer(t, h)
		runChecks(t, srv, []check{
			{name: "RoomsOrderedByParticipants", query: `{ rooms { name } }`,
				body: `{"data":{"rooms":[{"name":"Go Study"},{"name":"Rust Club"}]}}`},
			{name: "RoomsFalsyFiltersIgnored", query: `{ rooms(hostSlug: "", search: "", topic: []) { name } }`,
				body: `{"data":{"rooms":[{"name":"Go Study"},{"name":"Rust Club"}]}}`},
			{name: "RoomsByHost", query: `{ rooms(hostSlug: "bob") { name host { username } } }`,
				body: `{"data":{"rooms":[{"name":"Rust Club","host":{"username":"bob"}}]}}`},
			{name: "RoomsHostCaseSensitive", query: `{ rooms(hostSlug: "Bob") { name } }`, body: `{"data":{"rooms":[]}}`},
			{name: "RoomsSearchLiteral", query: `{ rooms(search: "100%") { name } }`, body: `{"data":{"rooms":[{"name":"Go Study"}]}}`},
			{name: "RoomsSearchPercentNotWildcard", query: `{ rooms(search: "o%S") { name } }`, body: `{"data":{"rooms":[]}}`},
			{name: "RoomsSearchCaseInsensitive", query: `{ rooms(search: "rUST") { name } }`, body: `{"data":{"rooms":[{"name":"Rust Club"}]}}`},
			{name: "RoomsByTopic", query: `{ rooms(topic: ["Rust", "Nope"]) { name topic { id name } } }`,
				contains: []string{`"name":"Rust Club","topic":{"id":"`, `"name":"Rust"}`}},
			{name: "RoomsPage", query: `{ rooms(first: 1) { name } }`, body: `{"data":{"rooms":[{"name":"Go Study"}]}}`},
			{name: "RoomsParticipated", query: `{ roomsParticipatedByUser(userSlug: "bob") { name } }`,
				body: `{"data":{"roomsParticipatedByUser":[{"name":"Rust Club"},{"name":"Go Study"}]}}`},
			{name: "RoomsNotParticipated", query: `{ roomsNotParticipatedByUser(userSlug: "alice") { name } }`,
				body: `{"data":{"roomsNotParticipatedByUser":[{"name":"Rust Club"}]}}`},
			{name: "ErrRoomsParticipatedUnknownUser", query: `{ roomsParticipatedByUser(userSlug: "nobody") { name } }`,
				body: `{"errors":[{"message":"User not found","locations":[{"line":1,"column":3}],"path":["roomsParticipatedByUser"],"extensions":{"code":"NOT_FOUND"}}],"data":{"roomsParticipatedByUser":null}}`},
			{name: "Room", query: `{ room(hostSlug: "alice", roomSlug: "go-study") { name description host { username } participants { username } } }`,
				contains: []string{`"name":"Go Study","description":"Learning Go 100%","host":{"username":"alice"}`, `{"username":"bob"}`}},
			{name: "ErrRoomNotFound", query: `{ room(hostSlug: "alice", roomSlug: "Go-Study") { name } }`,
				contains: []string{`"message":"Room not found"`, `"extensions":{"code":"NOT_FOUND"}`, `"data":{"room":null}`}},
			{name: "Topics", query: `{ topics { name } }`, body: `{"data":{"topics":[{"name":"Golang"},{"name":"Rust"}]}}`},
			{name: "TopicsSearch", query: `{ topics(search: "GO") { name } }`, body: `{"data":{"topics":[{"name":"Golang"}]}}`},
			{name: "TopicsMinRooms", query: `{ topics(minRooms: 2) { name } }`, body: `{"data":{"topics":[]}}`},
			{name: "Messages", query: `{ messages(hostSlug: "alice", roomSlug: "go-study") { body edited user { username } room { name } } }`,
				body: `{"data":{"messages":[{"body":"Hello from Bob","edited":false,"user":{"username":"bob"},"room":{"name":"Go Study"}}]}}`},
			{name: "MessagesByUser", query: `{ messagesByUser(userSlug: "bob") { body room { slug host { username } } } }`,
				body: `{"data":{"messagesByUser":[{"body":"Rust time","room":{"slug":"rust-club","host":{"username":"bob"}}},{"body":"Hello from Bob","room":{"slug":"go-study","host":{"username":"alice"}}}]}}`},
			{name: "ErrMessagesByUnknownUser", query: `{ messagesByUser(userSlug: "zed") { body } }`, contains: []string{`"message":"User not found"`}},
			{name: "UsersSearch", query: `{ users(search: "CAROL") { username bio avatar } }`,
				body: `{"data":{"users":[{"username":"carol","bio":"","avatar":""}]}}`},
			{name: "User", query: `{ user(userSlug: "alice") { username name } }`, body: `{"data":{"user":{"username":"alice","name":"Alice A"}}}`},
			{name: "AuthStatusAnonymous", query: `{ authStatus { isAuthenticated user { username } } }`,
				body: `{"data":{"authStatus":{"isAuthenticated":false,"user":null}}}`},
			{name: "ErrMeAnonymous", query: `{ me { username } }`,
				body: `{"errors":[{"message":"You do not have permission to perform this action","locations":[{"line":1,"column":3}],"path":["me"]}],"data":{"me":null}}`},
			{name: "MeAsAlice", as: f.alice, query: `{ me { username } }`, body: `{"data":{"me":{"username":"alice"}}}`},
			{name: "DateTimeShape", query: `{ room(hostSlug: "bob", roomSlug: "rust-club") { created updated } }`, contains: []string{`+00:00"`}},
		})
	})
}

func TestTokenErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		f := newFixture(t, h)
		srv := newServer(t, h)
		expired := srv.client(t)
		expired.token = token(t, f.alice.Email, -time.Minute)
		garbage := srv.client(t)
		garbage.token = "not.a.token"

		for _, tc := range []struct {
			name string
			c    *client
			want string
		}{
			{"Expired", expired, "Signature has expired"},
			{"Garbage", garbage, "Error decoding signature"},
		} {
			t.Run(tc.name+"PublicIsAnonymous", func(t *testing.T) {
				r := tc.c.do(`{ rooms { name } authStatus { isAuthenticated } }`, nil).noErrors(t)
				if !strings.Contains(r.Body, `"isAuthenticated":false`) {
					t.Fatalf("body=%s", r.Body)
				}
			})
			t.Run(tc.name+"LoginFieldsReportIt", func(t *testing.T) {
				r := tc.c.do(`{ me { username } rooms { name } }`, nil)
				e := r.firstError(t)
				if e.Message != tc.want || e.Extensions != nil || len(r.Errors) != 1 || !strings.Contains(r.Body, `"me":null,"rooms":[`) {
					t.Fatalf("body=%s, want %q on me only", r.Body, tc.want)
				}
			})
			t.Run(tc.name+"LogoutStillWorks", func(t *testing.T) {
				// TestLogoutWithStaleCookie covers the cookie variants.
				r := tc.c.do(`mutation { deleteToken { deleted } }`, nil).noErrors(t)
				if r.Body != `{"data":{"deleteToken":{"deleted":false}}}` {
					t.Fatalf("body=%s, want deleted false (no JWT cookie, a header token)", r.Body)
				}
			})
		}
		t.Run("EachRootFieldGetsItsCopy", func(t *testing.T) {
			r := expired.do(`{ a: me { username } b: me { username } }`, nil)
			if len(r.Errors) != 2 || r.Errors[0].Path[0] == r.Errors[1].Path[0] || r.Errors[0].Message != "Signature has expired" {
				t.Fatalf("body=%s, want two errors", r.Body)
			}
		})
	})
}

func TestMutations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		f := newFixture(t, h)
		srv := newServer(t, h)
		long := strings.Repeat("a", 201)
		runChecks(t, srv, []check{
			{name: "ErrCreateRoomAnonymous", query: `mutation { createRoom(name: "X", topicName: "Go") { room { name } } }`,
				body: `{"errors":[{"message":"You do not have permission to perform this action","locations":[{"line":1,"column":12}],"path":["createRoom"]}],"data":{"createRoom":null}}`},
			{name: "ErrCreateRoomTopicLetters", as: f.carol, query: `mutation { createRoom(name: "X", topicName: "Go 2") { room { name } } }`,
				contains: []string{`"message":"{'__all__': ['Topic name must consist of letters only.']}","locations"`}},
			{name: "ErrCreateRoomTopicBlank", as: f.carol, query: `mutation { createRoom(name: "X", topicName: "") { room { name } } }`,
				contains: []string{`"message":"{'name': ['This field cannot be blank.']}"`}},
			{name: "ErrCreateRoomForm", as: f.carol, query: `mutation { createRoom(name: "` + long + `!", topicName: "Go") { room { name } } }`,
				contains: []string{`"message":"Invalid data"`, `"extensions":{"errors":{"name":["Room name can only contain letters and numbers.","Ensure this value has at most 200 characters (it has 202)."]}}`}},
			{name: "ErrCreateRoomNameRequired", as: f.carol, query: `mutation { createRoom(name: "   ", topicName: "Go") { room { name } } }`,
				contains: []string{`"extensions":{"errors":{"name":["This field is required."]}}`}},
			{name: "CreateRoom", as: f.carol, query: `mutation { createRoom(name: "  Padded  Name ", topicName: "Go") { room { name slug description topic { name } host { username } participants { username } } } }`,
				body: `{"data":{"createRoom":{"room":{"name":"Padded  Name","slug":"padded-name","description":"","topic":{"name":"Go"},"host":{"username":"carol"},"participants":[{"username":"carol"}]}}}}`},
			{name: "ErrCreateRoomDuplicate", as: f.carol, query: `mutation { createRoom(name: "padded  name", topicName: "Go") { room { name } } }`,
				contains: []string{`"message":"{'__all__': ['You already have a room with this name.']}","locations"`}},
			{name: "ErrUpdateRoomNotFound", as: f.carol, query: `mutation { updateRoom(hostSlug: "alice", roomSlug: "nope", topicName: "Go") { room { name } } }`,
				contains: []string{`"message":"Room not found"`, `"code":"NOT_FOUND"`}},
			{name: "ErrUpdateRoomNotHost", as: f.carol, query: `mutation { updateRoom(hostSlug: "alice", roomSlug: "go-study", topicName: "Go") { room { name } } }`,
				contains: []string{`"message":"Permission denied"`, `"extensions":{"code":"PERMISSION_DENIED"}`}},
			{name: "ErrUpdateRoomNullName", as: f.alice, query: `mutation { updateRoom(hostSlug: "alice", roomSlug: "go-study", name: null) { room { name } } }`,
				contains: []string{`"extensions":{"errors":{"name":["This field is required."]}}`}},
			{name: "UpdateRoomKeepsOmitted", as: f.alice, query: `mutation($d: String) { updateRoom(hostSlug: "alice", roomSlug: "go-study", description: $d) { room { name description topic { name } } } }`,
				body: `{"data":{"updateRoom":{"room":{"name":"Go Study","description":"Learning Go 100%","topic":{"name":"Golang"}}}}}`},
			{name: "UpdateRoomNullDescriptionClears", as: f.alice, query: `mutation { updateRoom(hostSlug: "alice", roomSlug: "go-study", description: null, topicName: "Gophers") { room { description topic { name } } } }`,
				body: `{"data":{"updateRoom":{"room":{"description":"","topic":{"name":"Gophers"}}}}}`},
			{name: "UpdateRoomCaseRenameKeepsSlug", as: f.alice, query: `mutation { updateRoom(hostSlug: "alice", roomSlug: "go-study", name: "GO STUDY") { room { name slug } } }`,
				body: `{"data":{"updateRoom":{"room":{"name":"GO STUDY","slug":"go-study"}}}}`},
			{name: "ErrJoinRoomNotFound", as: f.carol, query: `mutation { joinRoom(hostSlug: "alice", roomSlug: "zzz") { room { name } } }`,
				contains: []string{`"message":"Room not found"`}},
			{name: "JoinRoom", as: f.carol, query: `mutation { joinRoom(hostSlug: "bob", roomSlug: "rust-club") { room { participants { username } } } }`,
				contains: []string{`{"username":"carol"}`}},
			{name: "ErrUpdateMessageNotAuthor", as: f.alice, query: `mutation { updateMessage(messageId: "` + f.msgA1.ID.String() + `", body: "x") { message { body } } }`,
				contains: []string{`"message":"Permission denied"`}},
			{name: "ErrUpdateMessageBlank", as: f.bob, query: `mutation { updateMessage(messageId: "` + f.msgA1.ID.String() + `", body: "") { message { body } } }`,
				contains: []string{`"message":"{'body': ['This field cannot be blank.']}","locations"`}},
			{name: "ErrUpdateMessageLong", as: f.bob, query: `mutation { updateMessage(messageId: "` + f.msgA1.ID.String() + `", body: "` + strings.Repeat("é", 501) + `") { message { body } } }`,
				contains: []string{`Ensure this value has at most 500 characters (it has 501).`}},
			{name: "UpdateMessageUUIDForms", as: f.bob, query: `mutation { updateMessage(messageId: "{` + strings.ToUpper(strings.ReplaceAll(f.msgA1.ID.String(), "-", "")) + `}", body: " same ") { message { body edited user { username } } } }`,
				body: `{"data":{"updateMessage":{"message":{"body":" same ","edited":true,"user":{"username":"bob"}}}}}`},
			{name: "ErrDeleteMessageNotFound", as: f.bob, query: `mutation { deleteMessage(messageId: "urn:uuid:00000000-0000-4000-8000-000000000000") { success } }`,
				contains: []string{`"message":"Message not found"`, `"code":"NOT_FOUND"`}},
			{name: "ErrDeleteRoomNotHost", as: f.bob, query: `mutation { deleteRoom(hostSlug: "alice", roomSlug: "go-study") { success } }`,
				contains: []string{`"message":"Permission denied"`}},
			{name: "ErrUpdateUserNulls", as: f.carol, query: `mutation { updateUser(username: null, name: null, bio: null) { user { username } } }`,
				contains: []string{`"extensions":{"errors":{"username":["This field is required."],"name":["This field is required."]}}`}},
			{name: "ErrUpdateUserTaken", as: f.carol, query: `mutation { updateUser(username: "bob") { user { username } } }`,
				contains: []string{`"errors":{"username":["User with this Username already exists."]}`}},
			{name: "ErrUpdateUserSlug", as: f.carol, query: `mutation { updateUser(username: "c c") { user { username } } }`,
				contains: []string{`"errors":{"username":["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}`}},
			{name: "ErrUpdateUserCaseClash", as: f.carol, query: `mutation { updateUser(username: "Bob") { user { username } } }`,
				contains: []string{`"message":"Invalid data"`, `"errors":{"username":["User with this Username already exists."]}`}},
			{name: "ErrUpdateUserBio", as: f.carol, query: `mutation { updateUser(bio: "` + strings.Repeat("b", 501) + `") { user { bio } } }`,
				contains: []string{`"errors":{"bio":["Ensure this value has at most 500 characters (it has 501)."]}`}},
			{name: "UpdateUser", as: f.carol, query: `mutation { updateUser(username: "Carol_2", name: " Caz ", bio: " hi ") { user { username name bio } } }`,
				body: `{"data":{"updateUser":{"user":{"username":"carol_2","name":"Caz","bio":"hi"}}}}`},
			{name: "UpdateUserNullBioClears", as: f.alice, query: `mutation { updateUser(bio: null) { user { username bio } } }`,
				body: `{"data":{"updateUser":{"user":{"username":"alice","bio":""}}}}`},
		})
		t.Run("DeleteRoom", func(t *testing.T) {
			srv.as(t, f.bob).do(`mutation { deleteRoom(hostSlug: "bob", roomSlug: "rust-club") { success } }`, nil).noErrors(t)
			if _, err := h.Services.Messages.FindMessageByID(ctx, f.msgB1.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("message of deleted room: %v, want ENOTFOUND", err)
			}
		})
	})
}
