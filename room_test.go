package edusphere

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestRoom_Validate(t *testing.T) {
	valid := func() *Room {
		return &Room{Name: "Room A", Slug: "room-a", HostID: uuid.New(), TopicID: 1}
	}
	tests := []struct {
		name   string
		modify func(r *Room)
		want   string
	}{
		{"OK", func(r *Room) {}, ""},
		{"ErrNameBlank", func(r *Room) { r.Name = "" }, "{'name': ['This field cannot be blank.']}"},
		{"ErrNameChars", func(r *Room) { r.Name = "Room-A!" }, "{'name': ['Room name can only contain letters and numbers.']}"},
		{"ErrNameCharsAndLength", func(r *Room) { r.Name = strings.Repeat("é", 201) },
			"{'name': ['Room name can only contain letters and numbers.', 'Ensure this value has at most 200 characters (it has 201).']}"},
		{"ErrSlugBlank", func(r *Room) { r.Slug = "" }, "{'slug': ['This field cannot be blank.']}"},
		{"ErrSlugInvalid", func(r *Room) { r.Slug = "a b" },
			"{'slug': ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.']}"},
		{"ErrSlugTooLong", func(r *Room) { r.Slug = strings.Repeat("s", 205) },
			"{'slug': ['Ensure this value has at most 200 characters (it has 205).']}"},
		{"ErrHostAndTopicNull", func(r *Room) { r.HostID = uuid.Nil; r.TopicID = 0 },
			"{'host': ['This field cannot be null.'], 'topic': ['This field cannot be null.']}"},
		{"ErrDescriptionTooLong", func(r *Room) { r.Description = strings.Repeat("d", 501) },
			"{'description': ['Ensure this value has at most 500 characters (it has 501).']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.modify(r)
			wantModelError(t, r.Validate(), tt.want)
		})
	}
}

func TestNewRoomSlug(t *testing.T) {
	suffixed := regexp.MustCompile(`^room-a-[0-9a-f]{4}$`)

	t.Run("OK", func(t *testing.T) {
		slug, err := NewRoomSlug("Room  A", func(string) (bool, error) { return false, nil })
		if err != nil || slug != "room-a" {
			t.Fatalf("NewRoomSlug=%q, %v, want room-a, nil", slug, err)
		}
	})
	t.Run("OKSuffixWhenTaken", func(t *testing.T) {
		var tried []string
		slug, err := NewRoomSlug("Room A", func(s string) (bool, error) {
			tried = append(tried, s)
			return s == "room-a", nil
		})
		if err != nil || !suffixed.MatchString(slug) {
			t.Fatalf("NewRoomSlug=%q, %v, want room-a-xxxx", slug, err)
		}
		if len(tried) != 2 || tried[0] != "room-a" {
			t.Fatalf("tried=%v, want room-a then one suffixed slug", tried)
		}
	})
	t.Run("ErrFromTaken", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := NewRoomSlug("Room A", func(string) (bool, error) { return false, boom }); !errors.Is(err, boom) {
			t.Fatalf("err=%v, want %v", err, boom)
		}
	})
	t.Run("ErrNoFreeSlug", func(t *testing.T) {
		n := 0
		_, err := NewRoomSlug("Room A", func(string) (bool, error) { n++; return true, nil })
		if ErrorCode(err) != ECONFLICT {
			t.Fatalf("ErrorCode=%q, want %q", ErrorCode(err), ECONFLICT)
		}
		if n < 2 || n > 100 {
			t.Fatalf("tries=%d, want a bounded number", n)
		}
	})
}

func TestKeepsSlug(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     bool
	}{
		{"CaseOnly", "Room A", "room a", true},
		{"ExtraSpaces", "Room A", "Room   A", true},
		{"Same", "Go", "Go", true},
		{"Renamed", "Room A", "Room B", false},
		{"Appended", "Room", "Room 2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeepsSlug(tt.old, tt.new); got != tt.want {
				t.Fatalf("KeepsSlug(%q, %q)=%v, want %v", tt.old, tt.new, got, tt.want)
			}
		})
	}
}

func TestCanEdit(t *testing.T) {
	host := &User{ID: uuid.New()}
	other := &User{ID: uuid.New()}
	room := &Room{HostID: host.ID}
	msg := &Message{UserID: other.ID}
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"RoomHost", CanEditRoom(host, room), true},
		{"RoomOther", CanEditRoom(other, room), false},
		{"RoomAnonymous", CanEditRoom(nil, room), false},
		{"MessageAuthor", CanEditMessage(other, msg), true},
		{"MessageOther", CanEditMessage(host, msg), false},
		{"MessageNil", CanEditMessage(host, nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("%s=%v, want %v", tt.name, tt.got, tt.want)
			}
		})
	}
}

func TestRoomCreate_Validate(t *testing.T) {
	valid := func() RoomCreate { return RoomCreate{HostID: uuid.New(), Name: "Room A", TopicName: "Go"} }
	tests := []struct {
		name   string
		modify func(c *RoomCreate)
		want   string
	}{
		{"OK", func(c *RoomCreate) {}, ""},
		{"ErrTopicFirst", func(c *RoomCreate) { c.TopicName = "Go 2"; c.Name = "" },
			"{'__all__': ['Topic name must consist of letters only.']}"},
		{"ErrNameBlank", func(c *RoomCreate) { c.Name = "" }, "{'name': ['This field cannot be blank.']}"},
		{"ErrNameCharsAndLength", func(c *RoomCreate) { c.Name = strings.Repeat("!", 201) },
			"{'name': ['Room name can only contain letters and numbers.', 'Ensure this value has at most 200 characters (it has 201).']}"},
		{"ErrHostNull", func(c *RoomCreate) { c.HostID = uuid.Nil }, "{'host': ['This field cannot be null.']}"},
		{"ErrDescription", func(c *RoomCreate) { c.Description = strings.Repeat("d", 501) },
			"{'description': ['Ensure this value has at most 500 characters (it has 501).']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.modify(&c)
			wantModelError(t, c.Validate(), tt.want)
		})
	}
}

func TestRoomUpdate_Validate(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		upd  RoomUpdate
		want string
	}{
		{"OKNothingSet", RoomUpdate{}, ""},
		{"OKAll", RoomUpdate{Name: s("New Name"), TopicName: s("Rust"), Description: s(""), Slug: s("new_slug-2")}, ""},
		{"ErrTopicFirst", RoomUpdate{TopicName: s(""), Name: s("")}, "{'name': ['This field cannot be blank.']}"},
		{"ErrTopicLetters", RoomUpdate{TopicName: s("a b")}, "{'__all__': ['Topic name must consist of letters only.']}"},
		{"ErrNameChars", RoomUpdate{Name: s("bad!")}, "{'name': ['Room name can only contain letters and numbers.']}"},
		{"ErrSlug", RoomUpdate{Slug: s("a b")}, "{'slug': ['Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.']}"},
		{"ErrFieldOrder", RoomUpdate{Description: s(strings.Repeat("d", 501)), Slug: s(""), Name: s("")},
			"{'name': ['This field cannot be blank.'], 'slug': ['This field cannot be blank.'], 'description': ['Ensure this value has at most 500 characters (it has 501).']}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantModelError(t, tt.upd.Validate(), tt.want)
		})
	}
}
