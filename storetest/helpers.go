package storetest

import (
	"context"
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// randomHex returns eight random lower-case hex digits.
func randomHex() string { return uuid.NewString()[:8] }

// MustCreateUser creates u, or a new user when u is nil, and fails tb on
// error. Blank Email, Username and Name get unique values; the user is
// always created active (IsActive true), since a bool cannot say "unset" —
// deactivate it with UpdateUser when a test needs that.
func MustCreateUser(tb testing.TB, ctx context.Context, s edusphere.Services, u *edusphere.User) *edusphere.User {
	tb.Helper()
	if u == nil {
		u = &edusphere.User{}
	}
	suffix := randomHex()
	if u.Username == "" {
		u.Username = "user-" + suffix
	}
	if u.Email == "" {
		u.Email = u.Username + "-" + suffix + "@example.com"
	}
	if u.Name == "" {
		u.Name = "User " + suffix
	}
	u.IsActive = true
	if err := s.Users.CreateUser(ctx, u); err != nil {
		tb.Fatalf("MustCreateUser(%q): %v", u.Username, err)
	}
	return u
}

// MustCreateRoom creates a room and fails tb on error. A nil HostID gets a
// new user, a blank Name a unique one and a blank TopicName "General".
func MustCreateRoom(tb testing.TB, ctx context.Context, s edusphere.Services, c edusphere.RoomCreate) *edusphere.Room {
	tb.Helper()
	if c.HostID == uuid.Nil {
		c.HostID = MustCreateUser(tb, ctx, s, nil).ID
	}
	if c.Name == "" {
		c.Name = "Room " + randomHex()
	}
	if c.TopicName == "" {
		c.TopicName = "General"
	}
	r, err := s.Rooms.CreateRoom(ctx, c)
	if err != nil {
		tb.Fatalf("MustCreateRoom(%q): %v", c.Name, err)
	}
	return r
}

// MustCreateMessage creates m and fails tb on error. A nil RoomID gets a
// new room, a nil UserID the room's host and a blank Body "hello".
func MustCreateMessage(tb testing.TB, ctx context.Context, s edusphere.Services, m *edusphere.Message) *edusphere.Message {
	tb.Helper()
	if m == nil {
		m = &edusphere.Message{}
	}
	if m.RoomID == uuid.Nil {
		r := MustCreateRoom(tb, ctx, s, edusphere.RoomCreate{HostID: m.UserID})
		m.RoomID = r.ID
		m.UserID = r.HostID
	}
	if m.UserID == uuid.Nil {
		r, err := s.Rooms.FindRoomByID(ctx, m.RoomID)
		if err != nil {
			tb.Fatalf("MustCreateMessage: find room: %v", err)
		}
		m.UserID = r.HostID
	}
	if m.Body == "" {
		m.Body = "hello"
	}
	if err := s.Messages.CreateMessage(ctx, m); err != nil {
		tb.Fatalf("MustCreateMessage: %v", err)
	}
	return m
}
