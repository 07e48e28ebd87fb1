package storetest

import (
	"strings"
	"testing"

	"github.com/edusphere/edusphere"
)

func testTopics(t *testing.T, open opener) {
	t.Run("GetOrCreate", func(t *testing.T) {
		e := newEnv(t, open)
		first, err := e.s.Topics.GetOrCreateTopic(e.ctx, "Python")
		mustOK(t, "GetOrCreateTopic", err)
		if first.ID == 0 || first.Name != "Python" {
			t.Fatalf("GetOrCreateTopic=%+v, want a new topic named Python", first)
		}
		again, err := e.s.Topics.GetOrCreateTopic(e.ctx, "Python")
		mustOK(t, "GetOrCreateTopic", err)
		if again.ID != first.ID {
			t.Fatalf("GetOrCreateTopic again: ID=%d, want %d", again.ID, first.ID)
		}
		lower, err := e.s.Topics.GetOrCreateTopic(e.ctx, "python")
		mustOK(t, "GetOrCreateTopic", err)
		if lower.ID == first.ID {
			t.Fatalf("GetOrCreateTopic(python): ID=%d, want a topic apart from Python", lower.ID)
		}
		_, n, err := e.s.Topics.FindTopics(e.ctx, edusphere.TopicFilter{})
		mustOK(t, "FindTopics", err)
		wantTotal(t, n, 2)
	})

	t.Run("GetOrCreateInvalid", func(t *testing.T) {
		for _, tt := range []struct {
			name, topic, msg string
		}{
			{"ErrBlank", "", repr("name", edusphere.MsgBlank)},
			{"ErrSpace", "two words", repr("__all__", edusphere.MsgTopicLetters)},
			{"ErrDigit", "web3", repr("__all__", edusphere.MsgTopicLetters)},
			{"ErrNonASCII", "café", repr("__all__", edusphere.MsgTopicLetters)},
			{"ErrTooLong", strings.Repeat("a", 201), repr("name", edusphere.MsgMaxLength(200, 201))},
			{"ErrTooLongAndNotLetters", strings.Repeat("1", 201), repr("name", edusphere.MsgMaxLength(200, 201))},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, open)
				_, err := e.s.Topics.GetOrCreateTopic(e.ctx, tt.topic)
				wantErr(t, err, edusphere.EINVALID, tt.msg)
				_, n, err := e.s.Topics.FindTopics(e.ctx, edusphere.TopicFilter{})
				mustOK(t, "FindTopics", err)
				wantTotal(t, n, 0)
			})
		}
	})

	t.Run("Find", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		// Room counts: Go 3, Rust 1, Zig 1 (Rust created before Zig), Empty 0, apl 0.
		e.room(t, host, "Go One", "Go")
		rust := e.room(t, host, "Rust One", "Rust")
		e.room(t, host, "Zig One", "Zig")
		e.room(t, host, "Go Two", "Go")
		e.room(t, host, "Go Three", "Go")
		empty, err := e.s.Topics.GetOrCreateTopic(e.ctx, "Empty")
		mustOK(t, "GetOrCreateTopic", err)
		apl, err := e.s.Topics.GetOrCreateTopic(e.ctx, "apl")
		mustOK(t, "GetOrCreateTopic", err)
		byName := func(name string) *edusphere.Topic {
			ts, _, err := e.s.Topics.FindTopics(e.ctx, edusphere.TopicFilter{Name: &name})
			mustOK(t, "FindTopics", err)
			if len(ts) != 1 {
				t.Fatalf("FindTopics(Name=%q)=%d topics, want 1", name, len(ts))
			}
			return ts[0]
		}
		goT, rustT, zigT := byName("Go"), byName("Rust"), byName("Zig")
		if rustT.ID != rust.TopicID {
			t.Fatalf("Rust topic ID=%d, want the room's %d", rustT.ID, rust.TopicID)
		}
		names := func(ts []*edusphere.Topic) string {
			var out []string
			for _, t := range ts {
				out = append(out, t.Name)
			}
			return strings.Join(out, ",")
		}
		popular := "Go,Rust,Zig,Empty,apl" // ties broken by id ascending
		for _, tt := range []struct {
			name   string
			filter edusphere.TopicFilter
			want   string
			total  int
		}{
			{"Popular", edusphere.TopicFilter{}, popular, 5},
			{"ByName", edusphere.TopicFilter{Order: edusphere.TopicOrderName}, "apl,Empty,Go,Rust,Zig", 5},
			{"IDs", edusphere.TopicFilter{IDs: []int64{apl.ID, goT.ID}}, "Go,apl", 2},
			{"NameExact", edusphere.TopicFilter{Name: ptr("go")}, "", 0},
			{"Search", edusphere.TopicFilter{Search: ptr("U")}, "Rust", 1},
			{"SearchIgnoresCase", edusphere.TopicFilter{Search: ptr("mPT")}, "Empty", 1},
			{"SearchPercentIsLiteral", edusphere.TopicFilter{Search: ptr("%")}, "", 0},
			{"MinRooms", edusphere.TopicFilter{MinRooms: ptr(2)}, "Go", 1},
			{"MinRoomsOne", edusphere.TopicFilter{MinRooms: ptr(1)}, "Go,Rust,Zig", 3},
			{"MinRoomsZero", edusphere.TopicFilter{MinRooms: ptr(0)}, popular, 5},
			{"MinRoomsNegative", edusphere.TopicFilter{MinRooms: ptr(-1)}, popular, 5},
			{"Limit", edusphere.TopicFilter{Limit: 2}, "Go,Rust", 5},
			{"OffsetLimit", edusphere.TopicFilter{Offset: 2, Limit: 2}, "Zig,Empty", 5},
			{"OffsetPastEnd", edusphere.TopicFilter{Offset: 9}, "", 5},
			{"FilterAndPage", edusphere.TopicFilter{MinRooms: ptr(1), Offset: 1, Limit: 1}, "Rust", 3},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, n, err := e.s.Topics.FindTopics(e.ctx, tt.filter)
				mustOK(t, "FindTopics", err)
				if names(got) != tt.want {
					t.Fatalf("FindTopics=%q, want %q", names(got), tt.want)
				}
				wantTotal(t, n, tt.total)
			})
		}
		t.Run("RoomCount", func(t *testing.T) {
			for _, tt := range []struct {
				topic *edusphere.Topic
				want  int
			}{{goT, 3}, {rustT, 1}, {zigT, 1}, {empty, 0}} {
				if tt.topic.RoomCount != tt.want {
					t.Fatalf("FindTopics %s: RoomCount=%d, want %d", tt.topic.Name, tt.topic.RoomCount, tt.want)
				}
				got, err := e.s.Topics.FindTopicByID(e.ctx, tt.topic.ID)
				mustOK(t, "FindTopicByID", err)
				if got.Name != tt.topic.Name || got.RoomCount != tt.want {
					t.Fatalf("FindTopicByID=%+v, want %s with RoomCount %d", got, tt.topic.Name, tt.want)
				}
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := e.s.Topics.FindTopicByID(e.ctx, 999999)
			wantErr(t, err, edusphere.ENOTFOUND, "")
		})
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		e := newEnv(t, open)
		host := e.user(t, "host")
		doomed := e.room(t, host, "Doomed", "Doomed")
		msg := e.message(t, doomed, host, "bye")
		kept := e.room(t, host, "Kept", "Kept")
		mustOK(t, "DeleteTopic", e.s.Topics.DeleteTopic(e.ctx, doomed.TopicID))
		_, err := e.s.Topics.FindTopicByID(e.ctx, doomed.TopicID)
		wantErr(t, err, edusphere.ENOTFOUND, "")
		_, err = e.s.Rooms.FindRoomByID(e.ctx, doomed.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgRoomNotFound)
		_, err = e.s.Messages.FindMessageByID(e.ctx, msg.ID)
		wantErr(t, err, edusphere.ENOTFOUND, edusphere.MsgMessageNotFound)
		_, err = e.s.Rooms.FindRoomByID(e.ctx, kept.ID)
		mustOK(t, "FindRoomByID(kept)", err)
		wantErr(t, e.s.Topics.DeleteTopic(e.ctx, doomed.TopicID), edusphere.ENOTFOUND, "")
	})
}
