package hub

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// conn is one chat socket. The read loop runs on the HTTP handler's
// goroutine; one writer goroutine drains the queue.
type conn struct {
	h       *Hub
	ws      *websocket.Conn // nil in frame-handler tests
	user    *edusphere.User
	roomID  uuid.UUID
	limiter *rate.Limiter   // shared by the user's sockets; nil when off
	ctx     context.Context // the frame being handled; used by the read loop only

	// busy is held while a frame is handled, so Shutdown can wait for it.
	busy     sync.Mutex
	stopped  bool // guarded by busy: no more frames are handled
	mu       sync.Mutex
	queue    [][]byte // frames waiting for the writer
	spare    [][]byte // the writer's previous batch, reused
	closing  bool     // no more frames are queued
	code     websocket.StatusCode
	reason   string
	wake     chan struct{}
	writerUp chan struct{} // closed when the writer goroutine ends
}

func newConn(h *Hub, user *edusphere.User, roomID uuid.UUID) *conn {
	return &conn{h: h, user: user, roomID: roomID, wake: make(chan struct{}, 1)}
}

// enqueue appends a frame for the writer without ever blocking. A full
// queue marks the socket as a slow consumer: it is closed with 4008 and its
// queued frames are dropped, so the room is never slowed down.
func (c *conn) enqueue(frame []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.h.cfg.SendQueue {
		c.closing, c.code, c.reason = true, StatusSlowConsumer, "slow consumer"
		clear(c.queue)
		c.queue = c.queue[:0]
		c.mu.Unlock()
		c.signal()
		return
	}
	c.queue = append(c.queue, frame)
	c.mu.Unlock()
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close asks the writer to send a close frame with code, after the queued
// frames when drain is set. The first close wins.
func (c *conn) close(code websocket.StatusCode, reason string, drain bool) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing, c.code, c.reason = true, code, reason
	if !drain {
		clear(c.queue)
		c.queue = c.queue[:0]
	}
	c.mu.Unlock()
	c.signal()
}

// drop ends the socket at once, without a close frame.
func (c *conn) drop() {
	c.close(0, "", false)
	if c.ws != nil {
		c.ws.CloseNow()
	}
}

// stopReading waits for the frame being handled and stops handling more.
func (c *conn) stopReading() {
	c.busy.Lock()
	c.stopped = true
	c.busy.Unlock()
}

// writeLoop writes queued frames until the socket closes, and pings the
// peer every PingInterval.
func (c *conn) writeLoop() {
	defer close(c.writerUp)
	ping := time.NewTicker(c.h.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.wake:
		case <-ping.C:
			go c.ping()
			continue
		}
		c.mu.Lock()
		batch := c.queue
		c.queue = c.spare[:0]
		closing, code, reason := c.closing, c.code, c.reason
		c.mu.Unlock()

		for _, frame := range batch {
			ctx, cancel := context.WithTimeout(c.h.ctx, c.h.cfg.WriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.ws.CloseNow()
				c.markClosed()
				return
			}
		}
		clear(batch)
		c.mu.Lock()
		c.spare = batch[:0]
		c.mu.Unlock()

		if closing {
			if code == 0 {
				c.ws.CloseNow()
			} else {
				c.ws.Close(code, reason)
			}
			return
		}
	}
}

func (c *conn) markClosed() {
	c.mu.Lock()
	c.closing = true
	c.queue = nil
	c.mu.Unlock()
}

// ping drops a peer that does not answer within PingInterval.
func (c *conn) ping() {
	ctx, cancel := context.WithTimeout(c.h.ctx, c.h.cfg.PingInterval)
	defer cancel()
	if err := c.ws.Ping(ctx); err != nil {
		c.drop()
	}
}

// readLoop handles frames until the socket fails or closes.
func (c *conn) readLoop() {
	for {
		typ, data, err := c.ws.Read(c.h.ctx)
		if err != nil {
			return
		}
		c.busy.Lock()
		if !c.stopped {
			c.handleFrame(typ, data)
		}
		c.busy.Unlock()
	}
}
