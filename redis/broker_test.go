package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/brokertest"
	"github.com/edusphere/edusphere/redis"
	goredis "github.com/redis/go-redis/v9"
)

// testRedis returns a reachable Redis URL and a unique prefix, skipping
// when Redis is absent (failing under CI=true).
func testRedis(t *testing.T) (string, string) {
	t.Helper()
	u := os.Getenv("EDUSPHERE_TEST_REDIS")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opts, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatalf("parse EDUSPHERE_TEST_REDIS: %v", err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s unreachable: %v", u, err)
		}
		t.Skipf("redis at %s unreachable (set EDUSPHERE_TEST_REDIS): %v", u, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	return u, "edusphere_t_" + hex.EncodeToString(b) + ":"
}

func open(t *testing.T, url, prefix string) *redis.Broker {
	t.Helper()
	b := redis.NewBroker(redis.Config{URL: url, Prefix: prefix, HealthInterval: 300 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	if err := b.Open(context.Background()); err != nil {
		t.Fatalf("Open=%v, want nil", err)
	}
	t.Cleanup(func() { b.Close() })
	waitHealthy(t, b)
	return b
}

func waitHealthy(t *testing.T, b *redis.Broker) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := b.Ping(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping=%v, want nil within 5s", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBroker(t *testing.T) {
	url, _ := testRedis(t)
	brokertest.Run(t, func(t *testing.T) edusphere.Broker {
		_, prefix := testRedis(t)
		return open(t, url, prefix)
	})
	brokertest.RunShared(t, func(t *testing.T) (edusphere.Broker, edusphere.Broker) {
		_, prefix := testRedis(t)
		return open(t, url, prefix), open(t, url, prefix)
	})
}

// TestBroker_Prefix checks that brokers with different prefixes never
// see each other's events.
func TestBroker_Prefix(t *testing.T) {
	url, p1 := testRedis(t)
	_, p2 := testRedis(t)
	a, b := open(t, url, p1), open(t, url, p2)
	ra, rb := brokertest.NewRecorder(), brokertest.NewRecorder()
	a.SetHandler(ra.Handle)
	b.SetHandler(rb.Handle)
	ctx := context.Background()
	for _, br := range []*redis.Broker{a, b} {
		if err := br.Subscribe(ctx, "room:x"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
	}
	if err := a.Publish(ctx, "room:x", edusphere.Event{Type: edusphere.EventMessageCreated, Frame: []byte(`{}`)}); err != nil {
		t.Fatalf("Publish=%v, want nil", err)
	}
	if got := ra.WaitFor(1, 5*time.Second); len(got) != 1 {
		t.Fatalf("same-prefix deliveries=%d, want 1", len(got))
	}
	time.Sleep(200 * time.Millisecond)
	if got := rb.Events(); len(got) != 0 {
		t.Fatalf("other-prefix deliveries=%d, want 0", len(got))
	}
}

// TestBroker_ClientKill kills the subscriber connections on the Redis
// server (the shared server stays up) and expects delivery to resume.
func TestBroker_ClientKill(t *testing.T) {
	url, prefix := testRedis(t)
	named := withClientName(url, prefix)
	a, b := open(t, url, prefix), open(t, named, prefix)
	rb := brokertest.NewRecorder()
	b.SetHandler(rb.Handle)
	ctx := context.Background()
	if err := b.Subscribe(ctx, "room:k"); err != nil {
		t.Fatalf("Subscribe=%v, want nil", err)
	}
	killPubSub(t, url, prefix)
	waitDelivery(t, a, rb, "room:k")
}

// TestBroker_Gap checks that a lost subscriber connection never loses
// events silently: every channel subscribed at the time, or subscribed
// before the connection came back, gets one EventGap once it is subscribed
// again, and an event published after the gap event is delivered.
func TestBroker_Gap(t *testing.T) {
	url, prefix := testRedis(t)
	a, b := open(t, url, prefix), open(t, withClientName(url, prefix), prefix)
	rb := brokertest.NewRecorder()
	b.SetHandler(rb.Handle)
	ctx := context.Background()
	for _, ch := range []string{"room:1", "room:2", edusphere.SystemChannel, "room:gone"} {
		if err := b.Subscribe(ctx, ch); err != nil {
			t.Fatalf("Subscribe(%s)=%v", ch, err)
		}
	}
	if err := b.Unsubscribe(ctx, "room:gone"); err != nil {
		t.Fatal(err)
	}
	if got := rb.Events(); len(got) != 0 {
		t.Fatalf("events before any loss=%+v, want none", got)
	}
	killPubSub(t, url, prefix)
	count := func() map[string]int {
		gaps := map[string]int{}
		for _, e := range rb.Events() {
			if e.Event.Type == edusphere.EventGap {
				gaps[e.Channel]++
			}
		}
		return gaps
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(count()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("gap events=%v within 10s, want one on each of room:1, room:2 and system", count())
		}
		rb.WaitFor(len(rb.Events())+1, 100*time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a second gap event would come now
	gaps := count()
	for ch, n := range gaps {
		if n != 1 || ch == "room:gone" {
			t.Fatalf("gap events=%v, want exactly one on each subscribed channel", gaps)
		}
	}
	// After its gap event a channel is subscribed: nothing more is lost.
	n := len(rb.Events())
	if err := a.Publish(ctx, "room:1", edusphere.Event{Type: edusphere.EventMessageCreated, Frame: []byte(`{"after": 1}`)}); err != nil {
		t.Fatal(err)
	}
	got := rb.WaitFor(n+1, 5*time.Second)
	if len(got) != n+1 || string(got[n].Event.Frame) != `{"after": 1}` {
		t.Fatalf("deliveries after the gap=%+v, want the event published after it", got[n:])
	}
}

// withClientName names every connection of a broker on url, so that a
// test kills only its own.
func withClientName(url, name string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "client_name=" + strings.TrimSuffix(name, ":")
}

// killPubSub kills the subscriber connections named by withClientName
// with name, leaving other users of the Redis server alone.
func killPubSub(t *testing.T, url, name string) {
	t.Helper()
	opts, _ := goredis.ParseURL(url)
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	list, err := c.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		t.Fatalf("CLIENT LIST=%v", err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		var id string
		mine := false
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if f == "name="+strings.TrimSuffix(name, ":") {
				mine = true
			}
		}
		if mine && id != "" {
			if err := c.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatalf("CLIENT KILL ID %s=%v", id, err)
			}
			killed++
		}
	}
	if killed == 0 {
		t.Fatalf("no subscriber connection named %q to kill", name)
	}
}

// waitDelivery publishes on channel until rec receives one of them, for at
// most 10 s.
func waitDelivery(t *testing.T, pub edusphere.Broker, rec *brokertest.Recorder, channel string) {
	t.Helper()
	before := len(rec.Events())
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_ = pub.Publish(context.Background(), channel, edusphere.Event{Type: edusphere.EventMessageCreated, Frame: []byte(`{}`)})
		for _, e := range rec.WaitFor(len(rec.Events())+1, 100*time.Millisecond)[before:] {
			if e.Channel == channel && e.Event.Type == edusphere.EventMessageCreated {
				return
			}
		}
	}
	t.Fatalf("no delivery on %s within 10s of the outage", channel)
}

// proxy forwards TCP to Redis and can cut every connection and refuse new
// ones, as a Redis restart or a network partition does.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
}

// cut closes the listener and every proxied connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address.
func (p *proxy) restore() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("relisten %s: %v", p.addr, err)
}

// TestBroker_Outage cuts Redis away from one process: Ping reports it,
// Publish falls back to the local sockets, and after Redis is back the
// broker resubscribes and cross-process delivery resumes by itself.
func TestBroker_Outage(t *testing.T) {
	rurl, prefix := testRedis(t)
	u, _ := url.Parse(rurl)
	p := newProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = p.addr

	a := open(t, rurl, prefix)              // another process, always connected
	b := open(t, viaProxy.String(), prefix) // this process, behind the proxy
	rb := brokertest.NewRecorder()
	b.SetHandler(rb.Handle)
	ctx := context.Background()
	if err := b.Subscribe(ctx, "room:o"); err != nil {
		t.Fatalf("Subscribe=%v, want nil", err)
	}
	waitDelivery(t, a, rb, "room:o")

	p.cut()
	deadline := time.Now().Add(5 * time.Second)
	for b.Ping(ctx) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("Ping=nil during the outage, want an error")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Local sockets keep working: a refused publish is delivered locally.
	n := len(rb.Events())
	err := b.Publish(ctx, "room:o", edusphere.Event{Type: edusphere.EventMessageCreated, Frame: []byte(`{"local": 1}`)})
	if err == nil {
		t.Fatalf("Publish during outage=nil, want an error")
	}
	if got := rb.WaitFor(n+1, time.Second); len(got) != n+1 || string(got[n].Event.Frame) != `{"local": 1}` {
		t.Fatalf("local deliveries during outage=%d, want %d", len(got), n+1)
	}
	// A channel subscribed during the outage is subscribed on reconnect.
	if err := b.Subscribe(ctx, "room:late"); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("Subscribe during outage=%v (recorded for reconnect)", err)
	}

	p.restore()
	waitHealthy(t, b)
	waitDelivery(t, a, rb, "room:o")
	waitDelivery(t, a, rb, "room:late")
}

// TestBroker_Unreachable starts with Redis away: Open reports it and the
// broker still serves local subscribers.
func TestBroker_Unreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	b := redis.NewBroker(redis.Config{URL: "redis://" + addr + "/0", Prefix: "x:", HealthInterval: 200 * time.Millisecond})
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := b.Open(ctx); err == nil {
		t.Fatalf("Open=nil, want an error")
	}
	if err := b.Ping(ctx); err == nil {
		t.Fatalf("Ping=nil, want an error")
	}
	rec := brokertest.NewRecorder()
	b.SetHandler(rec.Handle)
	_ = b.Subscribe(ctx, "room:a")
	if err := b.Publish(ctx, "room:a", edusphere.Event{Type: edusphere.EventMessageCreated}); err == nil {
		t.Fatalf("Publish=nil, want an error")
	}
	if got := rec.WaitFor(1, time.Second); len(got) != 1 {
		t.Fatalf("local deliveries=%d, want 1", len(got))
	}
}
