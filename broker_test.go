package edusphere

import (
	"testing"

	"github.com/google/uuid"
)

func TestChannelRoom(t *testing.T) {
	id := uuid.New()
	tests := []struct {
		name    string
		channel string
		want    uuid.UUID
		ok      bool
	}{
		{"Room", RoomChannel(id), id, true},
		{"System", SystemChannel, uuid.Nil, false},
		{"NotAUUID", "room:lobby", uuid.Nil, false},
		{"OtherPrefix", "user:" + id.String(), uuid.Nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ChannelRoom(tt.channel)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ChannelRoom(%q)=(%v, %v), want (%v, %v)", tt.channel, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestChannelUser(t *testing.T) {
	id := uuid.New()
	tests := []struct {
		name    string
		channel string
		want    uuid.UUID
		ok      bool
	}{
		{"User", UserChannel(id), id, true},
		{"Room", RoomChannel(id), uuid.Nil, false},
		{"System", SystemChannel, uuid.Nil, false},
		{"NotAUUID", "user:alice", uuid.Nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ChannelUser(tt.channel)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ChannelUser(%q)=(%v, %v), want (%v, %v)", tt.channel, got, ok, tt.want, tt.ok)
			}
		})
	}
}
