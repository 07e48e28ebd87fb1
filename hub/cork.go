package hub

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// corkConn is a socket's connection as the WebSocket library sees it.
// While the writer holds it corked, the library's writes (one per frame,
// each flushed) gather in a buffer, and release sends them with one write:
// a flush of many queued frames costs one system call, not one per frame.
// Writes outside a flush (pings, close frames) go straight through.
type corkConn struct {
	net.Conn

	mu     sync.Mutex
	corked bool
	buf    *[]byte // while corked; from corkBufs
}

// corkBufs holds the gathering buffers between flushes, so an idle socket
// keeps none.
var corkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxCorkBuf bounds a buffer kept for reuse; a bigger one is dropped.
const maxCorkBuf = 256 << 10

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// cork starts gathering writes.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.buf = corkBufs.Get().(*[]byte)
	c.mu.Unlock()
}

// release stops gathering and writes what was gathered, within timeout.
// Writes that come meanwhile wait, so the bytes keep their order.
func (c *corkConn) release(timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return nil
	}
	c.corked = false
	buf := c.buf
	c.buf = nil
	var err error
	if len(*buf) > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(timeout))
		_, err = c.Conn.Write(*buf)
		c.Conn.SetWriteDeadline(time.Time{})
	}
	if cap(*buf) <= maxCorkBuf {
		*buf = (*buf)[:0]
		corkBufs.Put(buf)
	}
	return err
}

// corkWriter hands the WebSocket library a corkConn when it hijacks the
// connection of a handshake.
type corkWriter struct {
	http.ResponseWriter
	conn *corkConn
}

// Hijack takes over the connection, wrapped in a corkConn; the library's
// buffered writer is pointed at it.
func (w *corkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	w.conn = &corkConn{Conn: nc}
	brw.Writer.Reset(w.conn)
	return w.conn, brw, nil
}
