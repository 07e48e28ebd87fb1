package hub

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// FuzzFrame feeds arbitrary frames to the frame handler of a socket joined
// to a room. Every frame must yield exactly one frame to the sender; an
// error frame must leave the database as it was. In the seeds, $OWN,
// $THEIRS and $FOREIGN stand for the ids of the sender's message, another
// user's message and the sender's message in another room.
func FuzzFrame(f *testing.F) {
	for _, seed := range []string{
		`{"message":"hi","type":"text","timestamp":"2026-01-01T00:00:00.000Z"}`,
		`{"message":"hi"}`,
		`{"type":"text"}`,
		`{"type":"text","message":null}`,
		`{"message":""}`,
		`{"message":123}`,
		`{"message":true}`,
		`{"message":{"a":1}}`,
		`{"message":"` + strings.Repeat("a", 501) + `"}`,
		`{"message":"\ud800"}`,
		`{"type":"update","messageId":"$OWN","message":"edited"}`,
		`{"type":"update","messageId":"$OWN","message":""}`,
		`{"type":"update","messageId":"$THEIRS","message":"x"}`,
		`{"type":"update","messageId":"$FOREIGN","message":"x"}`,
		`{"type":"update","messageId":"not-a-uuid","message":"x"}`,
		`{"type":"update","messageId":null}`,
		`{"type":"delete","messageId":"$THEIRS"}`,
		`{"type":"delete","messageId":"$FOREIGN"}`,
		`{"type":"delete","messageId":"{$OWN}"}`,
		`{"type":"delete"}`,
		`{"type":"shout"}`,
		`{"type":7}`,
		`{"type":null}`,
		`{"type":"text","type":"delete"}`,
		`[]`, `null`, `"x"`, `1`, `{`, ``, "\xff\xfe", `{"message":"a"} trailing`,
		// The hostile shapes of BenchmarkHostileFrame, up to the 64 KiB
		// frame limit: the largest string, deep nesting (past encoding/json's
		// 10,000 levels, and under an ignored key), huge numbers, bytes that
		// are not UTF-8 in and out of strings, many keys.
		`{"message":"` + strings.Repeat("a", 64<<10-16) + `"}`,
		`{"message":` + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + `}`,
		`{"type":"text","x":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000) + `}`,
		`{"type":"text","message":"ok","x":` + strings.Repeat(`[`, 500) + strings.Repeat(`]`, 500) + `}`,
		`{"message":` + strings.Repeat("9", 60000) + `}`,
		`{"message":1e999999999}`,
		`{"message":-0.0e-999999}`,
		`{"type":"update","messageId":"$OWN","message":` + strings.Repeat("1", 5000) + `}`,
		`{"message":"` + strings.Repeat("\xff\xfe", 30000) + `"}`,
		`{"message":"ok\xc0\xaf"}`,
		strings.Repeat("\xff", 60000),
		`{` + strings.Repeat(`"k":1,`, 10000) + `"message":""}`,
		`{"type":"` + strings.Repeat("t", 60000) + `"}`,
	} {
		f.Add([]byte(seed), false)
	}
	f.Add([]byte(`{"message":"binary"}`), true)

	h := testdb.SQLite(f)
	ctx := context.Background()
	s := h.Services
	b := inmem.NewBroker()
	f.Cleanup(func() { b.Close() })
	hb := New(Config{Broker: b, Store: s, Auth: denyAll{}})
	ada := testdb.MustCreateUser(f, ctx, s, &edusphere.User{Username: "ada"})
	bob := testdb.MustCreateUser(f, ctx, s, &edusphere.User{Username: "bob"})
	room := testdb.MustCreateRoom(f, ctx, s, edusphere.RoomCreate{HostID: ada.ID, Name: "Fuzz"})
	other := testdb.MustCreateRoom(f, ctx, s, edusphere.RoomCreate{HostID: ada.ID, Name: "Elsewhere"})
	theirs := testdb.MustCreateMessage(f, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: bob.ID, Body: "bob's"})
	foreign := testdb.MustCreateMessage(f, ctx, s, &edusphere.Message{RoomID: other.ID, UserID: ada.ID, Body: "elsewhere"})
	c := newConn(hb, ada, edusphere.Session{UserID: ada.ID, Expires: time.Now().Add(time.Hour)}, room.ID)
	if !hb.join(ctx, c) {
		f.Fatalf("join failed")
	}

	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		own := testdb.MustCreateMessage(t, ctx, s, &edusphere.Message{RoomID: room.ID, UserID: ada.ID, Body: "mine"})
		data = bytes.ReplaceAll(data, []byte("$OWN"), []byte(own.ID.String()))
		data = bytes.ReplaceAll(data, []byte("$THEIRS"), []byte(theirs.ID.String()))
		data = bytes.ReplaceAll(data, []byte("$FOREIGN"), []byte(foreign.ID.String()))
		// Keep the database small: drop this run's messages afterwards.
		defer func() {
			ms, _, _ := s.Messages.FindMessages(ctx, edusphere.MessageFilter{RoomID: &room.ID})
			for _, m := range ms {
				if m.ID != theirs.ID {
					_ = s.Messages.DeleteMessage(ctx, m.ID)
				}
			}
		}()
		before := snapshot(t, s)

		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		c.handleFrame(typ, data)
		c.settle()

		c.mu.Lock()
		out := c.queue
		c.queue = nil
		closing := c.closing
		c.mu.Unlock()
		if closing {
			t.Fatalf("frame %q closed the socket", data)
		}
		if len(out) != 1 {
			t.Fatalf("frame %q yielded %d frames %q, want exactly 1", data, len(out), out)
		}
		if bytes.HasPrefix(out[0], []byte(`{"error": `)) {
			if after := snapshot(t, s); after != before {
				t.Fatalf("error frame %s for %q changed the database:\n%s\nwas\n%s", out[0], data, after, before)
			}
		} else if !bytes.HasPrefix(out[0], []byte(`{"type": "chat_message", "action": `)) {
			t.Fatalf("frame %q yielded %s, want a chat or error frame", data, out[0])
		}
		if binary && !bytes.Equal(out[0], errorFrame(MsgInvalidFormat)) {
			t.Fatalf("binary frame yielded %s, want the invalid-format error", out[0])
		}
	})
}

// denyAll authenticates nobody; frame-handler tests need no handshake.
type denyAll struct{}

func (denyAll) AuthenticateSession(context.Context, string) (*edusphere.User, edusphere.Session, error) {
	return nil, edusphere.Session{}, nil
}
func (denyAll) CheckSession(edusphere.Session) (time.Time, bool) { return time.Time{}, false }
func (denyAll) OriginAllowed(string) bool                        { return false }
func (denyAll) HandleEvent(edusphere.Event)                      {}

// snapshot renders every message of the database.
func snapshot(t *testing.T, s edusphere.Services) string {
	t.Helper()
	ms, _, err := s.Messages.FindMessages(context.Background(), edusphere.MessageFilter{})
	if err != nil {
		t.Fatalf("FindMessages=%v", err)
	}
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.ID.String() + " " + m.RoomID.String() + " " + m.Body + " " + m.Updated.String() + "\n")
	}
	return b.String()
}

func TestIsoformat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
	}{
		{"2026-01-02T03:04:05Z", "2026-01-02T03:04:05+00:00"},
		{"2026-01-02T03:04:05.000001Z", "2026-01-02T03:04:05.000001+00:00"},
		{"2026-01-02T03:04:05.5Z", "2026-01-02T03:04:05.500000+00:00"},
		{"2026-01-02T03:04:05.0000009Z", "2026-01-02T03:04:05+00:00"},
		{"2026-01-02T05:04:05.123456789+02:00", "2026-01-02T03:04:05.123456+00:00"},
	} {
		tm, err := timeParse(tt.in)
		if err != nil {
			t.Fatalf("parse %s: %v", tt.in, err)
		}
		if got := isoformat(tm); got != tt.want {
			t.Errorf("isoformat(%s)=%s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAppendPyString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      `"plain"`,
		`q"b\`:       `"q\"b\\"`,
		"\n\r\t\b\f": `"\n\r\t\b\f"`,
		"\x00\x1f":   `"\u0000\u001f"`,
		"\x7f":       `"\u007f"`,
		"café":       `"caf\u00e9"`,
		"😀":          `"\ud83d\ude00"`,
		"\u2028":     `"\u2028"`,
		"<&>":        `"<&>"`,
	} {
		if got := string(appendPyString(nil, in)); got != want {
			t.Errorf("appendPyString(%q)=%s, want %s", in, got, want)
		}
	}
}

func timeParse(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
