package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// dialV2 opens an event socket as u, reading, and fails the test on error.
func (e *env) dialV2(u *edusphere.User) *client {
	e.t.Helper()
	ws, res, err := e.dialRaw(dialOpts{path: "/ws/v2", cookie: u.ID.String()})
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		e.t.Fatalf("dial v2 as %s: %v (HTTP %d)", u.Username, err, code)
	}
	ws.SetReadLimit(1 << 20)
	e.t.Cleanup(func() { ws.CloseNow() })
	return (&client{t: e.t, ws: ws}).start()
}

// frame is a decoded event-socket frame.
type frame map[string]any

func (f frame) str(key string) string { s, _ := f[key].(string); return s }

func (f frame) seq() int64 {
	n, _ := f["seq"].(float64)
	return int64(n)
}

// msg returns the frame's message object.
func (f frame) msg() frame { m, _ := f["message"].(map[string]any); return m }

// next reads the next frame.
func (c *client) next(t testing.TB) frame {
	t.Helper()
	return frame(decode(t, c.read(t)))
}

// sendJSON sends v encoded as JSON.
func (c *client) sendJSON(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	c.send(t, string(b))
}

// subscribe subscribes room from since (-1: no since) and returns the
// frames up to and including subscribed.
func (c *client) subscribe(t testing.TB, room uuid.UUID, since int64) []frame {
	t.Helper()
	req := map[string]any{"type": "subscribe", "room": room, "ref": "sub"}
	if since >= 0 {
		req["since"] = since
	}
	c.sendJSON(t, req)
	var out []frame
	for {
		f := c.next(t)
		out = append(out, f)
		switch f.str("type") {
		case "subscribed":
			return out
		case "error":
			t.Fatalf("subscribe %s: %v", room, f)
		}
	}
}

// until reads frames until one of type typ and returns it.
func (c *client) until(t testing.TB, typ string) frame {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f := c.next(t)
		if f.str("type") == typ {
			return f
		}
	}
	t.Fatalf("no %s frame within 5 s", typ)
	return nil
}

// describe renders frames as "type@seq" for failure messages.
func describe(fs []frame) string {
	s := ""
	for _, f := range fs {
		s += fmt.Sprintf(" %s@%d", f.str("type"), f.seq())
	}
	return s
}

// post creates a message through the wrapped services (published).
func (e *env) post(t testing.TB, u *edusphere.User, room uuid.UUID, body string) *edusphere.Message {
	t.Helper()
	m := &edusphere.Message{UserID: u.ID, RoomID: room, Body: body}
	if err := e.services.Messages.CreateMessage(edusphere.NewContextWithUser(context.Background(), u), m); err != nil {
		t.Fatalf("CreateMessage=%v, want nil", err)
	}
	return m
}
