package hub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// TestPipelinedFrames holds the transaction of a socket's first write and
// sends more frames behind it: the socket keeps up to its window of writes
// in the writer at once (one at a time with a window of 1), every frame
// still gets exactly one answer in the order sent, and the error of a
// frame the read loop refuses itself waits for the writes before it.
func TestPipelinedFrames(t *testing.T) {
	for _, tt := range []struct {
		name   string
		window int
		held   int // writes in the writer while the first commit is held
	}{
		{"OneAtATime", 1, 1},
		{"WindowOfFour", 4, 4},
		{"DefaultWindow", 0, 7}, // 8 slots, 7 writes sent
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := testdb.SQLite(t)
			gate, entered := make(chan struct{}), make(chan struct{})
			var once sync.Once
			h.SetBeforeChatCommit(func([]edusphere.ChatOp) error {
				once.Do(func() { close(entered); <-gate })
				return nil
			})
			release := sync.OnceFunc(func() { close(gate) })
			t.Cleanup(release)

			ctx := context.Background()
			ada := testdb.MustCreateUser(t, ctx, h.Services, &edusphere.User{Username: "ada"})
			room := testdb.MustCreateRoom(t, ctx, h.Services, edusphere.RoomCreate{HostID: ada.ID, Name: "Pipes", TopicName: "Go"})
			e := newEnv(t, h, hub.Config{ChatWindow: tt.window}, nil)
			c := e.dial(ada, room)

			c.send(t, `{"message":"m0"}`)
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first write's transaction never started")
			}
			for i := 1; i <= 5; i++ {
				c.send(t, fmt.Sprintf(`{"message":"m%d"}`, i))
			}
			c.send(t, fmt.Sprintf(`{"type":"update","messageId":%q,"message":"x"}`, uuid.New()))
			c.send(t, `not json`)

			pending := func() int {
				st := e.hub.ChatWriterStats()
				return st.Queued + st.Taken
			}
			deadline := time.Now().Add(10 * time.Second)
			for pending() < tt.held {
				if time.Now().After(deadline) {
					t.Fatalf("%d writes in the writer, want %d", pending(), tt.held)
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // more would show by now
			if got := pending(); got != tt.held {
				t.Fatalf("%d writes in the writer while the first commit is held, want %d", got, tt.held)
			}
			c.silent(t, 50*time.Millisecond)
			release()

			var got []string
			for range 8 {
				m := c.readJSON(t)
				if text, ok := m["error"].(string); ok {
					got = append(got, "error "+text)
				} else {
					got = append(got, fmt.Sprint(m["action"], " ", m["body"]))
				}
			}
			want := []string{"new m0", "new m1", "new m2", "new m3", "new m4", "new m5",
				"error " + hub.MsgNotFound, "error " + hub.MsgInvalidFormat}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("answers %q, want %q", got, want)
			}
			c.silent(t, 200*time.Millisecond)
			if n := len(messages(t, h.Services, room.ID)); n != 6 {
				t.Fatalf("%d messages stored, want 6", n)
			}
		})
	}
}
