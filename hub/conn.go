package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// conn is one chat socket. One goroutine reads and handles frames; a
// writer goroutine runs only while frames are queued, so an idle socket
// costs one small goroutine and its buffers.
type conn struct {
	h       *Hub
	user    *edusphere.User
	session edusphere.Session // its user and origIat, and the handshake token's expiry
	roomID  uuid.UUID
	limiter *rate.Limiter // shared by the user's sockets; nil when off
	// v2 is set on event sockets (/ws/v2), whose frames handleV2 handles
	// and whose queue holds queueCap frames (0: SendQueue).
	v2       *v2conn
	queueCap int

	// window has a slot per chat write in the writer (hub/pipeline.go);
	// nil until the first.
	window chan struct{}

	// busy is held while a frame is handled, so Shutdown can wait for it.
	busy    sync.Mutex
	stopped bool // guarded by busy: no more frames are handled

	mu      sync.Mutex
	ws      *websocket.Conn // nil until the upgrade, and in frame-handler tests
	queue   [][]byte        // frames waiting for the writer
	spare   [][]byte        // the writer's previous batch, reused
	writing bool            // a writer goroutine runs, or the socket is finished
	closing bool            // no more frames are queued
	abandon atomic.Bool     // the writer skips the rest of its batch: go straight to the close (set under mu)
	code    websocket.StatusCode
	reason  string
	done    chan struct{} // closed when the last writer has finished the socket
	ping    *time.Timer
	cork    *corkConn   // gathers a flush's frames into one write; nil in frame-handler tests
	cut     func()      // cuts the connection at once (cancels its read); nil before the upgrade
	cutter  *time.Timer // cuts a slow socket CloseTimeout after its 4008

	queuedAt  time.Time    // when the oldest queued frame was queued (c.mu)
	framesIn  int          // frames handled; the read loop only
	framesOut atomic.Int64 // frames written
}

func newConn(h *Hub, user *edusphere.User, session edusphere.Session, roomID uuid.UUID) *conn {
	return &conn{h: h, user: user, session: session, roomID: roomID, done: make(chan struct{})}
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
	limit := c.h.cfg.SendQueue
	if c.queueCap > 0 {
		limit = c.queueCap
	}
	if len(c.queue) >= limit {
		c.slowLocked()
	} else {
		if len(c.queue) == 0 {
			c.queuedAt = time.Now()
		}
		c.queue = append(c.queue, frame)
		c.startWriterLocked()
	}
	c.mu.Unlock()
}

// slow closes a socket that does not keep up with 4008; c.mu is held.
// Queued frames are dropped and the writer leaves the rest of its batch,
// so the close frame goes next: if the peer takes it within CloseTimeout it
// learns why, and either way the connection is cut then.
func (c *conn) slowLocked() {
	if c.closing {
		return
	}
	c.closing, c.code, c.reason = true, StatusSlowConsumer, "slow consumer"
	c.abandon.Store(true)
	clear(c.queue)
	c.queue = c.queue[:0]
	if c.cut != nil {
		c.cutter = time.AfterFunc(c.h.cfg.CloseTimeout, c.cut)
	}
	c.startWriterLocked()
}

// startWriterLocked starts a writer unless one runs; c.mu is held.
func (c *conn) startWriterLocked() {
	if c.writing || c.ws == nil {
		return
	}
	c.writing = true
	go c.flush()
}

// close asks the writer to send a close frame with code (none for 0),
// after the queued frames when drain is set. The first close wins.
func (c *conn) close(code websocket.StatusCode, reason string, drain bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing, c.code, c.reason = true, code, reason
	if !drain {
		clear(c.queue)
		c.queue = c.queue[:0]
		c.abandon.Store(true)
	}
	c.startWriterLocked()
}

// drop ends the socket at once, without a close frame.
func (c *conn) drop() {
	c.close(0, "", false)
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		ws.CloseNow()
	}
}

// stopReading waits for the frame being handled and stops handling more.
func (c *conn) stopReading() {
	c.busy.Lock()
	c.stopped = true
	c.busy.Unlock()
}

// flush writes queued frames until the queue is empty, then exits; after a
// close or a failed write it finishes the socket and closes c.done.
func (c *conn) flush() {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = c.spare[:0]
		c.spare = nil
		closing, code, reason, ws, since := c.closing, c.code, c.reason, c.ws, c.queuedAt
		if len(batch) == 0 && !closing {
			c.spare = batch
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		if err := c.writeBatch(ws, batch); err != nil {
			ws.CloseNow()
			c.mu.Lock()
			c.closing = true
			c.queue = nil
			c.mu.Unlock()
			close(c.done)
			return
		}
		if len(batch) > 0 {
			c.framesOut.Add(int64(len(batch)))
			c.h.metrics.FramesDelivered(len(batch), time.Since(since))
		}
		clear(batch)
		c.mu.Lock()
		c.spare = batch[:0]
		c.mu.Unlock()

		if closing {
			if code == 0 {
				ws.CloseNow()
			} else {
				ws.Close(code, reason)
			}
			close(c.done)
			return
		}
	}
}

// writeBatch writes the frames of one flush. Several frames are written
// corked: the library encodes each into the connection's buffer and the
// lot goes out in one write, bounded by WriteTimeout as a whole; a single
// frame is written as it is, bounded by WriteTimeout. It stops early when
// the socket is abandoned.
func (c *conn) writeBatch(ws *websocket.Conn, batch [][]byte) error {
	if c.cork == nil || len(batch) < 2 {
		for _, frame := range batch {
			if c.abandon.Load() {
				return nil
			}
			ctx, cancel := context.WithTimeout(c.h.ctx, c.h.cfg.WriteTimeout)
			err := ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				return err
			}
		}
		return nil
	}
	c.cork.cork()
	for _, frame := range batch {
		if c.abandon.Load() {
			break
		}
		// Corked writes do not wait for the peer: no deadline of their
		// own, which spares a timer per frame; release has one.
		if err := ws.Write(context.Background(), websocket.MessageText, frame); err != nil {
			c.cork.release(c.h.cfg.WriteTimeout)
			return err
		}
	}
	return c.cork.release(c.h.cfg.WriteTimeout)
}

// pingPeer closes a peer that does not answer within PingInterval as a
// slow consumer (a peer that stopped reading never answers), and schedules
// the next ping otherwise.
func (c *conn) pingPeer() {
	c.mu.Lock()
	ws, closing := c.ws, c.closing
	c.mu.Unlock()
	if closing {
		return
	}
	ctx, cancel := context.WithTimeout(c.h.ctx, c.h.cfg.PingInterval)
	defer cancel()
	if err := ws.Ping(ctx); err != nil {
		c.mu.Lock()
		c.slowLocked()
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	if !c.closing {
		c.ping.Reset(c.h.cfg.PingInterval)
	}
	c.mu.Unlock()
}

// serve runs the socket after the upgrade until it ends, then leaves the hub.
func (c *conn) serve(ws *websocket.Conn) {
	// Cancelling a read's context makes the library close the connection,
	// which also ends a write blocked on a peer that stopped reading.
	ctx, cut := context.WithCancel(c.h.ctx)
	defer cut()
	c.mu.Lock()
	c.ws = ws
	c.cut = cut
	c.ping = time.AfterFunc(c.h.cfg.PingInterval, c.pingPeer)
	if len(c.queue) > 0 || c.closing {
		c.startWriterLocked() // frames queued before the upgrade
	}
	c.mu.Unlock()

	opened := time.Now()
	c.h.log.Info("websocket open", "user", c.user.ID, "room", c.roomID)
	readErr := c.readLoop(ctx)

	// The peer left or the socket failed: stop the writer and forget it.
	c.close(0, "", false)
	<-c.done
	c.mu.Lock()
	c.ping.Stop()
	if c.cutter != nil {
		c.cutter.Stop()
	}
	sent := c.code
	c.mu.Unlock()
	ws.CloseNow()
	c.h.leave(c)

	reason, code := closeReason(sent, readErr)
	c.h.metrics.SocketClosed(reason)
	c.h.log.Info("websocket closed", "user", c.user.ID, "room", c.roomID,
		"duration", time.Since(opened), "reason", reason, "code", int(code),
		"frames_in", c.framesIn, "frames_out", c.framesOut.Load())
}

// readLoop handles frames until the socket fails or closes, or ctx ends,
// and returns the read error that ended it.
func (c *conn) readLoop(ctx context.Context) error {
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return err
		}
		c.framesIn++
		c.busy.Lock()
		switch {
		case c.stopped:
		case c.v2 != nil:
			c.handleV2(typ, data)
		default:
			c.handleFrame(typ, data)
		}
		c.busy.Unlock()
	}
}
