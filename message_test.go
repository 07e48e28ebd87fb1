package edusphere

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestMessage_Validate(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"OK", Message{Body: " hi ", UserID: uuid.New(), RoomID: uuid.New()}, ""},
		{"OKMaxBody", Message{Body: strings.Repeat("é", 500), UserID: uuid.New(), RoomID: uuid.New()}, ""},
		{"ErrBodyBlank", Message{UserID: uuid.New(), RoomID: uuid.New()}, "{'body': ['This field cannot be blank.']}"},
		{"ErrBodyTooLong", Message{Body: strings.Repeat("x", 501), UserID: uuid.New(), RoomID: uuid.New()},
			"{'body': ['Ensure this value has at most 500 characters (it has 501).']}"},
		{"ErrUserAndRoomNull", Message{Body: "x"},
			"{'user': ['This field cannot be null.'], 'room': ['This field cannot be null.']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantModelError(t, tt.m.Validate(), tt.want)
		})
	}
}

func TestValidateTopicName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"OK", "Python", ""},
		{"ErrBlank", "", "{'name': ['This field cannot be blank.']}"},
		{"ErrLetters", "C++", "{'__all__': ['Topic name must consist of letters only.']}"},
		{"ErrTooLongOnly", strings.Repeat("1", 201), "{'name': ['Ensure this value has at most 200 characters (it has 201).']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantModelError(t, ValidateTopicName(tt.in), tt.want)
		})
	}
}
