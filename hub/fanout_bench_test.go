package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/hub"
	"github.com/edusphere/edusphere/testdb"
	"github.com/google/uuid"
)

// BenchmarkFanout compares the CPU per 1,000 deliveries of the hub (on
// in-memory SQLite, with the in-memory broker and the group-committing
// writer) with a bare in-memory hub written for the comparison: the same
// wire format and WebSocket library, no store, no broker, a queue and a
// writer goroutine per socket. 10 rooms of 10 sockets, every one sending
// (up to 4 of its messages in flight) and reading.
// CPU is the whole benchmark process (clients included, the same for
// both), so the ratio understates the servers' difference.
//
//	go test -run '^$' -bench Fanout -benchtime 20000x ./hub/
func BenchmarkFanout(b *testing.B) {
	for _, kind := range []string{"hub", "bare"} {
		b.Run(kind, func(b *testing.B) {
			var url func(room int) string
			cookie := ""
			switch kind {
			case "hub":
				h := testdb.SQLite(b)
				ctx := context.Background()
				host := testdb.MustCreateUser(b, ctx, h.Services, &edusphere.User{Username: "host"})
				var slugs []string
				for r := range 10 {
					room := testdb.MustCreateRoom(b, ctx, h.Services, edusphere.RoomCreate{HostID: host.ID, Name: fmt.Sprintf("Fan %d", r), TopicName: "Go"})
					slugs = append(slugs, room.Slug)
				}
				e := newBenchEnv(b, h, hub.Config{})
				cookie = host.ID.String()
				url = func(r int) string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws/chat/host/" + slugs[r] }
			case "bare":
				srv := httptest.NewServer(newBareHub())
				b.Cleanup(srv.Close)
				url = func(r int) string {
					return "ws" + strings.TrimPrefix(srv.URL, "http") + fmt.Sprintf("/ws/chat/host/room%d", r)
				}
			}
			runFanout(b, url, cookie)
		})
	}
}

// runFanout drives b.N messages through 10 rooms of 10 sockets, every
// socket sending (with up to 4 of its messages in flight) and reading, and
// reports deliveries per second and CPU per 1,000 deliveries.
func runFanout(b *testing.B, url func(room int) string, cookie string) {
	const rooms, perRoom, window = 10, 10, 4
	type sock struct {
		ws    *websocket.Conn
		tag   string        // marks this socket's messages
		echo  chan struct{} // this socket's own messages coming back
		sends int
	}
	socks := make([][]*sock, rooms)
	h := http.Header{}
	h.Set("Origin", "http://localhost:5173")
	h.Set("Cookie", "JWT="+cookie)
	for r := range socks {
		for i := range perRoom {
			ws, _, err := websocket.Dial(context.Background(), url(r), &websocket.DialOptions{HTTPHeader: h})
			if err != nil {
				b.Fatalf("dial: %v", err)
			}
			ws.SetReadLimit(1 << 20)
			socks[r] = append(socks[r], &sock{ws: ws, tag: fmt.Sprintf("s%d-%d ", r, i), echo: make(chan struct{}, 1<<16)})
		}
	}
	perRoomMsgs := make([]int, rooms)
	for i := range b.N {
		s := socks[i%rooms][(i/rooms)%perRoom]
		s.sends++
		perRoomMsgs[i%rooms]++
	}
	var readers, senders sync.WaitGroup
	delivered := make(chan int, rooms*perRoom)
	// A lost frame fails the run instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cpu0, t0 := processCPU(), time.Now()
	b.ResetTimer()
	for r, room := range socks {
		for _, s := range room {
			readers.Go(func() {
				n := 0
				for n < perRoomMsgs[r] {
					_, data, err := s.ws.Read(ctx)
					if err != nil {
						b.Errorf("read: %v", err)
						break
					}
					if strings.HasPrefix(string(data[:min(len(data), 9)]), `{"error"`) {
						b.Errorf("error frame %s", data)
						break
					}
					n++
					if strings.Contains(string(data), s.tag) {
						s.echo <- struct{}{}
					}
				}
				delivered <- n
			})
			senders.Go(func() {
				for j := range s.sends {
					if j >= window {
						select {
						case <-s.echo:
						case <-ctx.Done():
							b.Errorf("%s: no echo: %v", s.tag, ctx.Err())
							return
						}
					}
					if err := s.ws.Write(ctx, websocket.MessageText, []byte(`{"message":"`+s.tag+fmt.Sprint(j)+`"}`)); err != nil {
						b.Errorf("write: %v", err)
						return
					}
				}
			})
		}
	}
	senders.Wait()
	readers.Wait()
	b.StopTimer()
	elapsed, cpu := time.Since(t0), processCPU()-cpu0
	close(delivered)
	total := 0
	for n := range delivered {
		total += n
	}
	for _, room := range socks {
		for _, s := range room {
			s.ws.CloseNow()
		}
	}
	if total != b.N*perRoom {
		b.Fatalf("delivered %d, want %d", total, b.N*perRoom)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(cpu.Seconds()*1000/(float64(total)/1000), "cpu-ms/1k-deliveries")
}

// processCPU is the benchmark process's user and system CPU so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bareHub is the benchmark's reference: rooms of sockets in a map, each
// text frame turned into a "new" frame and queued on every socket of its
// room, one writer goroutine per socket.
type bareHub struct {
	mu    sync.RWMutex
	rooms map[string]map[*bareConn]struct{}
	user  *edusphere.User
}

type bareConn struct {
	ws   *websocket.Conn
	send chan []byte
}

func newBareHub() *bareHub {
	return &bareHub{rooms: map[string]map[*bareConn]struct{}{}, user: &edusphere.User{ID: uuid.New(), Username: "host"}}
}

func (h *bareHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	room := r.URL.Path
	c := &bareConn{ws: ws, send: make(chan []byte, 256)}
	h.mu.Lock()
	if h.rooms[room] == nil {
		h.rooms[room] = map[*bareConn]struct{}{}
	}
	h.rooms[room][c] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.rooms[room], c)
		h.mu.Unlock()
		close(c.send)
	}()
	go func() {
		for f := range c.send {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := ws.Write(ctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				return
			}
		}
	}()
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			return
		}
		var in struct{ Message string }
		if json.Unmarshal(data, &in) != nil {
			continue
		}
		now := time.Now()
		frame := hub.NewFrame(&edusphere.Message{ID: uuid.New(), UserID: h.user.ID, Body: in.Message, Created: now, Updated: now}, h.user)
		h.mu.RLock()
		for o := range h.rooms[room] {
			select {
			case o.send <- frame:
			default: // a slow consumer: the run fails on the missing frame
			}
		}
		h.mu.RUnlock()
	}
}
