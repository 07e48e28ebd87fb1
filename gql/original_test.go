package gql_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/testdb"
)

// TestOriginal carries the original server's own tests as HTTP calls.
func TestOriginal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, h *testdb.Handle) {
		ctx := context.Background()
		s := h.Services
		srv := newServer(t, h)

		t.Run("RegisterSuccess", func(t *testing.T) {
			r := srv.client(t).do(`mutation { registerUser(username:"newuser", name:"New User", email:"new@email.com", password1:"securepassword123", password2:"securepassword123") { user { username } success } }`, nil).noErrors(t)
			var data struct {
				RegisterUser struct {
					User    struct{ Username string }
					Success bool
				}
			}
			r.dataInto(t, &data)
			if !data.RegisterUser.Success || data.RegisterUser.User.Username != "newuser" {
				t.Fatalf("registerUser=%+v, want success and newuser", data.RegisterUser)
			}
			if _, err := s.Users.FindUserByUsername(ctx, "newuser"); err != nil {
				t.Fatalf("FindUserByUsername(newuser)=%v, want the user", err)
			}
		})

		t.Run("RegisterPasswordMismatch", func(t *testing.T) {
			r := srv.client(t).do(`mutation { registerUser(username:"other", name:"Other", email:"other@email.com", password1:"1qwerty23", password2:"4asdfgh56") { success } }`, nil)
			e := r.firstError(t)
			errs, _ := e.Extensions["errors"].(map[string]any)
			if _, ok := errs["password2"]; !ok || e.Message != "Invalid data" {
				t.Fatalf("error=%+v, want Invalid data with password2", e)
			}
		})

		user := testdb.MustCreateUser(t, ctx, s, &edusphere.User{Email: "test@email.com", Username: "testuser", Name: "TestUser", IsActive: true})

		t.Run("UpdateUser", func(t *testing.T) {
			srv.as(t, user).do(`mutation { updateUser(username:"newusername") { user { username } } }`, nil).noErrors(t)
			got, err := s.Users.FindUserByID(ctx, user.ID)
			if err != nil || got.Username != "newusername" {
				t.Fatalf("username=%v (%v), want newusername", got, err)
			}
		})

		t.Run("UpdateAvatar", func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 1, 1))
			img.Set(0, 0, color.RGBA{R: 255, A: 255})
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, nil); err != nil {
				t.Fatal(err)
			}
			r := uploadAvatar(t, srv.as(t, user), "avatar.jpg", "image/jpeg", buf.Bytes()).noErrors(t)
			var data struct {
				UpdateUser struct{ User struct{ Avatar string } }
			}
			r.dataInto(t, &data)
			got, _ := s.Users.FindUserByID(ctx, user.ID)
			if !strings.HasSuffix(got.Avatar, ".jpg") || data.UpdateUser.User.Avatar != got.Avatar {
				t.Fatalf("avatar=%q (returned %q), want a stored .jpg", got.Avatar, data.UpdateUser.User.Avatar)
			}
		})

		host := testdb.MustCreateUser(t, ctx, s, &edusphere.User{Email: "host@email.com", Username: "testhost", Name: "Host", IsActive: true})
		if _, err := s.Topics.GetOrCreateTopic(ctx, "ExistingTopic"); err != nil {
			t.Fatal(err)
		}

		t.Run("CreateRoom", func(t *testing.T) {
			srv.as(t, host).do(`mutation { createRoom(name:"New Room", topicName:"NewTopic") { room { name } } }`, nil).noErrors(t)
			rooms, _, err := s.Rooms.FindRooms(ctx, edusphere.RoomFilter{HostID: &host.ID})
			if err != nil || len(rooms) != 1 || rooms[0].Name != "New Room" {
				t.Fatalf("rooms=%v (%v), want New Room", rooms, err)
			}
			topic, err := s.Topics.FindTopicByID(ctx, rooms[0].TopicID)
			if err != nil || topic.Name != "NewTopic" {
				t.Fatalf("topic=%v (%v), want NewTopic", topic, err)
			}
		})

		t.Run("DeleteRoom", func(t *testing.T) {
			room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, Name: "Test Room", TopicName: "ExistingTopic"})
			r := srv.as(t, host).do(`mutation { deleteRoom(hostSlug:"testhost", roomSlug:"test-room") { success } }`, nil).noErrors(t)
			if !strings.Contains(r.Body, `"success":true`) {
				t.Fatalf("body=%s, want success true", r.Body)
			}
			if _, err := s.Rooms.FindRoomByID(ctx, room.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("FindRoomByID=%v, want ENOTFOUND", err)
			}
		})

		other := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, Name: "Other Room", TopicName: "ExistingTopic"})

		t.Run("DeleteMessage", func(t *testing.T) {
			m := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: user.ID, RoomID: other.ID, Body: "bye"})
			r := srv.as(t, user).do(`mutation($id: UUID!) { deleteMessage(messageId: $id) { success } }`, map[string]any{"id": m.ID.String()}).noErrors(t)
			if !strings.Contains(r.Body, `"success":true`) {
				t.Fatalf("body=%s, want success true", r.Body)
			}
			if _, err := s.Messages.FindMessageByID(ctx, m.ID); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
				t.Fatalf("FindMessageByID=%v, want ENOTFOUND", err)
			}
		})

		t.Run("UpdateMessage", func(t *testing.T) {
			m := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: user.ID, RoomID: other.ID, Body: "Original"})
			srv.as(t, user).do(`mutation($id: UUID!) { updateMessage(messageId: $id, body: "Updated") { message { body } } }`, map[string]any{"id": m.ID.String()}).noErrors(t)
			got, err := s.Messages.FindMessageByID(ctx, m.ID)
			if err != nil || got.Body != "Updated" || !got.Edited {
				t.Fatalf("message=%+v (%v), want body Updated, edited", got, err)
			}
		})

		t.Run("RoomsQuery", func(t *testing.T) {
			h2 := testdb.SQLite(t)
			if h.Kind == "postgres" {
				h2 = testdb.Postgres(t)
			}
			srv2 := newServer(t, h2)
			u := testdb.MustCreateUser(t, ctx, h2.Services, &edusphere.User{Email: "test@email.com", Username: "testuser", Name: "TestUser", IsActive: true})
			testdb.MustCreateRoom(t, ctx, h2.Services, edusphere.RoomCreate{HostID: u.ID, Name: "Test Room", TopicName: "Topic"})
			r := srv2.client(t).do(`{ rooms { name description } }`, nil).noErrors(t)
			if got := names(t, r, "rooms"); !equalStrings(got, []string{"Test Room"}) {
				t.Fatalf("rooms=%v, want [Test Room]", got)
			}
		})

		t.Run("Me", func(t *testing.T) {
			r := srv.as(t, host).do(`{ me { username } }`, nil).noErrors(t)
			if !strings.Contains(r.Body, `"username":"testhost"`) {
				t.Fatalf("body=%s, want testhost", r.Body)
			}
		})

		t.Run("AuthStatus", func(t *testing.T) {
			r := srv.as(t, host).do(`{ authStatus { isAuthenticated user { username } } }`, nil).noErrors(t)
			if r.Body != `{"data":{"authStatus":{"isAuthenticated":true,"user":{"username":"testhost"}}}}` {
				t.Fatalf("body=%s", r.Body)
			}
		})

		t.Run("Messages", func(t *testing.T) {
			room := testdb.MustCreateRoom(t, ctx, s, edusphere.RoomCreate{HostID: host.ID, Name: "Test Room", TopicName: "ExistingTopic"})
			testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{UserID: host.ID, RoomID: room.ID, Body: "Hello!"})
			r := srv.client(t).do(`{ messages(hostSlug:"testhost", roomSlug:"test-room") { body } }`, nil).noErrors(t)
			if r.Body != `{"data":{"messages":[{"body":"Hello!"}]}}` {
				t.Fatalf("body=%s", r.Body)
			}
		})
	})
}
