package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/inmem"
	"github.com/edusphere/edusphere/testdb"
)

// hostileFrames are the frames of BenchmarkHostileFrame, each as large as
// the default 64 KiB frame limit allows where size is the point. Each gets
// an error frame back and changes nothing.
var hostileFrames = []struct {
	name  string
	frame string
}{
	// The largest frame the server reads: one 64 KiB string.
	{"Oversized", `{"message":"` + strings.Repeat("a", 64<<10-16) + `"}`},
	// 30,000 nested arrays: encoding/json stops at 10,000 levels.
	{"DeepArrays", `{"message":` + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + `}`},
	// Nested objects under a key the server ignores: scanned all the same.
	{"DeepObjects", `{"type":"text","x":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000) + `}`},
	// A number of 60,000 digits, and one with a huge exponent.
	{"HugeNumber", `{"message":` + strings.Repeat("9", 60000) + `}`},
	{"HugeExponent", `{"message":1e999999999}`},
	// 60,000 bytes that are not UTF-8, inside a string and outside one.
	{"InvalidUTF8String", `{"message":"` + strings.Repeat("\xff\xfe", 30000) + `"}`},
	{"InvalidUTF8Bare", strings.Repeat("\xff", 60000)},
	// 20,000 keys of one object.
	{"ManyKeys", `{` + strings.Repeat(`"k":1,`, 10000) + `"message":""}`},
	// The smallest frames, many of them: each costs the error path.
	{"Tiny", `{}`},
}

// BenchmarkHostileFrame sends each hostile frame over a real socket to a
// hub on SQLite and waits for its error frame. It reports the process's
// CPU time (server and client, from getrusage) and bytes allocated per
// frame. Rate limiting is off so every frame reaches the handler; the
// RateLimited case shows what a flood costs once WS_RATE_LIMIT refuses it.
//
//	go test -run X -bench HostileFrame -benchtime 2s ./hub/
func BenchmarkHostileFrame(b *testing.B) {
	for _, hf := range hostileFrames {
		b.Run(hf.name, func(b *testing.B) { benchFrame(b, hub.Config{}, hf.frame) })
	}
	b.Run("RateLimited", func(b *testing.B) {
		benchFrame(b, hub.Config{RateLimit: auth.Limit{Count: 1, Per: time.Hour}}, `{}`)
	})
	b.Run("OverLimit", func(b *testing.B) {
		// One byte over the frame limit: the socket is closed with 1009
		// after reading 64 KiB, so every frame costs a new handshake too.
		benchOverLimit(b)
	})
}

// benchServer is a hub over loopback on a fresh SQLite database, and a
// room ada may chat in.
func benchServer(b *testing.B, cfg hub.Config) (url string, cookie string) {
	b.Helper()
	h := testdb.SQLite(b)
	ctx := context.Background()
	broker := inmem.NewBroker()
	b.Cleanup(func() { broker.Close() })
	cfg.Broker, cfg.Store, cfg.Auth = broker, h.Services, &fakeAuth{users: h.Services.Users}
	hb := hub.New(cfg)
	srv := httptest.NewServer(hb)
	b.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		hb.Shutdown(sctx)
		srv.Close()
	})
	ada := testdb.MustCreateUser(b, ctx, h.Services, &edusphere.User{Username: "ada"})
	room := testdb.MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: ada.ID, Name: "Bench"})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/chat/ada/" + room.Slug, ada.ID.String()
}

func benchDial(b *testing.B, url, cookie string) *websocket.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{
		"Origin": {"http://localhost"}, "Cookie": {"JWT=" + cookie}}})
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	return ws
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchFrame(b *testing.B, cfg hub.Config, frame string) {
	url, cookie := benchServer(b, cfg)
	ws := benchDial(b, url, cookie)
	defer ws.CloseNow()
	ctx := context.Background()
	data := []byte(frame)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for range b.N {
		if err := ws.Write(ctx, websocket.MessageText, data); err != nil {
			b.Fatalf("write: %v", err)
		}
		_, got, err := ws.Read(ctx)
		if err != nil {
			b.Fatalf("read: %v", err)
		}
		if !strings.HasPrefix(string(got), `{"error": `) {
			b.Fatalf("answer %.80s, want an error frame", got)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
}

func benchOverLimit(b *testing.B) {
	url, cookie := benchServer(b, hub.Config{})
	data := []byte(`{"message":"` + strings.Repeat("a", 64<<10) + `"}`)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for range b.N {
		ws := benchDial(b, url, cookie)
		if err := ws.Write(ctx, websocket.MessageText, data); err != nil {
			b.Fatalf("write: %v", err)
		}
		if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			b.Fatalf("read: %v, want 1009", err)
		}
		ws.CloseNow()
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
}
