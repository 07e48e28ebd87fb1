package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// benchEnv is a chat server over loopback for benchmarks: a hub on h with
// the in-memory broker.
type benchEnv struct {
	hub *hub.Hub
	srv *httptest.Server
	h   *testdb.Handle
}

func newBenchEnv(tb testing.TB, h *testdb.Handle, cfg hub.Config) *benchEnv {
	tb.Helper()
	broker := inmem.NewBroker()
	auth := &fakeAuth{users: h.Services.Users}
	cfg.Broker, cfg.Store, cfg.Notifier, cfg.Auth = broker, h.Services, hub.NewNotifier(broker, nil), auth
	e := &benchEnv{hub: hub.New(cfg), h: h}
	mux := http.NewServeMux()
	mux.Handle("/ws/chat/", e.hub)
	e.srv = httptest.NewServer(mux)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.hub.Shutdown(ctx)
		e.srv.Close()
		broker.Close()
	})
	return e
}

// dial opens a socket to room (hosted by host) as u.
func (e *benchEnv) dial(tb testing.TB, u, host *edusphere.User, room *edusphere.Room) *websocket.Conn {
	h := http.Header{}
	h.Set("Origin", "http://localhost:5173")
	h.Set("Cookie", "JWT="+u.ID.String())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws/chat/"+host.Username+"/"+room.Slug, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		tb.Errorf("dial: %v", err)
		return nil
	}
	return ws
}
