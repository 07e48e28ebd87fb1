package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestMain_EventSocket opens the event socket of a running server with a
// real log-in and checks the wiring end to end: a subscription, a message
// sent on the socket, and changes made through GraphQL (a room update, a
// message deletion) reaching the socket with their sequence numbers.
func TestMain_EventSocket(t *testing.T) {
	m := MustRunMain(t, testEnv(t, "REGISTER_RATE_LIMIT", "0", "LOGIN_RATE_LIMIT", "0"))
	c := newClient(t, m.URL())
	if _, err := c.http.Get(m.URL() + "/api/csrf/"); err != nil {
		t.Fatal(err)
	}
	register := `mutation($e:String!,$u:String!,$n:String!,$p:String!){registerUser(email:$e,username:$u,name:$n,password1:$p,password2:$p){success}}`
	if code, out := c.graphql(register, map[string]any{"e": "ada@example.com", "u": "Ada", "n": "Ada", "p": "correct horse battery"}, true); code != 200 || out["errors"] != nil {
		t.Fatalf("registerUser=%d %v", code, out)
	}
	login := `mutation($e:String!,$p:String!){tokenAuth(email:$e,password:$p){payload}}`
	if code, out := c.graphql(login, map[string]any{"e": "ada@example.com", "p": "correct horse battery"}, true); code != 200 || out["errors"] != nil {
		t.Fatalf("tokenAuth=%d %v", code, out)
	}
	code, out := c.graphql(`mutation{createRoom(name:"Room A",topicName:"Go",description:"d"){room{id}}}`, nil, true)
	if code != 200 || out["errors"] != nil {
		t.Fatalf("createRoom=%d %v", code, out)
	}
	roomID := out["data"].(map[string]any)["createRoom"].(map[string]any)["room"].(map[string]any)["id"].(string)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(m.URL(), "http")+"/ws/v2", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://localhost"}, "Cookie": {"JWT=" + c.cookie("JWT")}},
	})
	if err != nil {
		t.Fatalf("Dial /ws/v2: %v", err)
	}
	defer ws.CloseNow()
	send := func(frame string) {
		t.Helper()
		if err := ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	read := func() map[string]any {
		t.Helper()
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var f map[string]any
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		return f
	}

	send(`{"type":"subscribe","room":"` + roomID + `","since":0,"ref":"s"}`)
	if f := read(); f["type"] != "subscribed" || f["seq"] != float64(0) || f["recovered"] != true || f["ref"] != "s" {
		t.Fatalf("got %v, want subscribed at 0", f)
	}
	send(`{"type":"send","room":"` + roomID + `","message":"hello","ref":"m"}`)
	created := read()
	msg, _ := created["message"].(map[string]any)
	if created["type"] != "message.created" || created["seq"] != float64(1) || msg["body"] != "hello" {
		t.Fatalf("got %v, want message.created at 1", created)
	}
	if f := read(); f["type"] != "ack" || f["seq"] != float64(1) || f["id"] != msg["id"] {
		t.Fatalf("got %v, want the ack", f)
	}

	if code, out := c.graphql(`mutation{updateRoom(hostSlug:"ada",roomSlug:"room-a",description:"new"){room{id}}}`, nil, true); code != 200 || out["errors"] != nil {
		t.Fatalf("updateRoom=%d %v", code, out)
	}
	if f := read(); f["type"] != "room.updated" || f["description"] != "new" {
		t.Fatalf("got %v, want room.updated", f)
	}
	del := fmt.Sprintf(`mutation{deleteMessage(messageId:%q){success}}`, msg["id"])
	if code, out := c.graphql(del, nil, true); code != 200 || out["errors"] != nil {
		t.Fatalf("deleteMessage=%d %v", code, out)
	}
	if f := read(); f["type"] != "message.deleted" || f["seq"] != float64(2) || f["id"] != msg["id"] {
		t.Fatalf("got %v, want message.deleted at 2", f)
	}
	// markRoomRead reaches the user's event sockets as an unread frame.
	mark := fmt.Sprintf(`mutation{markRoomRead(roomId:%q,seq:2){readSeq unreadCount}}`, roomID)
	if code, out := c.graphql(mark, nil, true); code != 200 || out["errors"] != nil {
		t.Fatalf("markRoomRead=%d %v", code, out)
	}
	if f := read(); f["type"] != "unread" || f["room"] != roomID || f["read"] != float64(2) || f["count"] != float64(0) {
		t.Fatalf("got %v, want unread with read 2, count 0", f)
	}
}
