package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusphere/edusphere"
	goredis "github.com/redis/go-redis/v9"
)

// Ensure Broker implements edusphere.Broker.
var _ edusphere.Broker = (*Broker)(nil)

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("redis broker: closed")

// ErrDisconnected is what Ping reports while the subscriber connection is down.
var ErrDisconnected = errors.New("redis broker: subscriber connection down")

// Config configures a Broker.
type Config struct {
	// URL names one server (redis://, rediss://), a primary found through
	// Sentinel (redis-sentinel://, rediss-sentinel://) or a Cluster
	// (redis-cluster://, rediss-cluster://); see ParseURL. Default
	// "redis://127.0.0.1:6379/0".
	URL string
	// Prefix is put before every channel name, e.g. "edusphere:". Default "edusphere:".
	Prefix string
	// Logger receives outage and reconnect messages. Default slog.Default().
	Logger *slog.Logger
	// HealthInterval is how long the subscriber may stay silent before the
	// broker pings it; a ping unanswered for another interval counts as an
	// outage. Default 2 s.
	HealthInterval time.Duration
	// MaxBackoff caps the delay between reconnect attempts. Default 5 s.
	MaxBackoff time.Duration
}

// Broker is an edusphere.Broker over Redis pub/sub.
type Broker struct {
	cfg    Config
	log    *slog.Logger
	client goredis.UniversalClient
	err    error // from parsing the URL; returned by Open

	// psMu serializes the commands sent on the subscriber connection and its
	// replacement, so that a channel subscribed during a reconnect is not lost.
	psMu sync.Mutex
	ps   *goredis.PubSub

	mu       sync.Mutex
	handler  edusphere.BrokerHandler
	channels map[string]struct{}        // unprefixed names
	waiters  map[string][]chan struct{} // prefixed name → Subscribe calls awaiting confirmation
	// missed are the channels (unprefixed) that may have lost events while
	// the subscriber connection was down, or since they were subscribed
	// during an outage; the next confirmation of their subscription
	// delivers an EventGap on them.
	missed  map[string]struct{}
	running bool
	closed  bool

	healthy atomic.Bool
	ready   chan struct{} // closed once the subscriber connection first answers
	once    sync.Once
	done    chan struct{}
	stopped chan struct{}
}

// NewBroker returns a broker for cfg. It connects in Open; before that,
// Subscribe only records channels.
func NewBroker(cfg Config) *Broker {
	if cfg.URL == "" {
		cfg.URL = "redis://127.0.0.1:6379/0"
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "edusphere:"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	b := &Broker{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "redis-broker"),
		channels: make(map[string]struct{}),
		waiters:  make(map[string][]chan struct{}),
		missed:   make(map[string]struct{}),
		ready:    make(chan struct{}),
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	client, err := NewClient(cfg.URL)
	if err != nil {
		b.err = fmt.Errorf("parse redis url: %w", err)
		client = goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	}
	b.client = client
	b.ps = b.client.Subscribe(context.Background())
	return b
}

// Open starts the subscriber loop and checks that Redis answers. When Redis
// is unreachable Open returns the error, yet the broker stays usable and
// keeps reconnecting; the caller decides whether to start anyway.
func (b *Broker) Open(ctx context.Context) error {
	if b.err != nil {
		return b.err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	if b.running {
		b.mu.Unlock()
		return nil
	}
	b.running = true
	b.mu.Unlock()

	go b.loop()
	if err := b.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	// Let the subscriber connection answer too, so that channels
	// subscribed right after Open are confirmed rather than counted as
	// subscribed during an outage.
	t := time.NewTimer(2 * b.cfg.HealthInterval)
	defer t.Stop()
	select {
	case <-b.ready:
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// SetHandler sets the handler of incoming events.
func (b *Broker) SetHandler(h edusphere.BrokerHandler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handler = h
}

// Subscribe starts delivering channel's events. While Redis answers, it
// returns once Redis has confirmed the subscription, so an event published
// afterwards by any process is delivered. During an outage it records the
// channel and returns nil: the reconnect subscribes it.
func (b *Broker) Subscribe(ctx context.Context, channel string) error {
	name := b.cfg.Prefix + channel
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	if _, ok := b.channels[channel]; ok {
		b.mu.Unlock()
		return nil
	}
	b.channels[channel] = struct{}{}
	var wait chan struct{}
	if b.running && b.healthy.Load() {
		wait = make(chan struct{})
		b.waiters[name] = append(b.waiters[name], wait)
	} else {
		// Events published before the reconnect subscribes it are lost.
		b.missed[channel] = struct{}{}
	}
	b.mu.Unlock()

	b.psMu.Lock()
	err := b.ps.Subscribe(ctx, name)
	b.psMu.Unlock()
	if err != nil {
		b.dropWaiter(name, wait)
		// The channel stays recorded; the reconnect loop subscribes it.
		return fmt.Errorf("subscribe %s: %w", channel, err)
	}
	if wait == nil {
		return nil
	}
	timer := time.NewTimer(2 * b.cfg.HealthInterval)
	defer timer.Stop()
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		b.dropWaiter(name, wait)
		return fmt.Errorf("subscribe %s: %w", channel, ctx.Err())
	case <-timer.C:
		// Redis went quiet mid-way; the loop notices and resubscribes.
		b.dropWaiter(name, wait)
		return nil
	case <-b.done:
		return ErrClosed
	}
}

func (b *Broker) dropWaiter(name string, w chan struct{}) {
	if w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ws := b.waiters[name]
	for i := range ws {
		if ws[i] == w {
			b.waiters[name] = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(b.waiters[name]) == 0 {
		delete(b.waiters, name)
	}
}

// Unsubscribe stops delivering channel's events; events already in flight
// for it are dropped.
func (b *Broker) Unsubscribe(ctx context.Context, channel string) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	if _, ok := b.channels[channel]; !ok {
		b.mu.Unlock()
		return nil
	}
	delete(b.channels, channel)
	delete(b.missed, channel)
	b.mu.Unlock()

	b.psMu.Lock()
	err := b.ps.Unsubscribe(ctx, b.cfg.Prefix+channel)
	b.psMu.Unlock()
	if err != nil && b.healthy.Load() {
		return fmt.Errorf("unsubscribe %s: %w", channel, err)
	}
	return nil
}

// Publish sends ev to every process subscribed to channel. When Redis
// refuses it, ev is handed to the local handler instead (if this process
// subscribes channel) and the error is returned.
func (b *Broker) Publish(ctx context.Context, channel string, ev edusphere.Event) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return ErrClosed
	}
	payload, err := encode(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	if err := b.publish(ctx, b.cfg.Prefix+channel, payload); err != nil {
		b.deliver(channel, ev)
		return fmt.Errorf("publish %s: %w", channel, err)
	}
	return nil
}

// publish sends payload on the named channel. In a Cluster a keyless
// PUBLISH may go to any node, and events sent through different nodes reach
// a subscriber in any order; sending each channel's events through the node
// owning the channel's hash slot keeps a room's events in order.
func (b *Broker) publish(ctx context.Context, name string, payload []byte) error {
	if cc, ok := b.client.(*goredis.ClusterClient); ok {
		node, err := cc.MasterForKey(ctx, name)
		if err != nil {
			return err
		}
		return node.Publish(ctx, name, payload).Err()
	}
	return b.client.Publish(ctx, name, payload).Err()
}

// Ping reports ErrDisconnected while the subscriber connection is down, and
// otherwise whether Redis answers a PING on the publishing connection.
func (b *Broker) Ping(ctx context.Context) error {
	b.mu.Lock()
	closed, running := b.closed, b.running
	b.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if running && !b.healthy.Load() {
		return ErrDisconnected
	}
	if err := b.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Close stops the subscriber loop and closes both connections.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	running := b.running
	b.mu.Unlock()

	close(b.done)
	b.psMu.Lock()
	err := b.ps.Close()
	b.psMu.Unlock()
	if running {
		<-b.stopped
	}
	if err2 := b.client.Close(); err == nil {
		err = err2
	}
	if errors.Is(err, goredis.ErrClosed) {
		err = nil
	}
	return err
}

// loop receives from the subscriber connection until Close, replacing the
// connection after any failure.
func (b *Broker) loop() {
	defer close(b.stopped)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-b.done:
			cancel()
		case <-ctx.Done():
		}
	}()

	failures := 0
	pingSent := false
	b.psMu.Lock()
	ps := b.ps
	b.psMu.Unlock()
	// The first ping dials and proves the connection.
	if err := ps.Ping(ctx); err == nil {
		pingSent = true
	}
	for {
		msg, err := ps.ReceiveTimeout(ctx, b.cfg.HealthInterval)
		if b.isClosed() {
			return
		}
		if err != nil {
			if isTimeout(err) && !pingSent {
				// Silence: ask for a pong; another silent interval is an outage.
				if perr := ps.Ping(ctx); perr == nil {
					pingSent = true
					continue
				}
			}
			failures++
			b.setHealthy(false, err)
			b.markMissed()
			if !b.sleep(backoff(failures, b.cfg.MaxBackoff)) {
				return
			}
			ps = b.reconnect(ctx)
			pingSent = false
			if err := ps.Ping(ctx); err == nil {
				pingSent = true
			}
			continue
		}
		failures = 0
		pingSent = false
		b.setHealthy(true, nil)
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				b.confirm(m.Channel)
				b.resumed(m.Channel)
			}
		case *goredis.Message:
			b.receive(m)
		}
	}
}

// reconnect replaces the subscriber connection with a new one subscribed to
// every recorded channel.
func (b *Broker) reconnect(ctx context.Context) *goredis.PubSub {
	b.psMu.Lock()
	defer b.psMu.Unlock()
	old := b.ps
	b.ps = b.client.Subscribe(ctx)
	b.mu.Lock()
	names := make([]string, 0, len(b.channels))
	for ch := range b.channels {
		names = append(names, b.cfg.Prefix+ch)
	}
	b.mu.Unlock()
	if len(names) > 0 {
		// A failure leaves the names recorded in the PubSub; the next
		// receive dials again and resubscribes them.
		_ = b.ps.Subscribe(ctx, names...)
	}
	_ = old.Close()
	return b.ps
}

func (b *Broker) isClosed() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

func (b *Broker) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.done:
		return false
	}
}

func (b *Broker) setHealthy(ok bool, err error) {
	if ok {
		b.once.Do(func() { close(b.ready) })
	}
	if b.healthy.Swap(ok) == ok {
		return
	}
	if ok {
		b.log.Info("redis pub/sub connected; channels resubscribed", "prefix", b.cfg.Prefix)
	} else {
		b.log.Warn("redis pub/sub connection lost; reconnecting", "prefix", b.cfg.Prefix, "err", err)
	}
}

func (b *Broker) confirm(name string) {
	b.mu.Lock()
	ws := b.waiters[name]
	delete(b.waiters, name)
	b.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}

// markMissed records that every subscribed channel may be losing events:
// the subscriber connection failed.
func (b *Broker) markMissed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.channels {
		b.missed[ch] = struct{}{}
	}
}

// resumed delivers an EventGap on the channel of a confirmed subscription
// (prefixed name) if it may have lost events before.
func (b *Broker) resumed(name string) {
	channel, ok := strings.CutPrefix(name, b.cfg.Prefix)
	if !ok {
		return
	}
	b.mu.Lock()
	_, missed := b.missed[channel]
	delete(b.missed, channel)
	b.mu.Unlock()
	if missed {
		b.log.Info("channel resubscribed after possible loss", "channel", channel)
		b.deliver(channel, edusphere.Event{Type: edusphere.EventGap})
	}
}

func (b *Broker) receive(m *goredis.Message) {
	channel, ok := strings.CutPrefix(m.Channel, b.cfg.Prefix)
	if !ok {
		return
	}
	ev, err := decode(m.Payload)
	if err != nil {
		b.log.Warn("drop undecodable event", "channel", channel, "err", err)
		return
	}
	b.deliver(channel, ev)
}

// deliver calls the handler when this process subscribes channel.
func (b *Broker) deliver(channel string, ev edusphere.Event) {
	b.mu.Lock()
	_, ok := b.channels[channel]
	h := b.handler
	b.mu.Unlock()
	if ok && h != nil {
		h(channel, ev)
	}
}

// backoff returns the delay before reconnect attempt n (1-based): 100 ms
// doubling up to max, with ±20% jitter so processes do not reconnect in step.
func backoff(n int, max time.Duration) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	j := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + j
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// encode writes the event without its frame as JSON, a newline, then the
// frame bytes untouched (encoding/json would compact a RawMessage).
func encode(ev edusphere.Event) ([]byte, error) {
	frame := ev.Frame
	ev.Frame = nil
	head, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(head)+1+len(frame))
	out = append(out, head...)
	out = append(out, '\n')
	return append(out, frame...), nil
}

func decode(payload string) (edusphere.Event, error) {
	var ev edusphere.Event
	head, frame, ok := strings.Cut(payload, "\n")
	if !ok {
		return ev, errors.New("missing frame separator")
	}
	if err := json.Unmarshal([]byte(head), &ev); err != nil {
		return ev, err
	}
	if frame != "" {
		ev.Frame = bytes.Clone([]byte(frame))
	}
	return ev, nil
}
